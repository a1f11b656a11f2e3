"""Network and port lists are read off the indexes made for them (their plans on the migrated
SQLite schema)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.query_plans import assert_reads_index, page_plan

COVERS = [("network", "network and port lists (a project's ports in order, on a network, of a "
                      "device; networks by name) read off their indexes")]

DEVICE = "4b2a9d8e-1c3f-4e5a-9b7c-6d8e0f1a2b3c"


@pytest.fixture
def ports(net: Any) -> tuple[Any, str]:
    """Two networks of the member's, three ports on each, one of them a device's."""
    network_ids = []
    for i in range(2):
        network = net.network(name=f"net-{i}")
        net.subnet(network["id"], f"10.{i}.0.0/24")
        for k in range(3):
            net.port(network["id"], name=f"port-{i}-{k}",
                     **({"device_id": DEVICE} if i == k == 1 else {}))
        network_ids.append(network["id"])
    return net, network_ids[1]


def _plan(net: Any, table: str, path: str, persona: str = "member") -> tuple[str, Any]:
    found: dict[str, Any] = {}

    def request() -> None:
        resp = net.as_(persona).get(path)
        assert resp.status_code == 200, resp.text
        found["body"] = resp.json()

    plan = page_plan(net.cloud.db.engine, table, request)
    return plan, found["body"]


@pytest.mark.parametrize("path", ["/v2.0/ports?limit=2", "/v2.0/ports"])
def test_a_projects_ports_come_off_its_index_in_order(ports: Any, path: str) -> None:
    plan, _body = _plan(ports[0], "network_ports", path)
    assert_reads_index(plan, "ix_network_ports_project_id_id")


def test_a_networks_ports_are_found_through_it(ports: Any) -> None:
    net, network_id = ports
    plan, body = _plan(net, "network_ports", f"/v2.0/ports?network_id={network_id}")
    assert_reads_index(plan, "ix_network_ports_project_network")
    assert sorted(p["name"] for p in body["ports"]) == ["port-1-0", "port-1-1", "port-1-2"]


def test_a_devices_ports_are_found_through_it(ports: Any) -> None:
    plan, body = _plan(ports[0], "network_ports", f"/v2.0/ports?device_id={DEVICE}")
    assert_reads_index(plan, "ix_network_ports_project_device")
    assert [p["name"] for p in body["ports"]] == ["port-1-1"]


def test_a_network_is_found_by_name(ports: Any) -> None:
    plan, body = _plan(ports[0], "network_networks", "/v2.0/networks?name=net-1")
    # Only the networks of that name are sorted.
    assert_reads_index(plan, "ix_network_networks_name", sorts=True)
    assert [n["name"] for n in body["networks"]] == ["net-1"]
