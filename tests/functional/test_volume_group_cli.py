"""`openstack volume group type/group/group snapshot ...`, `volume service list/set` and
`volume host set` against the block-storage service, with the unmodified CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("volume", "openstack volume group type create/set/show/list/delete, volume group "
                     "create/show/set/list/delete, volume group snapshot "
                     "create/show/list/delete"),
          ("volume", "openstack volume service list/set --disable/--enable, volume host set "
                     "--disable/--enable (freeze and thaw)")]

pytestmark = pytest.mark.functional

# The group commands need these microversions, and say so otherwise.
GROUPS = ("--os-volume-api-version", "3.14")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("volume-groups") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


def _until(cloud: CloudProcess, what: tuple[str, ...], status: str) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for _ in range(200):
        shown = cloud.openstack_json(*GROUPS, *what)
        if shown.get("Status") == status:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{what} never reached {status}: {shown}")


def test_the_cli_walks_volume_groups(cloud: CloudProcess) -> None:
    gtype = cloud.openstack_json(*GROUPS, "volume", "group", "type", "create",
                                 "--description", "plain", "plain-groups")
    assert gtype["Name"] == "plain-groups" and gtype["Is Public"] is True
    cloud.openstack(*GROUPS, "volume", "group", "type", "set", "--property", "tier=gold",
                    "plain-groups")
    shown = cloud.openstack_json(*GROUPS, "volume", "group", "type", "show", "plain-groups")
    assert shown["Properties"] == {"tier": "gold"}
    assert "plain-groups" in [t["Name"] for t in cloud.openstack_json(
        *GROUPS, "volume", "group", "type", "list")]
    group = cloud.openstack_json(*GROUPS, "volume", "group", "create", "--volume-group-type",
                                 "plain-groups", "--volume-type", "__DEFAULT__",
                                 "--name", "g1")
    group = _until(cloud, ("volume", "group", "show", group["ID"]), "available")
    assert group["Name"] == "g1" and group["Volume Types"]
    cloud.openstack(*GROUPS, "volume", "group", "set", "--name", "g2", "g1")
    assert [g["Name"] for g in cloud.openstack_json(*GROUPS, "volume", "group", "list")] == [
        "g2"]
    snap = cloud.openstack_json(*GROUPS, "volume", "group", "snapshot", "create",
                                "--name", "gs1", "g2")
    snap = _until(cloud, ("volume", "group", "snapshot", "show", snap["ID"]), "available")
    assert snap["Name"] == "gs1" and snap["Group"] == group["ID"]
    assert [s["Name"] for s in cloud.openstack_json(*GROUPS, "volume", "group", "snapshot",
                                                    "list")] == ["gs1"]
    cloud.openstack(*GROUPS, "volume", "group", "snapshot", "delete", "gs1")
    cloud.openstack(*GROUPS, "volume", "group", "delete", "--force", "g2")
    for _ in range(200):
        if not cloud.openstack_json(*GROUPS, "volume", "group", "list"):
            break
        time.sleep(0.1)
    assert cloud.openstack_json(*GROUPS, "volume", "group", "list") == []
    cloud.openstack(*GROUPS, "volume", "group", "type", "delete", "plain-groups")
    assert cloud.server_errors() == []


def test_the_cli_runs_volume_services(cloud: CloudProcess) -> None:
    services = cloud.openstack_json("volume", "service", "list")
    volume = next(s for s in services if s["Binary"] == "cinder-volume")
    assert volume["State"] == "up" and volume["Status"] == "enabled"
    cloud.openstack("volume", "service", "set", "--disable", "--disable-reason", "check",
                    volume["Host"], "cinder-volume")
    disabled = next(s for s in cloud.openstack_json("volume", "service", "list", "--long")
                    if s["Binary"] == "cinder-volume")
    assert disabled["Status"] == "disabled" and disabled["Disabled Reason"] == "check"
    cloud.openstack("volume", "service", "set", "--enable", volume["Host"], "cinder-volume")
    # `volume host set` freezes (--disable) and thaws (--enable) the host's backends.
    # `volume host set` freezes (--disable) and thaws (--enable) the host's backends: a frozen
    # backend takes no new volume.
    cloud.openstack("volume", "host", "set", "--disable", volume["Host"])
    created = cloud.openstack_json("volume", "create", "--size", "1", "frozen-out")
    for _ in range(100):
        if cloud.openstack_json("volume", "show", created["id"])["status"] == "error":
            break
        time.sleep(0.1)
    assert cloud.openstack_json("volume", "show", created["id"])["status"] == "error"
    cloud.openstack("volume", "host", "set", "--enable", volume["Host"])
    cloud.openstack("volume", "delete", created["id"])
    assert cloud.server_errors() == []
