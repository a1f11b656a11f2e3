"""The unmodified CLI on block storage's sharing and limits: volume transfers between projects,
private volume types given to a project, QoS specs on a type, and snapshot properties and
state; and on a cloud of two backends, types choosing a backend, retype with migration,
migration by an operator, revert to a snapshot, and the volume services."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("volume", "openstack volume transfer request create/list/show/accept/delete"),
          ("volume", "openstack volume type create --private --project, volume qos "
                     "create/set/unset/associate/disassociate/show/delete"),
          ("volume", "openstack volume snapshot set/unset --property, set --state"),
          ("volume", "openstack volume type create --property volume_backend_name, volume set "
                     "--type --retype-policy on-demand (moves the volume), volume migrate "
                     "--host, volume revert, volume service list (two backends)")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("volume-cli") / "state"
    state.mkdir()
    # Two backends on the volume agent, for the moves between them.
    backends = [{"name": "fake-1", "driver": "fake"}, {"name": "fake-2", "driver": "fake"}]
    proc = CloudProcess(state, env={"NIMBUS_VOLUME_BACKENDS": json.dumps(backends)}).start()
    try:
        yield proc
    finally:
        proc.stop()


def _wait(cloud: CloudProcess, kind: str, ref: str, status: str, cloud_name: str = "nimbus",
          timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    shown: dict[str, Any] = {}
    while time.monotonic() < deadline:
        shown = cloud.openstack_json("volume", *([kind] if kind else []), "show", ref,
                                     cloud=cloud_name)
        if shown.get("status") == status:
            return shown
        time.sleep(0.5)
    raise AssertionError(f"{kind or 'volume'} {ref} never reached {status}: {shown}")


def test_a_volume_changes_project(cloud: CloudProcess) -> None:
    volume = cloud.openstack_json("volume", "create", "--size", "1", "gift")
    _wait(cloud, "", volume["id"], "available")
    request = cloud.openstack_json("volume", "transfer", "request", "create", "--name",
                                   "for-demo", "gift")
    assert request["volume_id"] == volume["id"] and request["auth_key"]
    _wait(cloud, "", volume["id"], "awaiting-transfer")
    listed = cloud.openstack_json("volume", "transfer", "request", "list")
    assert [r["ID"] for r in listed] == [request["id"]]
    shown = cloud.openstack_json("volume", "transfer", "request", "show", request["id"])
    assert shown["name"] == "for-demo" and "auth_key" not in shown
    # Another project takes it with the key; a wrong key is refused.
    wrong = cloud.openstack("volume", "transfer", "request", "accept", "--auth-key", "nope",
                            request["id"], cloud="nimbus-demo", check=False)
    assert wrong.returncode != 0
    cloud.openstack("volume", "transfer", "request", "accept", "--auth-key",
                    request["auth_key"], request["id"], cloud="nimbus-demo")
    taken = _wait(cloud, "", volume["id"], "available", cloud_name="nimbus-demo")
    assert taken["id"] == volume["id"]
    assert cloud.openstack_json("volume", "transfer", "request", "list") == []
    # An offer withdrawn leaves the volume where it was.
    again = cloud.openstack_json("volume", "transfer", "request", "create", volume["id"],
                                 cloud="nimbus-demo")
    cloud.openstack("volume", "transfer", "request", "delete", again["id"],
                    cloud="nimbus-demo")
    _wait(cloud, "", volume["id"], "available", cloud_name="nimbus-demo")
    assert cloud.server_errors() == []


def test_private_types_and_qos(cloud: CloudProcess) -> None:
    cloud.openstack("volume", "type", "create", "--private", "--project", "demo", "secret")
    assert "secret" in {t["Name"] for t in cloud.openstack_json(
        "volume", "type", "list", cloud="nimbus-demo")}
    made = cloud.openstack_json("volume", "create", "--size", "1", "--type", "secret",
                                "typed", cloud="nimbus-demo")
    _wait(cloud, "", made["id"], "available", cloud_name="nimbus-demo")
    qos = cloud.openstack_json("volume", "qos", "create", "--consumer", "front-end",
                               "--property", "read_iops_sec=2000", "gold")
    assert qos["consumer"] == "front-end"
    cloud.openstack("volume", "qos", "set", "--property", "write_iops_sec=1000", "gold")
    cloud.openstack("volume", "qos", "unset", "--property", "read_iops_sec", "gold")
    cloud.openstack("volume", "qos", "associate", "gold", "secret")
    shown = cloud.openstack_json("volume", "qos", "show", "gold")
    assert shown["properties"] == {"write_iops_sec": "1000"}
    assert shown["associations"] in (["secret"], "secret")
    refused = cloud.openstack("volume", "qos", "delete", "gold", check=False)
    assert refused.returncode != 0
    cloud.openstack("volume", "qos", "disassociate", "--all", "gold")
    cloud.openstack("volume", "qos", "delete", "gold")
    cloud.openstack("volume", "type", "unset", "--project", "demo", "secret")
    assert "secret" not in {t["Name"] for t in cloud.openstack_json(
        "volume", "type", "list", cloud="nimbus-demo")}
    assert cloud.server_errors() == []


def test_snapshot_properties_and_state(cloud: CloudProcess) -> None:
    volume = cloud.openstack_json("volume", "create", "--size", "1", "snapped")
    _wait(cloud, "", volume["id"], "available")
    snap = cloud.openstack_json("volume", "snapshot", "create", "--volume", "snapped",
                                "--property", "a=1", "snap")
    _wait(cloud, "snapshot", snap["id"], "available")
    cloud.openstack("volume", "snapshot", "set", "--property", "b=2", "snap")
    cloud.openstack("volume", "snapshot", "unset", "--property", "a", "snap")
    shown = cloud.openstack_json("volume", "snapshot", "show", "snap")
    assert shown["properties"] in ({"b": "2"}, "b='2'")
    cloud.openstack("volume", "snapshot", "set", "--state", "error", "snap")
    _wait(cloud, "snapshot", snap["id"], "error")
    cloud.openstack("volume", "snapshot", "delete", "--force", "snap")
    assert cloud.server_errors() == []


def _admin_show(cloud: CloudProcess, ref: str) -> dict[str, Any]:
    return cloud.openstack_json("volume", "show", ref)


def _until(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"never: {what}")


def test_backends_retype_migrate_and_revert(cloud: CloudProcess) -> None:
    services = cloud.openstack_json("volume", "service", "list")
    backends = sorted(s["Host"] for s in services if s["Binary"] == "cinder-volume")
    assert [b.split("@")[1] for b in backends] == ["fake-1", "fake-2"]
    assert all(s["State"] == "up" for s in services)
    for name, backend in (("gold", "fake-1"), ("silver", "fake-2")):
        cloud.openstack("volume", "type", "create", "--property",
                        f"volume_backend_name={backend}", name)
    volume = cloud.openstack_json("volume", "create", "--size", "1", "--type", "gold",
                                  "mover")
    _wait(cloud, "", volume["id"], "available")
    assert _admin_show(cloud, "mover")["os-vol-host-attr:host"].startswith(backends[0])
    # The new type is on the other backend: the volume moves there.
    cloud.openstack("volume", "set", "--type", "silver", "--retype-policy", "on-demand",
                    "mover")
    _until(lambda: _admin_show(cloud, "mover")["type"] == "silver", "retyped")
    moved = _wait(cloud, "", volume["id"], "available")
    assert moved["os-vol-host-attr:host"].startswith(backends[1])
    assert moved["os-vol-mig-status-attr:migstat"] == "success"
    # An operator moves it back; the backend it goes to must still take its type (as in
    # Cinder, the scheduler's filters decide), so the type names that backend first.
    cloud.openstack("volume", "type", "set", "--property", "volume_backend_name=fake-1",
                    "silver")
    cloud.openstack("volume", "migrate", "--host", f"{backends[0]}#fake-1", "mover")
    _until(lambda: _admin_show(cloud, "mover")["os-vol-host-attr:host"].startswith(
        backends[0]), "migrated back")
    _wait(cloud, "", volume["id"], "available")
    # Revert to the latest snapshot (3.40).
    snap = cloud.openstack_json("volume", "snapshot", "create", "--volume", "mover", "point")
    _wait(cloud, "snapshot", snap["id"], "available")
    cloud.openstack("--os-volume-api-version", "3.40", "volume", "revert", "point")
    _wait(cloud, "", volume["id"], "available")
    assert cloud.server_errors() == []
