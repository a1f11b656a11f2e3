"""The operator's compute commands of the unmodified `openstack` CLI: aggregates and zones,
hypervisors, compute services, usage and private flavors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("compute", "openstack aggregate create/add host/set/show/remove host/delete"),
          ("compute", "openstack availability zone list, hypervisor list/show/stats show"),
          ("compute", "openstack compute service list/set --disable/--enable"),
          ("compute", "openstack usage list/show"),
          ("compute", "openstack flavor create --private, flavor set --project")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("operator") / "state"
    state.mkdir()
    proc = CloudProcess(state, extra=["--compute-hosts", "2"]).start()
    try:
        yield proc
    finally:
        proc.stop()


def _hosts(cloud: CloudProcess) -> list[str]:
    return sorted(h["Hypervisor Hostname"] for h in cloud.openstack_json("hypervisor", "list"))


def _count(servers: Any) -> int:
    """The CLI shows a project's servers as their usages (json) or their number (table)."""
    return len(servers) if isinstance(servers, list) else int(servers)


def _by_name(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


def test_aggregates_zones_and_usage(cloud: CloudProcess, tmp_path: Path) -> None:
    hosts = _hosts(cloud)
    assert len(hosts) == 2
    made = cloud.openstack_json("aggregate", "create", "--zone", "cli-zone", "cli-agg")
    assert made["name"] == "cli-agg" and made["availability_zone"] == "cli-zone"
    cloud.openstack("aggregate", "add", "host", "cli-agg", hosts[0])
    cloud.openstack("aggregate", "set", "--property", "ssd=true", "cli-agg")
    shown = cloud.openstack_json("aggregate", "show", "cli-agg")
    assert shown["hosts"] == [hosts[0]]
    assert "ssd" in str(shown["properties"])
    zones = _by_name(cloud.openstack_json("availability", "zone", "list", "--compute"),
                     "Zone Name")
    assert {"cli-zone", "nova"} <= set(zones)

    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\0" * 65536)
    image = cloud.openstack_json("image", "create", "--disk-format", "raw", "--container-format",
                                 "bare", "--file", str(disk), "--public", "op-image")["id"]
    server = cloud.openstack_json("server", "create", "--image", image, "--flavor", "m1.nano",
                                  "--network", "private", "--availability-zone", "cli-zone",
                                  "--wait", "op-vm")
    assert server["OS-EXT-SRV-ATTR:host"] == hosts[0]
    assert server["OS-EXT-AZ:availability_zone"] == "cli-zone"
    usage = cloud.openstack_json("usage", "show", "--project", "admin")
    assert _count(usage["Servers"]) == 1 and float(usage["CPU Hours"]) >= 0
    # The CLI asks for ``detailed=True``, which Nova (and so this API) reads as not detailed
    # (only ``1`` is): the list has each project's totals, not its servers.
    listed = cloud.openstack_json("usage", "list")
    admin = cloud.openstack_json("project", "show", "admin")
    assert [row["Project"] for row in listed] in (["admin"], [admin["id"]])
    assert float(listed[0]["RAM MB-Hours"]) >= 0
    cloud.openstack("server", "delete", "--wait", server["id"])

    cloud.openstack("aggregate", "remove", "host", "cli-agg", hosts[0])
    cloud.openstack("aggregate", "delete", "cli-agg")
    names = [a["Name"] for a in cloud.openstack_json("aggregate", "list")]
    assert "cli-agg" not in names
    assert cloud.server_errors() == []


def test_hypervisors(cloud: CloudProcess) -> None:
    hosts = _hosts(cloud)
    shown = cloud.openstack_json("hypervisor", "show", hosts[0])
    assert shown["hypervisor_hostname"] == hosts[0] and shown["state"] == "up"
    stats = cloud.openstack("hypervisor", "stats", "show", "-f", "json", check=False)
    if stats.returncode == 0:   # a client that still has the deprecated command
        assert '"count": 2' in stats.stdout
    assert cloud.server_errors() == []


def test_compute_services(cloud: CloudProcess) -> None:
    host = _hosts(cloud)[0]
    cloud.openstack("compute", "service", "set", "--disable", "--disable-reason", "maintenance",
                    host, "nova-compute")
    services = _by_name(cloud.openstack_json("compute", "service", "list", "--service",
                                             "nova-compute", "--long"), "Host")
    assert services[host]["Status"] == "disabled"
    assert services[host]["Disabled Reason"] == "maintenance"
    cloud.openstack("compute", "service", "set", "--enable", host, "nova-compute")
    services = _by_name(cloud.openstack_json("compute", "service", "list"), "Host")
    assert services[host]["Status"] == "enabled"
    assert cloud.server_errors() == []


def test_private_flavor(cloud: CloudProcess) -> None:
    cloud.openstack("flavor", "create", "--private", "--ram", "64", "--disk", "0", "--vcpus",
                    "1", "cli-private")
    cloud.openstack("flavor", "set", "--project", "demo", "cli-private")
    shown = cloud.openstack_json("flavor", "show", "cli-private")
    assert shown["os-flavor-access:is_public"] is False
    demo = cloud.openstack_json("project", "show", "demo")["id"]
    assert demo in str(shown.get("access_project_ids"))
    assert cloud.server_errors() == []
