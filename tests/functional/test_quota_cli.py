"""`openstack quota set` and `quota show` for compute, network and volume quotas at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("compute", "openstack quota set/show (instances, cores, ram)"),
          ("network", "openstack quota set/show (networks, ports)"),
          ("volume", "openstack quota set/show (volumes, gigabytes, snapshots)")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("quota") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


def _limits(cloud: CloudProcess, project: str) -> dict[str, int]:
    shown = cloud.openstack_json("quota", "show", project)
    if isinstance(shown, list):  # newer clients print rows of resource and limit
        return {row["Resource"]: row["Limit"] for row in shown}
    return dict(shown)


def test_quota_set_reaches_every_service(cloud: CloudProcess, tmp_path: Path) -> None:
    cloud.openstack("quota", "set", "--instances", "7", "--cores", "9", "--ram", "4096",
                    "--networks", "5", "--ports", "11", "--volumes", "3", "--gigabytes", "30",
                    "--snapshots", "4", "demo")
    limits = _limits(cloud, "demo")
    wanted = {"instances": 7, "cores": 9, "ram": 4096, "networks": 5, "ports": 11,
              "volumes": 3, "gigabytes": 30, "snapshots": 4}
    assert {k: limits.get(k) for k in wanted} == wanted
    assert cloud.server_errors() == []
