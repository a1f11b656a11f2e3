"""Servers end to end in one process: API -> scheduler -> agent -> fake driver."""

from __future__ import annotations

from typing import Any

from tests.support.personas import PROJECT
from tests.unit.compute.conftest import MV
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID


def test_boot_becomes_active_with_addresses_and_allocation(compute: Any) -> None:
    server = compute.boot()
    assert server["status"] == "ACTIVE"
    assert server["OS-EXT-STS:vm_state"] == "active"
    assert server["OS-EXT-STS:power_state"] == 1
    assert server["tenant_id"] == PROJECT
    addrs = server["addresses"]["private"]
    assert addrs[0]["addr"].startswith("10.0.0.") and addrs[0]["version"] == 4
    assert addrs[0]["OS-EXT-IPS:type"] == "fixed"
    assert server["flavor"]["original_name"] == "m1.nano"
    assert server["flavor"]["ram"] == 64
    assert server["tags"] == [] and server["locked"] is False
    assert "OS-EXT-SRV-ATTR:host" not in server  # members do not see the host
    port = next(iter(compute.clients.network.ports.values()))
    assert port["device_id"] == server["id"]
    assert port["device_owner"] == "compute:nova"
    assert port["binding:host_id"] == "node"
    assert server["id"] in compute.clients.placement.allocations
    assert server["id"] in compute.guests()
    admin_view = compute.as_("admin").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
    assert admin_view["server"]["OS-EXT-SRV-ATTR:host"] == "node"
    assert admin_view["server"]["host_status"] == "UP"


def test_create_response_shape(compute: Any) -> None:
    created = compute.boot(wait=None)
    assert set(created) >= {"id", "links", "OS-DCF:diskConfig", "security_groups", "adminPass"}
    assert created["links"][0]["href"].endswith(f"/compute/v2.1/servers/{created['id']}")
    compute.wait(created["id"], "ACTIVE")


def test_delete_cleans_up_everything(compute: Any) -> None:
    server = compute.boot()
    resp = compute.as_("member").delete(f"/v2.1/servers/{server['id']}")
    assert resp.status_code == 204
    compute.wait(server["id"], "GONE")
    assert compute.clients.network.ports == {}
    assert compute.clients.placement.allocations == {}
    assert server["id"] not in compute.guests()


def test_spawn_failure_sets_error_with_fault_and_frees(compute: Any) -> None:
    server = compute.boot(wait="ERROR", metadata={"fake_fail": "spawn"})
    assert server["fault"]["code"] == 500
    assert "spawn" in server["fault"]["message"]
    assert server["fault"]["created"]
    assert "details" not in server["fault"]  # members never see tracebacks
    assert compute.clients.placement.allocations == {}
    assert compute.clients.network.ports == {}
    resp = compute.as_("member").delete(f"/v2.1/servers/{server['id']}")
    assert resp.status_code == 204
    compute.wait(server["id"], "GONE")


def test_no_valid_host_when_nothing_fits(compute: Any) -> None:
    body = {"flavor": {"name": "huge", "ram": 10_000_000, "vcpus": 1, "disk": 0, "id": "huge"}}
    assert compute.as_("admin").post("/v2.1/flavors", json=body).status_code == 200
    # Within quota, so that it is the scheduler that finds no room.
    unlimited = {"quota_set": {"ram": -1}}
    assert compute.as_("admin").put(f"/v2.1/os-quota-sets/{PROJECT}",
                                    json=unlimited).status_code == 200
    server = compute.boot(wait="ERROR", flavorRef="huge")
    assert "No valid host" in server["fault"]["message"]


def test_list_detail_and_filters(compute: Any) -> None:
    one = compute.boot(name="alpha")
    two = compute.boot(name="beta")
    api = compute.as_("member")
    names = {s["name"] for s in api.get("/v2.1/servers", headers=MV).json()["servers"]}
    assert names == {"alpha", "beta"}
    detail = api.get("/v2.1/servers/detail?name=alp", headers=MV).json()["servers"]
    assert [s["id"] for s in detail] == [one["id"]]
    assert api.get("/v2.1/servers?status=SHUTOFF").json()["servers"] == []
    # changes-since: what changed at or after a time; a time that does not parse is a 400.
    assert api.get("/v2.1/servers?changes-since=2051-01-01T12:34:00Z").json()["servers"] == []
    assert len(api.get("/v2.1/servers?changes-since=2001-01-01T00:00:00Z").json()[
        "servers"]) == 2
    assert api.get("/v2.1/servers?changes-since=2011/01/01").status_code == 400
    assert api.get("/v2.1/servers?changes-before=2001-01-01T00:00:00Z", headers={
        "OpenStack-API-Version": "compute 2.66"}).json()["servers"] == []
    # A status no server can have: nothing before 2.38, a 400 from it.
    assert api.get("/v2.1/servers/detail?status=bogus", headers={
        "OpenStack-API-Version": "compute 2.37"}).json()["servers"] == []
    assert api.get("/v2.1/servers/detail?status=bogus", headers={
        "OpenStack-API-Version": "compute 2.38"}).status_code == 400
    assert len(api.get(f"/v2.1/servers?image={IMAGE_ID}").json()["servers"]) == 2
    assert api.get("/v2.1/servers?flavor=1").json()["servers"] == []
    page = api.get("/v2.1/servers?limit=1").json()
    assert len(page["servers"]) == 1 and "servers_links" in page
    assert two["id"]


def test_all_tenants_is_for_admins(compute: Any) -> None:
    compute.boot()
    assert compute.as_("admin").get("/v2.1/servers").json()["servers"] == []
    assert len(compute.as_("admin").get("/v2.1/servers?all_tenants=1").json()["servers"]) == 1
    assert compute.as_("member").get("/v2.1/servers?all_tenants=1").status_code == 403


def test_old_microversion_shapes(compute: Any) -> None:
    server = compute.boot()
    old = compute.as_("member").get(f"/v2.1/servers/{server['id']}").json()["server"]
    assert old["flavor"]["id"] == "42" and "links" in old["flavor"]
    assert "locked" not in old and "tags" not in old and "description" not in old
    legacy = compute.as_("member").get(f"/v2.1/servers/{server['id']}",
                                       headers={"X-OpenStack-Nova-API-Version": "2.9"})
    assert legacy.headers["X-OpenStack-Nova-API-Version"] == "2.9"
    assert legacy.json()["server"]["locked"] is False


def test_networks_auto_and_none(compute: Any) -> None:
    auto = compute.boot(networks="auto")
    assert "private" in auto["addresses"]
    none = compute.boot(networks="none")
    assert none["addresses"] == {}


def test_networks_auto_gets_a_project_without_networks_one(compute: Any) -> None:
    # The only network is no longer usable: the network service allocates the project one.
    compute.clients.network.networks[NETWORK_ID]["router:external"] = True
    auto = compute.boot(networks="auto")
    assert "auto_allocated_network" in auto["addresses"]


def test_boot_with_existing_port(compute: Any) -> None:
    port = compute.clients.network.create_port({"network_id": NETWORK_ID, "project_id": PROJECT})
    server = compute.boot(networks=[{"port": port["id"]}])
    assert compute.clients.network.ports[port["id"]]["device_id"] == server["id"]
    compute.as_("member").delete(f"/v2.1/servers/{server['id']}")
    compute.wait(server["id"], "GONE")
    # A port the user brought is unbound, not deleted.
    assert compute.clients.network.ports[port["id"]]["device_id"] == ""


def test_interfaces_and_ips(compute: Any) -> None:
    server = compute.boot()
    api = compute.as_("member")
    ifaces = api.get(f"/v2.1/servers/{server['id']}/os-interface", headers=MV).json()
    iface = ifaces["interfaceAttachments"][0]
    assert iface["net_id"] == NETWORK_ID and iface["fixed_ips"][0]["ip_address"]
    assert set(iface) == {"port_id", "net_id", "mac_addr", "port_state", "fixed_ips", "tag"}
    ips = api.get(f"/v2.1/servers/{server['id']}/ips").json()
    assert "private" in ips["addresses"]


def test_update_metadata_and_tags(compute: Any) -> None:
    server = compute.boot()
    api = compute.as_("member")
    sid = server["id"]
    resp = api.put(f"/v2.1/servers/{sid}", json={"server": {"name": "renamed",
                                                           "description": "d"}}, headers=MV)
    assert resp.status_code == 200 and resp.json()["server"]["name"] == "renamed"
    assert api.post(f"/v2.1/servers/{sid}/metadata",
                    json={"metadata": {"a": "1"}}).json()["metadata"] == {"a": "1"}
    assert api.put(f"/v2.1/servers/{sid}/tags/blue", headers=MV).status_code == 201
    assert api.get(f"/v2.1/servers/{sid}/tags", headers=MV).json() == {"tags": ["blue"]}
    assert api.get(f"/v2.1/servers/{sid}/tags/red", headers=MV).status_code == 404
    assert api.get(f"/v2.1/servers/{sid}/tags").status_code == 404  # before 2.26


def test_instance_actions_record_create_and_delete(compute: Any) -> None:
    server = compute.boot()
    api = compute.as_("member")
    actions = api.get(f"/v2.1/servers/{server['id']}/os-instance-actions",
                      headers=MV).json()["instanceActions"]
    assert [a["action"] for a in actions] == ["create"]
    request_id = actions[0]["request_id"]
    shown = compute.as_("admin").get(
        f"/v2.1/servers/{server['id']}/os-instance-actions/{request_id}",
        headers=MV).json()["instanceAction"]
    events = {e["event"]: e["result"] for e in shown["events"]}
    assert events == {"schedule_instances": "Success",
                      "compute__do_build_and_run_instance": "Success"}
    # From 2.21 a deleted server's actions can still be read, by its project only.
    assert api.delete(f"/v2.1/servers/{server['id']}").status_code == 204
    compute.wait(server["id"], "GONE")
    path = f"/v2.1/servers/{server['id']}/os-instance-actions"
    v221 = {"OpenStack-API-Version": "compute 2.21"}
    gone = api.get(path, headers=v221).json()["instanceActions"]
    assert sorted(a["action"] for a in gone) == ["create", "delete"]
    assert api.get(f"{path}/{request_id}", headers=v221).status_code == 200
    assert api.get(path, headers={"OpenStack-API-Version": "compute 2.20"}).status_code == 404
    assert compute.as_("other").get(path, headers=v221).status_code == 404


def test_two_hosts_spread(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    first = compute.boot(persona="member")
    second = compute.boot(persona="member")
    hosts = set()
    for server in (first, second):
        admin = compute.as_("admin").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
        hosts.add(admin["server"]["OS-EXT-SRV-ATTR:host"])
    assert hosts == {"node-1", "node-2"}


def test_host_down_means_no_valid_host(make_compute: Any) -> None:
    compute = make_compute()
    compute.cloud.registry.set_disabled("nova-compute", "node", True)
    server = compute.boot(wait="ERROR")
    assert "No valid host" in server["fault"]["message"]
