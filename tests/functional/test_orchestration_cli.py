"""The unmodified ``openstack stack`` commands (python-heatclient) against ``nimbus up``:
a stack made, read, changed in place and by replacement, and deleted; a failure with its
reason; another project's stack not found."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("orchestration", "openstack stack create/show/list/output show/resource list/"
                            "event list/update/delete (python-heatclient)"),
          ("orchestration", "stack update: in place (TestResource value) and by replacement "
                            "(RandomString length), the events show which"),
          ("orchestration", "a resource that fails: CREATE_FAILED with its reason, rollback "
                            "when asked"),
          ("orchestration", "a failed update rolls back: the stack as it was, what the "
                            "update made removed (ROLLBACK_COMPLETE)"),
          ("orchestration", "a service's refusal (Neutron's 400 for a bad CIDR) is the "
                            "resource's CREATE_FAILED reason and event, in its own words"),
          ("orchestration", "another project's stack is not found (404)")]

pytestmark = pytest.mark.functional

TEMPLATE = """
heat_template_version: 2018-08-31
description: a small stack
parameters:
  greeting:
    type: string
    default: hello
  size:
    type: number
    default: 8
resources:
  word:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: size}
  note:
    type: OS::Heat::TestResource
    properties:
      value:
        str_replace:
          template: GREETING-WORD
          params:
            GREETING: {get_param: greeting}
            WORD: {get_attr: [word, value]}
outputs:
  note:
    description: what the note holds
    value: {get_attr: [note, output]}
  word_length:
    value: {get_param: size}
"""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("orchestration") / "state"
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def _template(tmp_path: Path, text: str, name: str = "stack.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _wait(cloud: CloudProcess, name: str, status: str, user: str = "nimbus-demo",
          timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        shown = cloud.openstack_json("stack", "show", name, cloud=user)
        if shown["stack_status"] == status:
            return dict(shown)
        assert not shown["stack_status"].endswith("FAILED") or status.endswith("FAILED"), shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.5)


def test_stack_lifecycle_with_the_cli(cloud: CloudProcess, tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:6]}"
    demo = {"cloud": "nimbus-demo"}
    trusts_before = len(cloud.openstack_json("trust", "list"))
    template = TEMPLATE.replace("    value: {get_param: size}",
                                "    value: {get_param: size}")
    made = cloud.openstack_json("stack", "create", "-t", _template(tmp_path, template),
                                "--parameter", "greeting=hi", name, **demo)
    assert made["stack_status"] == "CREATE_IN_PROGRESS"
    shown = _wait(cloud, name, "CREATE_COMPLETE")
    assert shown["description"] == "a small stack"
    note = cloud.openstack_json("stack", "output", "show", name, "note", **demo)
    assert note["output_value"].startswith("hi-") and len(note["output_value"]) == 3 + 8
    resources = {r["resource_name"]: r for r in
                 cloud.openstack_json("stack", "resource", "list", name, **demo)}
    assert set(resources) == {"word", "note"}
    assert all(r["resource_status"] == "CREATE_COMPLETE" for r in resources.values())
    assert any(s["Stack Name"] == name for s in cloud.openstack_json("stack", "list", **demo))

    # In place: the note's value changes (TestResource takes it); by replacement: a longer
    # random word is a new resource (its length cannot change in place).
    cloud.openstack("stack", "update", "-t", _template(tmp_path, template),
                    "--parameter", "greeting=hey", "--parameter", "size=12", "--wait", name,
                    **demo)
    after = {r["resource_name"]: r for r in
             cloud.openstack_json("stack", "resource", "list", name, **demo)}
    assert after["word"]["physical_resource_id"] != resources["word"]["physical_resource_id"]
    assert after["note"]["physical_resource_id"] == resources["note"]["physical_resource_id"]
    note = cloud.openstack_json("stack", "output", "show", name, "note", **demo)
    assert note["output_value"].startswith("hey-") and len(note["output_value"]) == 4 + 12
    events = cloud.openstack_json("stack", "event", "list", name, **demo)
    reasons = [(e["resource_name"], e["resource_status"]) for e in events]
    assert ("note", "UPDATE_COMPLETE") in reasons and ("word", "CREATE_COMPLETE") in reasons
    assert ("word", "DELETE_COMPLETE") in reasons and ("note", "DELETE_COMPLETE") not in reasons

    # Another project's user does not find it.
    other = cloud.openstack("stack", "show", made["id"], check=False, cloud="nimbus")
    assert other.returncode != 0 and "not found" in (other.stderr + other.stdout)

    # The engine acted through a trust the demo user delegated; it goes with the stack.
    assert len(cloud.openstack_json("trust", "list")) == trusts_before + 1
    cloud.openstack("stack", "delete", "--yes", "--wait", name, **demo)
    gone = cloud.openstack("stack", "show", name, check=False, **demo)
    assert gone.returncode != 0
    assert len(cloud.openstack_json("trust", "list")) == trusts_before


def test_a_failing_resource_fails_the_stack_with_its_reason(cloud: CloudProcess,
                                                             tmp_path: Path) -> None:
    name = f"fail-{uuid.uuid4().hex[:6]}"
    template = """
heat_template_version: 2016-10-14
resources:
  ok:
    type: OS::Heat::TestResource
  bad:
    type: OS::Heat::TestResource
    depends_on: ok
    properties:
      fail: true
"""
    cloud.openstack("stack", "create", "-t", _template(tmp_path, template), name,
                    cloud="nimbus-demo")
    shown = _wait(cloud, name, "CREATE_FAILED")
    assert shown["stack_status_reason"] == ("Resource CREATE failed: ValueError: "
                                            "resources.bad: Test Resource failed bad")
    bad = cloud.openstack_json("stack", "resource", "show", name, "bad", cloud="nimbus-demo")
    assert bad["resource_status"] == "CREATE_FAILED"
    cloud.openstack("stack", "delete", "--yes", "--wait", name, cloud="nimbus-demo")

    # With rollback on, what was made is removed again.
    name = f"roll-{uuid.uuid4().hex[:6]}"
    cloud.openstack("stack", "create", "--enable-rollback", "-t",
                    _template(tmp_path, template), name, cloud="nimbus-demo")
    _wait(cloud, name, "ROLLBACK_COMPLETE")
    assert cloud.openstack_json("stack", "resource", "list", name, cloud="nimbus-demo") == []
    cloud.openstack("stack", "delete", "--yes", "--wait", name, cloud="nimbus-demo")


def test_a_failed_update_rolls_back(cloud: CloudProcess, tmp_path: Path) -> None:
    """An update whose new resource fails is rolled back when rollback is on: the stack is
    what it was, and what the update made is gone."""
    before = """
heat_template_version: 2016-10-14
parameters:
  value: {type: string, default: first}
resources:
  keep:
    type: OS::Heat::TestResource
    properties: {value: {get_param: value}}
outputs:
  kept: {value: {get_attr: [keep, output]}}
"""
    after = before.replace("outputs:", """  extra:
    type: OS::Heat::TestResource
    depends_on: keep
    properties: {fail: true}
outputs:""")
    name = f"rollback-{uuid.uuid4().hex[:6]}"
    demo = {"cloud": "nimbus-demo"}
    cloud.openstack("stack", "create", "-t", _template(tmp_path, before, "before.yaml"), name,
                    **demo)
    _wait(cloud, name, "CREATE_COMPLETE")
    kept = cloud.openstack_json("stack", "resource", "show", name, "keep", **demo)
    cloud.openstack("stack", "update", "--rollback", "enabled", "-t",
                    _template(tmp_path, after, "after.yaml"), "--parameter", "value=second",
                    name, **demo)
    shown = _wait(cloud, name, "ROLLBACK_COMPLETE")
    assert shown["stack_status"] == "ROLLBACK_COMPLETE"
    events = cloud.openstack_json("stack", "event", "list", name, **demo)
    assert any(e["resource_name"] == "extra" and e["resource_status"] == "CREATE_FAILED"
               for e in events)
    resources = {r["resource_name"]: r for r in
                 cloud.openstack_json("stack", "resource", "list", name, **demo)}
    assert set(resources) == {"keep"}
    assert resources["keep"]["physical_resource_id"] == kept["physical_resource_id"]
    assert cloud.openstack_json("stack", "output", "show", name, "kept", **demo)[
        "output_value"] == "first"
    cloud.openstack("stack", "delete", "--yes", "--wait", name, **demo)


def test_a_service_refusal_is_the_resources_failure(cloud: CloudProcess,
                                                   tmp_path: Path) -> None:
    """What a service refuses fails the resource with that service's own words."""
    template = """
heat_template_version: 2016-10-14
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.99.0.0/33
"""
    name = f"refused-{uuid.uuid4().hex[:6]}"
    cloud.openstack("stack", "create", "-t", _template(tmp_path, template), name,
                    cloud="nimbus-demo")
    shown = _wait(cloud, name, "CREATE_FAILED")
    subnet = cloud.openstack_json("stack", "resource", "show", name, "subnet",
                                  cloud="nimbus-demo")
    assert subnet["resource_status"] == "CREATE_FAILED"
    reason = subnet["resource_status_reason"]
    assert reason.startswith("BadRequest: resources.subnet: ") and "10.99.0.0/33" in reason
    assert shown["stack_status_reason"] == f"Resource CREATE failed: {reason}"
    events = cloud.openstack_json("stack", "event", "list", name, cloud="nimbus-demo")
    assert any(e["resource_name"] == "subnet" and e["resource_status"] == "CREATE_FAILED"
               and e["resource_status_reason"] == reason for e in events)
    cloud.openstack("stack", "delete", "--yes", "--wait", name, cloud="nimbus-demo")


def test_a_bad_template_is_refused_naming_what_is_wrong(cloud: CloudProcess,
                                                       tmp_path: Path) -> None:
    bad_yaml = "heat_template_version: 2016-10-14\nresources:\n  a: [\n"
    result = cloud.openstack("stack", "create", "-t", _template(tmp_path, bad_yaml), "x1",
                             check=False, cloud="nimbus-demo")
    assert result.returncode != 0 and "line" in result.stderr
    unknown = ("heat_template_version: 2016-10-14\nresources:\n  thing:\n"
               "    type: OS::No::Such\n")
    result = cloud.openstack("stack", "create", "-t", _template(tmp_path, unknown), "x2",
                             check=False, cloud="nimbus-demo")
    assert result.returncode != 0 and "OS::No::Such" in result.stderr
    assert "thing" in result.stderr


def _inventory(cloud: CloudProcess) -> dict[str, list[str]]:
    """What the demo project has in every service, by id (or name where that is the id)."""
    found: dict[str, list[str]] = {}
    for what, column in (("server", "ID"), ("network", "ID"), ("subnet", "ID"),
                         ("port", "ID"), ("router", "ID"), ("volume", "ID"),
                         ("floating ip", "ID"), ("keypair", "Name"),
                         ("security group", "ID")):
        listed = cloud.openstack_json(*what.split(), "list", cloud="nimbus-demo")
        found[what] = sorted(str(item[column]) for item in listed)
    return found


def test_an_application_stack_across_every_service(cloud: CloudProcess) -> None:
    """A network, subnet, router with its interface, security group, key pair, server, volume
    attached to it and a floating IP: made, read, grown (a bigger flavor and a second server:
    only those two change) and deleted, leaving nothing behind in any service."""
    demo = {"cloud": "nimbus-demo"}
    template = str(Path(__file__).with_name("orchestration_app.yaml"))
    before = _inventory(cloud)
    cloud.openstack("stack", "create", "-t", template, "app", **demo)
    _wait(cloud, "app", "CREATE_COMPLETE")
    outputs = {o["output_key"]: o["output_value"] for o in
               cloud.openstack_json("stack", "output", "show", "app", "--all", **demo).values()}
    assert outputs["server_ip"].startswith("10.20.0.")
    assert outputs["floating_ip"] in outputs["networks"]["app-net"]
    resources = {r["resource_name"]: r for r in
                 cloud.openstack_json("stack", "resource", "list", "app", **demo)}
    server = cloud.openstack_json("server", "show", resources["server"]["physical_resource_id"],
                                  **demo)
    assert server["status"] == "ACTIVE" and server["key_name"] == "app-key"
    volume = cloud.openstack_json("volume", "show", resources["disk"]["physical_resource_id"],
                                  **demo)
    assert volume["status"] == "in-use"
    assert volume["attachments"][0]["server_id"] == server["id"]
    assert "second" not in resources

    events_before = len(cloud.openstack_json("stack", "event", "list", "app", **demo))
    cloud.openstack("stack", "update", "-t", template, "--parameter", "flavor=m1.micro",
                    "--parameter", "servers=2", "app", **demo)
    _wait(cloud, "app", "UPDATE_COMPLETE")
    events = cloud.openstack_json("stack", "event", "list", "app", **demo)[events_before:]
    touched = {e["resource_name"] for e in events} - {"app"}
    assert touched == {"server", "second"}, events
    after = {r["resource_name"]: r for r in
             cloud.openstack_json("stack", "resource", "list", "app", **demo)}
    # The server was resized in place: the same server, the bigger flavor.
    assert after["server"]["physical_resource_id"] == server["id"]
    grown = cloud.openstack_json("server", "show", server["id"], **demo)
    assert "m1.micro" in str(grown["flavor"])
    assert cloud.openstack_json("server", "show", after["second"]["physical_resource_id"],
                                **demo)["status"] == "ACTIVE"

    cloud.openstack("stack", "delete", "--yes", "--wait", "app", **demo)
    assert _inventory(cloud) == before


def test_previews_snapshots_actions_abandon_and_adopt(cloud: CloudProcess,
                                                       tmp_path: Path) -> None:
    demo = {"cloud": "nimbus-demo"}
    name = f"life-{uuid.uuid4().hex[:6]}"
    template = _template(tmp_path, TEMPLATE)
    cloud.openstack("stack", "create", "-t", template, name, **demo)
    _wait(cloud, name, "CREATE_COMPLETE")

    # A dry run says what an update would do, and does nothing.
    dry = cloud.openstack_json("stack", "update", "--dry-run", "-t", template, "--parameter",
                               "greeting=yo", "--parameter", "size=10", name, **demo)
    changes = {kind: sorted(r["resource_name"] for r in dry.get(kind, []))
               for kind in ("updated", "replaced", "unchanged", "added", "deleted")}
    assert changes["updated"] == ["note"] and changes["replaced"] == ["word"]
    assert _wait(cloud, name, "CREATE_COMPLETE")["stack_status"] == "CREATE_COMPLETE"

    # A snapshot, a change, and the snapshot restored: the first value is back.
    first = cloud.openstack_json("stack", "output", "show", name, "note", **demo)
    cloud.openstack("stack", "snapshot", "create", "--name", "s1", name, **demo)
    listed = cloud.openstack_json("stack", "snapshot", "list", name, **demo)
    assert [s["name"] for s in listed] == ["s1"] and listed[0]["status"] == "COMPLETE"
    snap = listed[0]
    cloud.openstack("stack", "update", "--existing", "--parameter", "greeting=changed",
                    "--wait", name, **demo)
    assert cloud.openstack_json("stack", "output", "show", name, "note", **demo)[
        "output_value"].startswith("changed-")
    cloud.openstack("stack", "snapshot", "restore", name, snap["id"], **demo)
    _wait(cloud, name, "UPDATE_COMPLETE")
    restored = cloud.openstack_json("stack", "output", "show", name, "note", **demo)
    assert restored["output_value"].startswith("hi-") or \
        restored["output_value"].startswith("hello-")
    assert restored["output_value"].split("-")[0] == first["output_value"].split("-")[0]
    cloud.openstack("stack", "snapshot", "delete", "--yes", name, snap["id"], **demo)

    # Suspend, resume and check each reach their COMPLETE.
    for action, status in (("suspend", "SUSPEND_COMPLETE"), ("resume", "RESUME_COMPLETE"),
                           ("check", "CHECK_COMPLETE")):
        cloud.openstack("stack", action, name, **demo)
        _wait(cloud, name, status)

    # Abandoned, the stack is gone but not what it made; adopted, it is back with the same
    # resources.
    resources = {r["resource_name"]: r["physical_resource_id"] for r in
                 cloud.openstack_json("stack", "resource", "list", name, **demo)}
    record = tmp_path / "abandoned.json"
    cloud.openstack("stack", "abandon", "--output-file", str(record), name, **demo)
    assert cloud.openstack("stack", "show", name, check=False, **demo).returncode != 0
    adopted = f"{name}-again"
    cloud.openstack("stack", "adopt", "--adopt-file", str(record), adopted, **demo)
    _wait(cloud, adopted, "ADOPT_COMPLETE")
    again = {r["resource_name"]: r["physical_resource_id"] for r in
             cloud.openstack_json("stack", "resource", "list", adopted, **demo)}
    assert again == resources
    cloud.openstack("stack", "delete", "--yes", "--wait", adopted, **demo)
