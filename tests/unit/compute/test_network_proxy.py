"""Nova's deprecated proxies to the network service (security groups, floating IPs, networks)
and the extension list: Nova's shapes and faults, each caller seeing only what the network
service shows it, and 404 from 2.36 on."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute.state import Clients, build
from nimbus.core.errors import Conflict, NotFound
from tests.support.personas import ADMIN_PROJECT, OTHER_PROJECT, PROJECT
from tests.unit.compute.conftest import Compute
from tests.unit.compute.fakes import FakeClients, FakeNetwork

COVERS = [("compute", "os-security-groups, os-security-group-rules, os-floating-ips, "
                      "os-floating-ip-pools, os-networks, os-tenant-networks, extensions")]

V21 = {"OpenStack-API-Version": "compute 2.1"}
V235 = {"OpenStack-API-Version": "compute 2.35"}
V236 = {"OpenStack-API-Version": "compute 2.36"}
PUBLIC_ID = "44444444-4444-4444-8444-444444444444"
MISSING = "55555555-5555-4555-8555-555555555555"


class ProxyNetwork(FakeNetwork):
    """The fake network service with what the proxies use: groups and rules, floating IPs
    and an external network."""

    def __init__(self) -> None:
        super().__init__()
        self.networks[PUBLIC_ID] = {"id": PUBLIC_ID, "name": "public", "project_id": ADMIN_PROJECT,
                                    "shared": False, "router:external": True}
        self.rules: dict[str, dict[str, Any]] = {}
        self.pool = iter(range(2, 250))

    def add_security_group(self, name: str, project_id: str = PROJECT) -> str:
        ident = super().add_security_group(name, project_id)
        self.security_groups[ident].update(description="", tenant_id=project_id)
        return ident

    def acting_for(self, token: str | None, project_id: str | None) -> Any:
        assert token, "the proxies act with the caller's token"
        return ProjectView(self, str(project_id))


class ProjectView:
    """The fake network service as one project sees it (the admin project sees everything)."""

    def __init__(self, net: ProxyNetwork, project_id: str) -> None:
        self.net = net
        self.project_id = project_id

    def _sees(self, item: dict[str, Any]) -> bool:
        return (self.project_id == ADMIN_PROJECT or item.get("project_id") == self.project_id
                or bool(item.get("shared")) or bool(item.get("router:external")))

    def _group(self, group_id: str) -> dict[str, Any]:
        group = self.net.security_groups.get(group_id)
        if group is None or not self._sees(group):
            raise NotFound(f"Security group {group_id} could not be found.")
        return group

    def _full(self, group: dict[str, Any]) -> dict[str, Any]:
        rules = [copy.deepcopy(r) for r in self.net.rules.values()
                 if r["security_group_id"] == group["id"]]
        return {**copy.deepcopy(group), "security_group_rules": rules}

    def get_security_group(self, group_id: str) -> dict[str, Any]:
        return self._full(self._group(group_id))

    def list_security_groups(self, **filters: Any) -> list[dict[str, Any]]:
        found = [g for g in self.net.list_security_groups() if self._sees(g)
                 and all(g.get(k) in v if isinstance(v, list) else g.get(k) == v
                         for k, v in filters.items())]
        return [self._full(g) for g in found]

    def create_security_group(self, group: dict[str, Any]) -> dict[str, Any]:
        if group["name"] == "default":
            raise Conflict("Default security group already exists.")
        ident = self.net.add_security_group(group["name"], self.project_id)
        self.net.security_groups[ident]["description"] = group["description"]
        return self.get_security_group(ident)

    def update_security_group(self, group_id: str, group: dict[str, Any]) -> dict[str, Any]:
        self._group(group_id).update(group)
        return self.get_security_group(group_id)

    def delete_security_group(self, group_id: str) -> None:
        self._group(group_id)
        if any(group_id in (p.get("security_groups") or []) for p in self.net.ports.values()):
            raise Conflict(f"Security Group {group_id} in use.")
        del self.net.security_groups[group_id]

    def get_security_group_rule(self, rule_id: str) -> dict[str, Any]:
        rule = self.net.rules.get(rule_id)
        if rule is None or not self._sees(rule):
            raise NotFound(f"Security group rule {rule_id} could not be found.")
        return dict(rule)

    def create_security_group_rule(self, rule: dict[str, Any]) -> dict[str, Any]:
        self._group(rule["security_group_id"])
        ident = str(uuid.uuid4())
        self.net.rules[ident] = {"port_range_min": None, "port_range_max": None,
                                 "protocol": None, "remote_ip_prefix": None,
                                 "remote_group_id": None, **rule, "id": ident,
                                 "project_id": self.project_id}
        return dict(self.net.rules[ident])

    def delete_security_group_rule(self, rule_id: str) -> None:
        self.get_security_group_rule(rule_id)
        del self.net.rules[rule_id]

    def list_ports(self, **filters: Any) -> list[dict[str, Any]]:
        return [p for p in self.net.list_ports(**filters)
                if self.project_id in (ADMIN_PROJECT, p.get("project_id", PROJECT))]

    def get_network(self, network_id: str) -> dict[str, Any]:
        network = self.net.get_network(network_id)
        if not self._sees(network):
            raise NotFound(f"Network {network_id} could not be found.")
        return network

    def list_networks(self, **filters: Any) -> list[dict[str, Any]]:
        ids = filters.pop("id", None)
        return [n for n in self.net.list_networks(**filters)
                if self._sees(n) and (ids is None or n["id"] in ids)]

    def create_floatingip(self, body: dict[str, Any]) -> dict[str, Any]:
        ident = str(uuid.uuid4())
        self.net.floatingips[ident] = {
            "id": ident, "floating_network_id": body["floating_network_id"],
            "floating_ip_address": f"172.24.4.{next(self.net.pool)}", "port_id": None,
            "fixed_ip_address": None, "project_id": self.project_id, "port_details": None}
        return dict(self.net.floatingips[ident])

    def get_floatingip(self, fip_id: str) -> dict[str, Any]:
        fip = self.net.floatingips.get(fip_id)
        if fip is None or not self._sees(fip):
            raise NotFound(f"Floating IP {fip_id} could not be found.")
        return dict(fip)

    def list_floatingips(self, **filters: Any) -> list[dict[str, Any]]:
        return [f for f in self.net.list_floatingips(**filters) if self._sees(f)]

    def update_floatingip(self, fip_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.get_floatingip(fip_id)
        port_id = body.get("port_id")
        if port_id and any(f["port_id"] == port_id and f["id"] != fip_id
                           for f in self.net.floatingips.values()):
            raise Conflict(f"Port {port_id} already has a floating IP.")
        fixed = None
        if port_id:
            fixed = self.net.ports[port_id]["fixed_ips"][0]["ip_address"]
        self.net.floatingips[fip_id].update(port_id=port_id, fixed_ip_address=fixed)
        return self.get_floatingip(fip_id)

    def delete_floatingip(self, fip_id: str) -> None:
        self.get_floatingip(fip_id)
        del self.net.floatingips[fip_id]


@pytest.fixture
def proxied(make_cloud: Callable[..., Any]) -> Compute:
    cloud, api = make_cloud(["compute"], prefix="/compute", compute_host="node",
                            fake_compute_hosts=1)
    clients = FakeClients()
    clients.network = ProxyNetwork()
    cloud.runtimes["compute"].state = build(cloud, Clients(
        image=clients.image, network=clients.network, volume=clients.volume,
        placement=clients.placement))
    cloud.bootstrap()
    cloud.start_workers({"scheduler", "compute-agent"})
    return Compute(cloud, api, clients)


def _group(compute: Compute, name: str = "web", persona: str = "member") -> dict[str, Any]:
    resp = compute.as_(persona).post("/v2.1/os-security-groups", headers=V21, json={
        "security_group": {"name": name, "description": f"{name} servers"}})
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["security_group"])


def _rule(compute: Compute, persona: str = "member", **rule: Any) -> Any:
    return compute.as_(persona).post("/v2.1/os-security-group-rules", headers=V21,
                                     json={"security_group_rule": rule})


def test_group_life_cycle_in_novas_shape(proxied: Compute) -> None:
    api = proxied.as_("member")
    group = _group(proxied)
    assert group == {"id": group["id"], "name": "web", "description": "web servers",
                     "tenant_id": PROJECT, "rules": []}
    listed = api.get("/v2.1/os-security-groups", headers=V21).json()["security_groups"]
    assert group in listed
    renamed = api.put(f"/v2.1/os-security-groups/{group['id']}", headers=V21, json={
        "security_group": {"name": "web2", "description": "d"}})
    assert renamed.status_code == 200 and renamed.json()["security_group"]["name"] == "web2"
    shown = api.get(f"/v2.1/os-security-groups/{group['id']}", headers=V235).json()
    assert shown["security_group"]["description"] == "d"
    assert api.delete(f"/v2.1/os-security-groups/{group['id']}",
                      headers=V21).status_code == 202
    assert api.get(f"/v2.1/os-security-groups/{group['id']}", headers=V21).status_code == 404


def test_group_faults(proxied: Compute) -> None:
    api = proxied.as_("member")
    assert api.get(f"/v2.1/os-security-groups/{MISSING}", headers=V21).status_code == 404
    assert api.delete(f"/v2.1/os-security-groups/{MISSING}", headers=V21).status_code == 404
    assert api.delete("/v2.1/os-security-groups/", headers=V21).status_code == 404
    assert api.get("/v2.1/os-security-groups/not-a-uuid", headers=V21).status_code == 400
    assert api.put("/v2.1/os-security-groups/not-a-uuid", headers=V21, json={
        "security_group": {"name": "x", "description": "y"}}).status_code == 400
    no_description = api.post("/v2.1/os-security-groups", headers=V21,
                              json={"security_group": {"name": "x"}})
    assert no_description.status_code == 400
    assert "description" in no_description.json()["badRequest"]["message"]
    too_long = api.post("/v2.1/os-security-groups", headers=V21, json={
        "security_group": {"name": "x" * 256, "description": ""}})
    assert too_long.status_code == 400
    # The network service's 409 on create (the reserved name, a quota) is Nova's 403.
    assert api.post("/v2.1/os-security-groups", headers=V21, json={
        "security_group": {"name": "default", "description": ""}}).status_code == 403
    # A group a port uses cannot go: Nova's 400.
    group = _group(proxied)
    proxied.clients.network.ports["p1"] = {"id": "p1", "security_groups": [group["id"]],
                                           "device_id": "", "project_id": PROJECT}
    assert api.delete(f"/v2.1/os-security-groups/{group['id']}",
                      headers=V21).status_code == 400
    assert proxied.as_("reader").post("/v2.1/os-security-groups", headers=V21, json={
        "security_group": {"name": "x", "description": ""}}).status_code == 403


def test_another_projects_group_is_not_there(proxied: Compute) -> None:
    group = _group(proxied)
    other = proxied.as_("other")
    url = f"/v2.1/os-security-groups/{group['id']}"
    assert other.get(url, headers=V21).status_code == 404
    assert other.delete(url, headers=V21).status_code == 404
    assert other.put(url, headers=V21, json={"security_group": {
        "name": "mine", "description": ""}}).status_code == 404
    listed = other.get("/v2.1/os-security-groups?all_tenants=1", headers=V21).json()
    assert group["id"] not in [g["id"] for g in listed["security_groups"]]
    assert _rule(proxied, "other", parent_group_id=group["id"], ip_protocol="tcp",
                 from_port=22, to_port=22).status_code == 404
    assert group["id"] in proxied.clients.network.security_groups
    # An admin asking for every project's groups sees it.
    everyone = proxied.as_("admin").get("/v2.1/os-security-groups?all_tenants=1",
                                        headers=V21).json()["security_groups"]
    assert group["id"] in [g["id"] for g in everyone]


def test_proxies_are_gone_from_2_36(proxied: Compute) -> None:
    group = _group(proxied)
    api = proxied.as_("member")
    for path in ("/v2.1/os-security-groups", f"/v2.1/os-security-groups/{group['id']}",
                 "/v2.1/os-floating-ips", "/v2.1/os-floating-ip-pools", "/v2.1/os-networks",
                 "/v2.1/os-tenant-networks"):
        assert api.get(path, headers=V236).status_code == 404, path
        assert api.get(path, headers=V235).status_code == 200, path
    assert _rule(proxied, parent_group_id=group["id"]).status_code == 400
    assert api.post("/v2.1/os-security-group-rules", headers=V236, json={
        "security_group_rule": {"parent_group_id": group["id"]}}).status_code == 404
    assert api.delete(f"/v2.1/os-security-groups/{group['id']}",
                      headers=V236).status_code == 404
    assert group["id"] in proxied.clients.network.security_groups


def test_rules_in_novas_shape(proxied: Compute) -> None:
    parent, peer = _group(proxied), _group(proxied, "peer")
    resp = _rule(proxied, parent_group_id=parent["id"], ip_protocol="tcp", from_port=22,
                 to_port=22)
    assert resp.status_code == 200, resp.text
    assert resp.json()["security_group_rule"] == {
        "id": resp.json()["security_group_rule"]["id"], "parent_group_id": parent["id"],
        "ip_protocol": "tcp", "from_port": 22, "to_port": 22, "group": {},
        "ip_range": {"cidr": "0.0.0.0/0"}}
    icmp = _rule(proxied, parent_group_id=parent["id"], ip_protocol="icmp", from_port=-1,
                 to_port=-1, cidr="10.2.3.124/24").json()["security_group_rule"]
    assert icmp["ip_range"] == {"cidr": "10.2.3.124/24"}
    stored = proxied.clients.network.rules[icmp["id"]]
    assert stored["port_range_min"] is None and stored["direction"] == "ingress"
    by_group = _rule(proxied, parent_group_id=parent["id"], ip_protocol="udp",
                     group_id=peer["id"]).json()["security_group_rule"]
    assert by_group["group"] == {"name": "peer", "tenant_id": PROJECT}
    assert (by_group["from_port"], by_group["to_port"], by_group["ip_range"]) == (1, 65535, {})
    shown = proxied.as_("reader").get(f"/v2.1/os-security-groups/{parent['id']}",
                                      headers=V21).json()["security_group"]
    assert sorted(r["id"] for r in shown["rules"]) == sorted(
        [resp.json()["security_group_rule"]["id"], icmp["id"], by_group["id"]])
    # Once the peer group is gone, the rule admitting it is not shown.
    del proxied.clients.network.security_groups[peer["id"]]
    shown = proxied.as_("member").get(f"/v2.1/os-security-groups/{parent['id']}",
                                      headers=V21).json()["security_group"]
    assert by_group["id"] not in [r["id"] for r in shown["rules"]]
    rule_url = f"/v2.1/os-security-group-rules/{icmp['id']}"
    assert proxied.as_("member").delete(rule_url, headers=V21).status_code == 202
    assert icmp["id"] not in proxied.clients.network.rules
    assert proxied.as_("member").delete(rule_url, headers=V21).status_code == 404


@pytest.mark.parametrize(("rule", "status"), [
    ({"ip_protocol": "tcp", "from_port": 70000, "to_port": 22}, 400),
    ({"ip_protocol": "tcp", "from_port": 22, "to_port": 70000}, 400),
    ({"ip_protocol": "tcp", "from_port": 22, "to_port": 21}, 400),
    ({"ip_protocol": "tcp", "from_port": "a", "to_port": 21}, 400),
    ({"ip_protocol": "icmp", "from_port": 256, "to_port": 0}, 400),
    ({"ip_protocol": "999", "from_port": 22, "to_port": 22}, 400),
    ({"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.1"}, 400),
    ({"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.1/0"}, 400),
    ({"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": ["x"]}, 400),
    ({"ip_protocol": "tcp"}, 400),
    ({"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "group_id": MISSING}, 404),
    ({"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "group_id": "nope"}, 400),
])
def test_rule_faults(proxied: Compute, rule: dict[str, Any], status: int) -> None:
    parent = _group(proxied)
    resp = _rule(proxied, parent_group_id=parent["id"], **rule)
    assert resp.status_code == status, resp.text
    assert not proxied.clients.network.rules


def test_rule_parent_and_duplicates(proxied: Compute) -> None:
    assert _rule(proxied, parent_group_id=MISSING, ip_protocol="tcp", from_port=1,
                 to_port=2).status_code == 404
    assert _rule(proxied, parent_group_id="abc", ip_protocol="tcp", from_port=1,
                 to_port=2).status_code == 400
    parent = _group(proxied)
    first = _rule(proxied, parent_group_id=parent["id"], ip_protocol="tcp", from_port=22,
                  to_port=22)
    assert first.status_code == 200
    again = _rule(proxied, parent_group_id=parent["id"], ip_protocol="TCP", from_port="22",
                  to_port=22)
    assert again.status_code == 400 and "already exists" in again.text
    assert len(proxied.clients.network.rules) == 1
    assert proxied.as_("member").delete("/v2.1/os-security-group-rules/x",
                                        headers=V21).status_code == 400


def test_server_groups_and_actions(proxied: Compute) -> None:
    net = proxied.clients.network
    group = _group(proxied)
    server = proxied.boot()
    url = f"/v2.1/servers/{server['id']}"
    api = proxied.as_("member")
    assert api.post(f"{url}/action", headers=V21, json={
        "addSecurityGroup": {"name": "web"}}).status_code == 202
    port = next(iter(net.ports.values()))
    assert group["id"] in port["security_groups"]
    listed = api.get(f"{url}/os-security-groups", headers=V21).json()["security_groups"]
    assert group["id"] in [g["id"] for g in listed]
    # Added again: nothing changes, and no fault (as Nova).
    assert api.post(f"{url}/action", headers=V21, json={
        "addSecurityGroup": {"name": "web"}}).status_code == 202
    assert port["security_groups"].count(group["id"]) == 1
    assert api.post(f"{url}/action", headers=V21, json={
        "addSecurityGroup": {"name": "  "}}).status_code == 400
    assert api.post(f"{url}/action", headers=V21, json={
        "addSecurityGroup": {"name": "nosuch"}}).status_code == 404
    assert api.delete(f"/v2.1/os-security-groups/{group['id']}",
                      headers=V21).status_code == 400
    assert api.post(f"{url}/action", headers=V21, json={
        "removeSecurityGroup": {"name": "web"}}).status_code == 202
    assert group["id"] not in port["security_groups"]
    assert api.post(f"{url}/action", headers=V21, json={
        "removeSecurityGroup": {"name": "web"}}).status_code == 404
    assert proxied.as_("other").get(f"{url}/os-security-groups",
                                    headers=V21).status_code == 404


def test_floating_ips(proxied: Compute) -> None:
    api = proxied.as_("member")
    made = api.post("/v2.1/os-floating-ips", headers=V21, json={"pool": "public"})
    assert made.status_code == 200, made.text
    fip = made.json()["floating_ip"]
    assert fip == {"id": fip["id"], "ip": fip["ip"], "fixed_ip": None, "instance_id": None,
                   "pool": "public"}
    assert proxied.clients.network.floatingips[fip["id"]]["project_id"] == PROJECT
    assert api.get(f"/v2.1/os-floating-ips/{fip['id']}", headers=V21).json() == {
        "floating_ip": fip}
    assert fip in api.get("/v2.1/os-floating-ips", headers=V21).json()["floating_ips"]
    # Without a pool, the only external network; by id too.
    assert api.post("/v2.1/os-floating-ips", headers=V21).status_code == 200
    assert api.post("/v2.1/os-floating-ips", headers=V21,
                    json={"pool": PUBLIC_ID}).status_code == 200
    assert api.post("/v2.1/os-floating-ips", headers=V21,
                    json={"pool": "nosuch"}).status_code == 404
    server = proxied.boot()
    assert api.post(f"/v2.1/servers/{server['id']}/action", headers=V21, json={
        "addFloatingIp": {"address": fip["ip"]}}).status_code == 202
    shown = api.get(f"/v2.1/os-floating-ips/{fip['id']}", headers=V21).json()["floating_ip"]
    assert shown["instance_id"] == server["id"] and shown["fixed_ip"]
    assert api.delete(f"/v2.1/os-floating-ips/{fip['id']}", headers=V21).status_code == 202
    assert fip["id"] not in proxied.clients.network.floatingips
    assert api.get(f"/v2.1/os-floating-ips/{fip['id']}", headers=V21).status_code == 404
    assert api.delete(f"/v2.1/os-floating-ips/{MISSING}", headers=V21).status_code == 404
    assert api.get("/v2.1/os-floating-ips/1", headers=V21).status_code == 404
    assert api.post("/v2.1/os-floating-ips", headers=V21,
                    json={"pool": 5}).status_code == 400


def test_a_second_floating_ip_on_a_port_is_a_400(proxied: Compute) -> None:
    api = proxied.as_("member")
    server = proxied.boot()
    first, second = (api.post("/v2.1/os-floating-ips", headers=V21).json()["floating_ip"]
                     for _ in range(2))
    action = f"/v2.1/servers/{server['id']}/action"
    assert api.post(action, headers=V21, json={
        "addFloatingIp": {"address": first["ip"]}}).status_code == 202
    assert api.post(action, headers=V21, json={
        "addFloatingIp": {"address": second["ip"]}}).status_code == 400


def test_another_projects_floating_ip_is_not_there(proxied: Compute) -> None:
    fip = proxied.as_("member").post("/v2.1/os-floating-ips", headers=V21).json()["floating_ip"]
    other = proxied.as_("other")
    assert other.get(f"/v2.1/os-floating-ips/{fip['id']}", headers=V21).status_code == 404
    assert other.delete(f"/v2.1/os-floating-ips/{fip['id']}", headers=V21).status_code == 404
    assert other.get("/v2.1/os-floating-ips", headers=V21).json() == {"floating_ips": []}
    assert fip["id"] in proxied.clients.network.floatingips
    made = other.post("/v2.1/os-floating-ips", headers=V21).json()["floating_ip"]
    assert proxied.clients.network.floatingips[made["id"]]["project_id"] == OTHER_PROJECT
    assert proxied.as_("reader").post("/v2.1/os-floating-ips",
                                      headers=V21).status_code == 403


def test_pools_and_networks(proxied: Compute) -> None:
    api = proxied.as_("member")
    assert api.get("/v2.1/os-floating-ip-pools", headers=V21).json() == {
        "floating_ip_pools": [{"name": "public"}]}
    nets = api.get("/v2.1/os-networks", headers=V21).json()["networks"]
    assert {n["label"] for n in nets} == {"private", "public"}
    assert set(nets[0]) == {"id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2",
                            "cidr_v6", "gateway_v6", "label", "netmask_v6"}
    admin = proxied.as_("admin").get(f"/v2.1/os-networks/{PUBLIC_ID}", headers=V21).json()
    assert admin["network"]["label"] == "public" and "vlan" in admin["network"]
    tenant = api.get("/v2.1/os-tenant-networks", headers=V21).json()["networks"]
    assert {"id": PUBLIC_ID, "cidr": "None", "label": "public"} in tenant
    assert api.get(f"/v2.1/os-tenant-networks/{PUBLIC_ID}", headers=V21).json()["network"][
        "id"] == PUBLIC_ID
    assert api.get(f"/v2.1/os-networks/{MISSING}", headers=V21).status_code == 404
    assert api.get("/v2.1/os-tenant-networks/x", headers=V21).status_code == 404
    assert api.post("/v2.1/os-networks", headers=V21, json={}).status_code == 410
    assert api.delete(f"/v2.1/os-tenant-networks/{PUBLIC_ID}", headers=V21).status_code == 410
    assert api.post(f"/v2.1/os-networks/{PUBLIC_ID}/action", headers=V21,
                    json={"disassociate": None}).status_code == 410


def test_extensions(proxied: Compute) -> None:
    api = proxied.as_("reader")
    listed = api.get("/v2.1/extensions", headers=V21).json()["extensions"]
    assert "Hosts" in [e["name"] for e in listed]
    assert all(set(e) == {"alias", "name", "description", "links", "namespace", "updated"}
               for e in listed)
    shown = api.get("/v2.1/extensions/os-consoles").json()["extension"]
    assert shown["alias"] == "os-consoles"
    assert api.get("/v2.1/extensions/os-nothing").status_code == 404

