"""`openstack volume backup ...` against a whole cloud: backups of a volume go to the object
service and come back as a new volume, with the unmodified CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("volume", "openstack volume backup create (--incremental), list, show, restore into "
                     "a new volume, delete, against the object service")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("backups") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


def _until(cloud: CloudProcess, kind: list[str], name: str, status: str,
           timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    shown: dict[str, Any] = {}
    while time.monotonic() < deadline:
        shown = cloud.openstack_json(*kind, "show", name)
        if shown["status"] == status:
            return shown
        assert shown["status"] != "error", shown
        time.sleep(0.3)
    raise AssertionError(f"{' '.join(kind)} {name} never became {status}: {shown}")


def test_the_cli_backs_up_and_restores_a_volume(cloud: CloudProcess) -> None:
    cloud.openstack("volume", "create", "--size", "1", "precious")
    source = _until(cloud, ["volume"], "precious", "available")
    full = cloud.openstack_json("volume", "backup", "create", "--name", "full", "--description",
                                "the first", "precious")
    shown = _until(cloud, ["volume", "backup"], "full", "available")
    assert shown["id"] == full["id"] and shown["is_incremental"] is False
    assert shown["container"] == "volumebackups" and shown["size"] == 1
    assert shown["object_count"] >= 1 and shown["description"] == "the first"
    _until(cloud, ["volume"], "precious", "available")
    cloud.openstack("volume", "backup", "create", "--incremental", "--name", "delta",
                    "precious")
    delta = _until(cloud, ["volume", "backup"], "delta", "available")
    assert delta["is_incremental"] is True
    assert _until(cloud, ["volume", "backup"], "full", "available")["has_dependent_backups"]
    listed = cloud.openstack_json("volume", "backup", "list", "--long")
    assert {b["Name"]: b["Incremental"] for b in listed} == {"full": False, "delta": True}
    assert {b["Volume"] for b in listed} == {source["id"]}
    # The parent goes last: refused while the incremental one needs it.
    refused = cloud.openstack("volume", "backup", "delete", "full", check=False)
    assert refused.returncode != 0
    restored = cloud.openstack_json("volume", "backup", "restore", "delta", "from-delta")
    assert restored["volume_name"] == "from-delta"
    volume = _until(cloud, ["volume"], "from-delta", "available")
    assert volume["size"] == 1 and volume["id"] == restored["volume_id"]
    _until(cloud, ["volume", "backup"], "delta", "available")
    cloud.openstack("volume", "backup", "delete", "delta")
    deadline = time.monotonic() + 60
    while [b for b in cloud.openstack_json("volume", "backup", "list") if b["Name"] == "delta"]:
        assert time.monotonic() < deadline, "the incremental backup was never deleted"
        time.sleep(0.3)
    cloud.openstack("volume", "backup", "delete", "full")
    cloud.openstack("volume", "delete", "from-delta", "precious")
    assert cloud.server_errors() == []
