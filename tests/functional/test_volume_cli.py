"""The unmodified CLI on block storage's sharing and limits: volume transfers between projects,
private volume types given to a project, QoS specs on a type, and snapshot properties and
state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("volume", "openstack volume transfer request create/list/show/accept/delete"),
          ("volume", "openstack volume type create --private --project, volume qos "
                     "create/set/unset/associate/disassociate/show/delete"),
          ("volume", "openstack volume snapshot set/unset --property, set --state")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("volume-cli") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
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
