"""``os-hosts`` (to 2.42): the hosts of every binary and their zones, a compute host's
resources in total and per project, enabling and disabling, and the host actions no driver
offers (501)."""

from __future__ import annotations

from typing import Any

from tests.unit.compute.conftest import Compute

COVERS = [("compute", "os-hosts: list by zone, show resources, enable/disable, power actions "
                      "(501), gone at 2.43")]
V21 = {"OpenStack-API-Version": "compute 2.1"}


def _ready(compute: Compute, hosts: int) -> None:
    placement = compute.clients.placement
    compute.wait_for(lambda: len(placement.providers) == hosts
                     and all(rp["inventories"] for rp in placement.providers.values()))


def server_project(admin: Any, server_id: str) -> str:
    shown = admin.get(f"/v2.1/servers/{server_id}", headers=V21).json()["server"]
    return str(shown["tenant_id"])


def test_list_show_and_zones(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    _ready(compute, 2)
    server = compute.boot()
    admin = compute.as_("admin")
    hosts = admin.get("/v2.1/os-hosts", headers=V21).json()["hosts"]
    computes = [h for h in hosts if h["service"] == "compute"]
    assert sorted(h["host_name"] for h in computes) == ["node-1", "node-2"]
    assert all(h["zone"] == "nova" for h in computes)
    assert all(h["zone"] == "internal" for h in hosts if h["service"] != "compute")
    assert admin.get("/v2.1/os-hosts?zone=", headers=V21).json()["hosts"] == hosts
    assert admin.get("/v2.1/os-hosts?zone=nowhere", headers=V21).json()["hosts"] == []
    assert admin.get("/v2.1/os-hosts?zone=nova", headers=V21).json()["hosts"] == computes

    host = admin.get(f"/v2.1/servers/{server['id']}", headers=V21).json()["server"][
        "OS-EXT-SRV-ATTR:host"]
    lines = [r["resource"] for r in admin.get(f"/v2.1/os-hosts/{host}",
                                              headers=V21).json()["host"]]
    assert [r["project"] for r in lines[:3]] == ["(total)", "(used_now)", "(used_max)"]
    assert all(r["host"] == host for r in lines)
    assert lines[0]["cpu"] == 1000 and lines[2]["memory_mb"] == 64 and lines[2]["cpu"] == 1
    assert [r["project"] for r in lines[3:]] == [server_project(admin, server["id"])]

    assert admin.get("/v2.1/os-hosts/nowhere", headers=V21).status_code == 404
    assert admin.get("/v2.1/os-hosts", headers={
        "OpenStack-API-Version": "compute 2.43"}).status_code == 404


def test_update_and_power_actions(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    admin = compute.as_("admin")
    resp = admin.put("/v2.1/os-hosts/node-1", json={"status": "Disable"}, headers=V21)
    assert resp.status_code == 200 and resp.json() == {"host": "node-1", "status": "disabled"}
    # A disabled host is left out of the list, and the scheduler skips it.
    names = [h["host_name"] for h in admin.get("/v2.1/os-hosts", headers=V21).json()["hosts"]]
    assert "node-1" not in names and "node-2" in names
    services = admin.get("/v2.1/os-services?host=node-1", headers=V21).json()["services"]
    assert services[0]["status"] == "disabled"
    assert admin.put("/v2.1/os-hosts/node-1", json={"status": "enable"},
                     headers=V21).json()["status"] == "enabled"

    for bad in ({}, {"status": "bogus"}, {"maintenance_mode": "sometimes"}, {"other": 1}):
        assert admin.put("/v2.1/os-hosts/node-1", json=bad, headers=V21).status_code == 400, bad
    assert admin.put("/v2.1/os-hosts/nowhere", json={"status": "enable"},
                     headers=V21).status_code == 404
    # Simulated hosts take power actions and maintenance mode, as Nova's fake driver does.
    resp = admin.put("/v2.1/os-hosts/node-1", json={"maintenance_mode": "enable"}, headers=V21)
    assert resp.json() == {"host": "node-1", "maintenance_mode": "on_maintenance"}
    for action in ("startup", "shutdown", "reboot"):
        assert admin.get(f"/v2.1/os-hosts/node-1/{action}", headers=V21).json() == {
            "host": "node-1", "power_action": action}
        assert admin.get(f"/v2.1/os-hosts/nowhere/{action}", headers=V21).status_code == 404
    # A driver that manages no host's power answers Nova's 501.
    compute.state.host_resources.host_actions = False
    assert admin.get("/v2.1/os-hosts/node-1/reboot", headers=V21).status_code == 501
    assert admin.put("/v2.1/os-hosts/node-1", json={"maintenance_mode": "disable"},
                     headers=V21).status_code == 501


def test_only_admins(make_compute: Any) -> None:
    compute = make_compute(hosts=1)
    for persona in ("member", "reader", "other"):
        client = compute.as_(persona)
        assert client.get("/v2.1/os-hosts", headers=V21).status_code == 403
        assert client.get("/v2.1/os-hosts/node-1", headers=V21).status_code == 403
        assert client.put("/v2.1/os-hosts/node-1", json={"status": "enable"},
                          headers=V21).status_code == 403
        assert client.get("/v2.1/os-hosts/node-1/reboot", headers=V21).status_code == 403
