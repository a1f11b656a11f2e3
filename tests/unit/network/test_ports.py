"""Ports: IPAM allocation, MAC addresses, security groups, binding and filters."""

from __future__ import annotations

from typing import Any

from tests.unit.network.conftest import Net


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def test_port_shape_and_first_free_ip(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.10.0.0/28")
    port = net.port(network["id"], name="p")
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.10.0.2"}]
    assert port["mac_address"].startswith("fa:16:3e:") and len(port["mac_address"]) == 17
    assert port["status"] == "DOWN" and port["admin_state_up"] is True
    assert port["device_id"] == "" and port["device_owner"] == ""
    assert len(port["security_groups"]) == 1 and port["port_security_enabled"] is True
    assert "binding:host_id" not in port  # admin/service only
    second = net.port(network["id"])
    assert second["fixed_ips"][0]["ip_address"] == "10.10.0.3"


def test_requested_ip_and_duplicates(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.11.0.0/24")
    port = net.port(network["id"], fixed_ips=[{"ip_address": "10.11.0.50"}])
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.11.0.50"}]
    api = net.api.as_("member")
    dup = api.post("/v2.0/ports", json={"port": {"network_id": network["id"],
                                                 "fixed_ips": [{"ip_address": "10.11.0.50"}]}})
    assert dup.status_code == 409 and fault(dup)["type"] == "IpAddressAlreadyAllocated"
    outside = api.post("/v2.0/ports", json={"port": {
        "network_id": network["id"], "fixed_ips": [{"subnet_id": subnet["id"],
                                                    "ip_address": "10.12.0.5"}]}})
    assert outside.status_code == 400
    by_subnet = net.port(network["id"], fixed_ips=[{"subnet_id": subnet["id"]}])
    assert by_subnet["fixed_ips"][0]["ip_address"] == "10.11.0.2"


def test_exhaustion(net: Net) -> None:
    network = net.network()
    net.subnet(network["id"], "10.12.0.0/29")  # pool .2-.6: five addresses
    for _ in range(5):
        net.port(network["id"])
    full = net.api.as_("member").post("/v2.0/ports", json={"port": {"network_id": network["id"]}})
    assert full.status_code == 409
    assert fault(full)["type"] == "IpAddressGenerationFailure"


def test_port_on_unknown_or_foreign_network(net: Net) -> None:
    api = net.api.as_("other")
    unknown = api.post("/v2.0/ports", json={"port": {
        "network_id": "00000000-0000-0000-0000-000000000002"}})
    assert unknown.status_code == 404 and fault(unknown)["type"] == "NetworkNotFound"
    private = net.network("member")
    foreign = api.post("/v2.0/ports", json={"port": {"network_id": private["id"]}})
    assert foreign.status_code == 404


def test_binding_by_admin_and_service(net: Net) -> None:
    network = net.network()
    net.subnet(network["id"])
    port = net.port(network["id"])
    member_bind = net.api.as_("member").put(f"/v2.0/ports/{port['id']}", json={
        "port": {"binding:host_id": "compute1"}})
    assert member_bind.status_code == 403
    resp = net.api.as_("admin").put(f"/v2.0/ports/{port['id']}", json={"port": {
        "binding:host_id": "compute1", "device_id": "vm-1", "device_owner": "compute:nova"}})
    assert resp.status_code == 200, resp.text
    bound = resp.json()["port"]
    assert bound["status"] == "ACTIVE" and bound["binding:vif_type"] == "ovs"
    assert bound["binding:host_id"] == "compute1" and bound["binding:vnic_type"] == "normal"
    assert ("bind_port", port["id"]) in net.cloud.runtimes["network"].state.driver.calls
    as_member = net.api.as_("member").get(f"/v2.0/ports/{port['id']}").json()["port"]
    assert "binding:vif_type" not in as_member and as_member["status"] == "ACTIVE"
    filtered = net.api.as_("member").get("/v2.0/ports?device_id=vm-1").json()["ports"]
    assert [p["id"] for p in filtered] == [port["id"]]


def test_port_filters_by_fixed_ip(net: Net) -> None:
    network = net.network()
    net.subnet(network["id"], "10.13.0.0/24")
    first = net.port(network["id"])
    net.port(network["id"])
    api = net.api.as_("member")
    ip = first["fixed_ips"][0]["ip_address"]
    found = api.get(f"/v2.0/ports?fixed_ips=ip_address%3D{ip}").json()["ports"]
    assert [p["id"] for p in found] == [first["id"]]
    by_net = api.get(f"/v2.0/ports?network_id={network['id']}&fields=id").json()["ports"]
    assert len(by_net) == 2 and set(by_net[0]) == {"id"}
    # ip-substring-filtering: part of an address, as text.
    far = net.port(network["id"], fixed_ips=[{"ip_address": "10.13.0.200"}])
    found = api.get("/v2.0/ports?fixed_ips=ip_address_substr%3D0.20").json()["ports"]
    assert [p["id"] for p in found] == [far["id"]]


def test_update_fixed_ips_and_security_groups(net: Net) -> None:
    network = net.network()
    subnet = net.subnet(network["id"], "10.14.0.0/24")
    port = net.port(network["id"])
    api = net.api.as_("member")
    group = api.post("/v2.0/security-groups", json={"security_group": {"name": "web"}}).json()
    resp = api.put(f"/v2.0/ports/{port['id']}", json={"port": {
        "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": "10.14.0.99"}],
        "security_groups": [group["security_group"]["id"]], "name": "renamed"}})
    assert resp.status_code == 200, resp.text
    body = resp.json()["port"]
    assert body["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.14.0.99"}]
    assert body["security_groups"] == [group["security_group"]["id"]]
    reused = net.port(network["id"], fixed_ips=[{"ip_address": port["fixed_ips"][0][
        "ip_address"]}])
    assert reused["fixed_ips"][0]["ip_address"] == port["fixed_ips"][0]["ip_address"]


def test_port_security_disabled_and_pairs(net: Net) -> None:
    network = net.network()
    net.subnet(network["id"])
    plain = net.port(network["id"], port_security_enabled=False)
    assert plain["security_groups"] == []
    paired = net.port(network["id"], allowed_address_pairs=[{"ip_address": "10.1.0.200"}])
    assert paired["allowed_address_pairs"] == [{"ip_address": "10.1.0.200",
                                                "mac_address": paired["mac_address"]}]


def test_mac_address(net: Net) -> None:
    network = net.network()
    port = net.port(network["id"], mac_address="fa:16:3e:00:00:01")
    assert port["mac_address"] == "fa:16:3e:00:00:01"
    dup = net.api.as_("member").post("/v2.0/ports", json={"port": {
        "network_id": network["id"], "mac_address": "fa:16:3e:00:00:01"}})
    assert dup.status_code == 409 and fault(dup)["type"] == "MacAddressInUse"
    bad = net.api.as_("member").post("/v2.0/ports", json={"port": {
        "network_id": network["id"], "mac_address": "zz"}})
    assert bad.status_code == 400


def test_bulk_ports(net: Net) -> None:
    network = net.network()
    net.subnet(network["id"])
    resp = net.api.as_("member").post("/v2.0/ports", json={"ports": [
        {"network_id": network["id"]}, {"network_id": network["id"]}]})
    assert resp.status_code == 201
    ips = [p["fixed_ips"][0]["ip_address"] for p in resp.json()["ports"]]
    assert ips == ["10.1.0.2", "10.1.0.3"]


def test_port_protection(net: Net) -> None:
    network = net.network()
    port = net.port(network["id"])
    assert net.api.as_("other").get(f"/v2.0/ports/{port['id']}").status_code == 404
    assert net.api.as_("other").delete(f"/v2.0/ports/{port['id']}").status_code == 404
    assert net.api.as_("reader").get(f"/v2.0/ports/{port['id']}").status_code == 200
    assert net.api.as_("reader").delete(f"/v2.0/ports/{port['id']}").status_code == 403
    assert port["id"] not in [p["id"] for p in
                              net.api.as_("other").get("/v2.0/ports").json()["ports"]]
    assert net.api.as_("admin").get(f"/v2.0/ports/{port['id']}").status_code == 200
    missing = net.api.as_("member").get("/v2.0/ports/00000000-0000-0000-0000-000000000003")
    assert missing.status_code == 404 and fault(missing)["type"] == "PortNotFound"


def test_service_user_binds_another_projects_port(net: Net, monkeypatch: Any) -> None:
    """Compute's service user (role service, its own project) binds a tenant's port."""
    from tests.support import personas

    monkeypatch.setitem(personas._PERSONAS, "service",
                        ("u-nova", "d0000000000000000000000000000000", ["service"]))
    network = net.network()
    net.subnet(network["id"])
    port = net.port(network["id"])
    api = net.api.as_("service")
    assert api.get(f"/v2.0/ports?device_id=&network_id={network['id']}").status_code == 200
    resp = api.put(f"/v2.0/ports/{port['id']}", json={"port": {
        "binding:host_id": "compute1", "device_id": "vm-2", "device_owner": "compute:nova"}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["port"]["binding:vif_type"] == "ovs"
    assert resp.json()["port"]["status"] == "ACTIVE"
