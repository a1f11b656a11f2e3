"""The OpenStack service plugins of orchestration (Neutron, Nova, Cinder, Glance, Swift,
Keystone) driven against fake service clients: the requests they send, how they wait, what
they look up by name, and Heat's words when something fails."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.core import errors
from nimbus.orchestration.resources import (
    cinder,
    glance,
    keystone,
    neutron,
    neutron_port,
    neutron_routers,
    neutron_secgroups,
    nova,
    nova_server,
    swift,
)
from nimbus.orchestration.resources.base import Resource, ResourceFailure, UpdateReplace
from nimbus.orchestration.resources.schema import check

NET_ID = "11111111-1111-1111-1111-111111111111"
SUBNET_ID = "22222222-2222-2222-2222-222222222222"
PORT_ID = "33333333-3333-3333-3333-333333333333"
IMAGE_ID = "44444444-4444-4444-4444-444444444444"
SERVER_ID = "55555555-5555-5555-5555-555555555555"
VOLUME_ID = "66666666-6666-6666-6666-666666666666"
SG_ID = "77777777-7777-7777-7777-777777777777"
NOT_FOUND = errors.NotFound("not found")

Handler = Any


class FakeResponse:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.closed = False

    def close(self) -> None:
        self.closed = True


class FakeClient:
    """Answers ``(method, path)`` from a table; a list answers in turn (its last answer
    sticks), a callable is given the body, an exception is raised (or, when its status is in
    ``ok``, answered with None as a fault body would be)."""

    def __init__(self, routes: dict[tuple[str, str], Handler] | None = None) -> None:
        self.routes: dict[tuple[str, str], Handler] = dict(routes or {})
        self.calls: list[tuple[str, str, Any, dict[str, Any]]] = []

    def on(self, method: str, path: str, answer: Handler) -> FakeClient:
        self.routes[(method, path)] = answer
        return self

    def request(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        self.calls.append((method, path, copy.deepcopy(body), kw))
        if (method, path) not in self.routes:
            raise AssertionError(f"unexpected {method} {path}")
        answer = self.routes[(method, path)]
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if callable(answer) and not isinstance(answer, Exception):
            answer = answer(body)
        if isinstance(answer, errors.NimbusError):
            if answer.code in kw.get("ok", ()):
                return None
            raise answer
        return copy.deepcopy(answer)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)

    def patch_image(self, image_id: str, ops: list[dict[str, Any]]) -> Any:
        return self.request("PATCH", f"/v2/images/{image_id}", ops)

    def sent(self, method: str, path: str) -> list[Any]:
        """The bodies sent to ``method path``."""
        return [body for m, p, body, _ in self.calls if (m, p) == (method, path)]

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p, _, _ in self.calls if method is None or m == method]


class FakeRuntime:
    stack_id = "stack-id"
    stack_name = "st"
    project_id = "proj"

    def __init__(self, resource_name: str = "res", **clients: FakeClient) -> None:
        self.resource_name = resource_name
        self.clients = clients
        self.configs: dict[str, dict[str, Any]] = {}

    def client(self, service: str) -> FakeClient:
        return self.clients.setdefault(service, FakeClient())

    def nested(self) -> Any:
        raise NotImplementedError

    def signal_url(self, ident: str) -> str:
        return f"http://signal/{ident}"

    def software(self) -> Any:
        runtime = self

        class Store:
            def config(self, config_id: str) -> dict[str, Any] | None:
                return runtime.configs.get(config_id)

        return Store()


def make(cls: type[Resource], props: dict[str, Any], rt: FakeRuntime | None = None,
         physical_id: str | None = None, data: dict[str, Any] | None = None) -> Any:
    """A plugin with ``props`` typed by its schema, as the engine gives them."""
    runtime = rt or FakeRuntime()
    return cls(runtime, check(cls.PROPERTIES, props), data if data is not None else {},
               physical_id)


def typed(cls: type[Resource], props: dict[str, Any]) -> dict[str, Any]:
    return check(cls.PROPERTIES, props)


def poll(step: Callable[[], bool], limit: int = 20) -> int:
    """Call ``step`` until it says done; how many calls it took."""
    for n in range(1, limit + 1):
        if step():
            return n
    raise AssertionError("never completed")


def lookup(client: FakeClient, collection: str, key: str, name: str, ident: str) -> None:
    """``name`` is not an id of ``collection`` but the name of one item, ``ident``."""
    client.on("GET", f"{collection}/{name}", NOT_FOUND)
    client.on("GET", f"{collection}?name={name}",
              {f"{key}s" if not key.endswith("y") else f"{key[:-1]}ies":
               [{"id": ident, "name": name}]})


# -- every type ---------------------------------------------------------------------------------
ALL = [*neutron.TYPES, *neutron_port.TYPES, *neutron_routers.TYPES, *neutron_secgroups.TYPES,
       *nova.TYPES, *nova_server.TYPES, *cinder.TYPES, *glance.TYPES, *swift.TYPES,
       *keystone.TYPES]


def test_every_type_is_described_as_heat_names_it() -> None:
    names = {cls.TYPE for cls in ALL}
    assert names == {
        "OS::Neutron::Net", "OS::Neutron::Subnet", "OS::Neutron::Port", "OS::Neutron::Router",
        "OS::Neutron::RouterInterface", "OS::Neutron::FloatingIP",
        "OS::Neutron::FloatingIPAssociation", "OS::Neutron::SecurityGroup",
        "OS::Neutron::SecurityGroupRule", "OS::Nova::Server", "OS::Nova::KeyPair",
        "OS::Nova::Flavor", "OS::Nova::ServerGroup", "OS::Cinder::Volume",
        "OS::Cinder::VolumeAttachment", "OS::Glance::WebImage", "OS::Swift::Container",
        "OS::Keystone::Project", "OS::Keystone::User", "OS::Keystone::Role"}
    for cls in ALL:
        described = cls.info().describe()
        json.dumps(described)
        assert described["description"] and "show" in described["attributes"]


def test_deprecated_spellings_are_taken_but_not_shown() -> None:
    port = neutron_port.Port.info().describe()["properties"]
    assert "network_id" not in port and port["network"]["required"] is True
    assert "subnet_id" not in port["fixed_ips"]["schema"]["*"]["schema"]
    assert port["network"]["constraints"] == [{"custom_constraint": "neutron.network"}]
    server = nova_server.Server.info().describe()
    assert "uuid" not in server["properties"]["networks"]["schema"]["*"]["schema"]
    assert "first_address" not in server["attributes"]
    assert server["properties"]["flavor"]["update_allowed"] is True
    # The hidden spelling still works.
    typed(neutron_port.Port, {"network_id": NET_ID})


# -- Neutron: networks, subnets, ports ---------------------------------------------------------
def test_net_create_waits_until_built_and_names_it_after_the_stack() -> None:
    net = FakeClient()
    lookup(net, "/v2.0/qos/policies", "policy", "gold", "qos-1")
    net.on("POST", "/v2.0/networks", {"network": {"id": NET_ID}})
    net.on("PUT", f"/v2.0/networks/{NET_ID}/tags", None)
    net.on("GET", f"/v2.0/networks/{NET_ID}", [{"network": {"status": "BUILD"}},
                                               {"network": {"status": "ACTIVE"}}])
    plugin = make(neutron.Net, {"value_specs": {"mtu": 1400}, "qos_policy": "gold",
                                "tags": ["a"]}, FakeRuntime(network=net))
    plugin.create()
    body = net.sent("POST", "/v2.0/networks")[0]["network"]
    assert body["name"].startswith("st-res-") and body["mtu"] == 1400
    assert body["qos_policy_id"] == "qos-1" and body["admin_state_up"] is True
    assert "tags" not in body and net.sent("PUT", f"/v2.0/networks/{NET_ID}/tags") == [
        {"tags": ["a"]}]
    assert plugin.physical_id == NET_ID and poll(plugin.check_create_complete) == 2


def test_net_in_error_fails_in_heat_words() -> None:
    net = FakeClient().on("GET", f"/v2.0/networks/{NET_ID}", {"network": {"status": "ERROR"}})
    plugin = make(neutron.Net, {}, FakeRuntime(network=net), NET_ID)
    with pytest.raises(ResourceFailure) as exc:
        plugin.check_create_complete()
    assert str(exc.value) == 'Went to status ERROR due to "Unknown"'
    assert exc.value.kind == "ResourceInError"


def test_net_update_in_place_or_replaced() -> None:
    net = FakeClient().on("PUT", f"/v2.0/networks/{NET_ID}", {"network": {}})
    net.on("GET", f"/v2.0/networks/{NET_ID}", {"network": {"status": "ACTIVE",
                                                           "subnets": [SUBNET_ID]}})
    plugin = make(neutron.Net, {"name": "a"}, FakeRuntime(network=net), NET_ID)
    new = typed(neutron.Net, {"name": "b", "shared": True})
    plugin.update(new, {"name", "shared"})
    assert net.sent("PUT", f"/v2.0/networks/{NET_ID}") == [
        {"network": {"name": "b", "shared": True}}]
    assert plugin.check_update_complete() and plugin.attribute("subnets") == [SUBNET_ID]
    with pytest.raises(UpdateReplace):
        plugin.update(typed(neutron.Net, {"tenant_id": "other"}), {"tenant_id"})


def test_net_delete_is_idempotent_and_retries_while_in_use() -> None:
    net = FakeClient().on("DELETE", f"/v2.0/networks/{NET_ID}",
                          [errors.Conflict("in use"), None])
    plugin = make(neutron.Net, {}, FakeRuntime(network=net), NET_ID)
    plugin.delete()
    assert poll(plugin.check_delete_complete) == 1
    assert len(net.sent("DELETE", f"/v2.0/networks/{NET_ID}")) == 2
    gone = FakeClient().on("DELETE", f"/v2.0/networks/{NET_ID}", NOT_FOUND)
    plugin = make(neutron.Net, {}, FakeRuntime(network=gone), NET_ID)
    plugin.delete()
    assert plugin.check_delete_complete()
    assert make(neutron.Net, {}).check_delete_complete() is True


def test_subnet_resolves_its_network_by_name() -> None:
    net = FakeClient()
    lookup(net, "/v2.0/networks", "network", "private", NET_ID)
    net.on("POST", "/v2.0/subnets", {"subnet": {"id": SUBNET_ID}})
    plugin = make(neutron.Subnet, {"network": "private", "cidr": "10.0.0.0/24",
                                   "gateway_ip": ""}, FakeRuntime(network=net))
    plugin.create()
    body = net.sent("POST", "/v2.0/subnets")[0]["subnet"]
    assert body["network_id"] == NET_ID and body["gateway_ip"] is None
    assert body["ip_version"] == 4 and body["enable_dhcp"] is True
    assert plugin.check_create_complete()


def test_subnet_checks_its_properties_as_heat_does() -> None:
    with pytest.raises(ResourceFailure, match="^Cannot define the following properties at the "
                                              "same time: subnetpool, cidr.$"):
        make(neutron.Subnet, {"network": "n", "cidr": "10.0.0.0/24", "subnetpool": "p"}).create()
    with pytest.raises(ResourceFailure, match="^At least one of the following properties must "
                                              "be specified: subnetpool, cidr.$"):
        make(neutron.Subnet, {"network": "n"}).create()
    # While values are still unknown, only what is given is checked.
    neutron.Subnet.validate_properties(typed(neutron.Subnet, {}), complete=False)


def test_an_unknown_network_is_refused_in_neutron_words() -> None:
    net = FakeClient().on("GET", "/v2.0/networks/nope", NOT_FOUND)
    net.on("GET", "/v2.0/networks?name=nope", {"networks": []})
    plugin = make(neutron.Subnet, {"network": "nope", "cidr": "10.0.0.0/24"},
                  FakeRuntime(network=net))
    with pytest.raises(ResourceFailure) as exc:
        plugin.create()
    assert str(exc.value) == "Unable to find network with name or id 'nope'"
    net.on("GET", "/v2.0/networks?name=nope", {"networks": [{"id": "1", "name": "nope"},
                                                            {"id": "2", "name": "nope"}]})
    with pytest.raises(ResourceFailure, match="Multiple network matches found for name 'nope'"):
        plugin.create()


def test_port_create_resolves_subnets_and_security_groups() -> None:
    net = FakeClient()
    lookup(net, "/v2.0/networks", "network", "private", NET_ID)
    lookup(net, "/v2.0/subnets", "subnet", "private-sub", SUBNET_ID)
    net.on("GET", "/v2.0/security-groups?project_id=proj",
           {"security_groups": [{"id": SG_ID, "name": "web"}]})
    net.on("POST", "/v2.0/ports", {"port": {"id": PORT_ID}})
    net.on("GET", f"/v2.0/ports/{PORT_ID}", {"port": {"status": "DOWN", "network_id": NET_ID,
                                                      "mac_address": "fa:16:3e:00:00:01"}})
    net.on("GET", f"/v2.0/networks/{NET_ID}", {"network": {"id": NET_ID, "mtu": 1500}})
    plugin = make(neutron_port.Port, {
        "network": "private", "security_groups": ["web", SG_ID],
        "fixed_ips": [{"subnet": "private-sub", "ip_address": "10.0.0.5"}]},
        FakeRuntime(network=net))
    plugin.create()
    body = net.sent("POST", "/v2.0/ports")[0]["port"]
    assert body["network_id"] == NET_ID and body["security_groups"] == [SG_ID, SG_ID]
    assert body["fixed_ips"] == [{"subnet_id": SUBNET_ID, "ip_address": "10.0.0.5"}]
    assert body["binding:vnic_type"] == "normal" and "no_fixed_ips" not in body
    assert "replacement_policy" not in body and body["name"].startswith("st-res-")
    assert plugin.check_create_complete()
    assert plugin.attribute("mac_address") == "fa:16:3e:00:00:01"
    assert plugin.attribute("network") == {"id": NET_ID, "mtu": 1500}


def test_port_update() -> None:
    net = FakeClient().on("GET", "/v2.0/security-groups?project_id=proj",
                          {"security_groups": [{"id": SG_ID, "name": "default"}]})
    net.on("PUT", f"/v2.0/ports/{PORT_ID}", {"port": {}})
    plugin = make(neutron_port.Port, {"network": NET_ID, "security_groups": ["x"]},
                  FakeRuntime(network=net), PORT_ID)
    # Security groups removed from the template: the port goes back to "default".
    plugin.update(typed(neutron_port.Port, {"network": NET_ID, "name": "p"}),
                  {"security_groups", "name"})
    assert net.sent("PUT", f"/v2.0/ports/{PORT_ID}") == [
        {"port": {"security_groups": [SG_ID], "name": "p"}}]
    with pytest.raises(UpdateReplace):
        plugin.update(typed(neutron_port.Port, {"network": "other"}), {"network"})
    with pytest.raises(UpdateReplace):
        plugin.update(typed(neutron_port.Port, {"network": NET_ID, "name": "q",
                                                "replacement_policy": "REPLACE_ALWAYS"}),
                      {"name", "replacement_policy"})


def test_port_without_network_is_refused() -> None:
    with pytest.raises(ResourceFailure, match="^Property network not assigned$"):
        make(neutron_port.Port, {}).create()


# -- Neutron: routers and floating IPs ---------------------------------------------------------
def test_router_with_gateway() -> None:
    net = FakeClient()
    lookup(net, "/v2.0/networks", "network", "public", NET_ID)
    net.on("POST", "/v2.0/routers", {"router": {"id": "r1"}})
    net.on("GET", "/v2.0/routers/r1", {"router": {
        "status": "ACTIVE", "external_gateway_info": {"network_id": NET_ID}}})
    plugin = make(neutron_routers.Router, {"external_gateway_info": {"network": "public"}},
                  FakeRuntime(network=net))
    plugin.create()
    body = net.sent("POST", "/v2.0/routers")[0]["router"]
    assert body["external_gateway_info"] == {"network_id": NET_ID}
    assert plugin.check_create_complete()
    assert plugin.attribute("external_gateway_info") == {"network_id": NET_ID}
    with pytest.raises(ResourceFailure, match="Non HA routers can only have one L3 agent."):
        make(neutron_routers.Router, {"l3_agent_ids": ["a", "b"]}).create()


def test_router_interface_reference_and_delete() -> None:
    net = FakeClient()
    lookup(net, "/v2.0/routers", "router", "r", "r1")
    lookup(net, "/v2.0/subnets", "subnet", "s", SUBNET_ID)
    net.on("PUT", "/v2.0/routers/r1/add_router_interface", {})
    net.on("PUT", "/v2.0/routers/r1/remove_router_interface", NOT_FOUND)
    plugin = make(neutron_routers.RouterInterface, {"router": "r", "subnet": "s"},
                  FakeRuntime(network=net))
    plugin.create()
    assert plugin.reference() == f"r1:subnet_id={SUBNET_ID}"
    assert net.sent("PUT", "/v2.0/routers/r1/add_router_interface") == [
        {"subnet_id": SUBNET_ID}]
    plugin.delete()
    assert plugin.check_delete_complete()
    assert net.sent("PUT", "/v2.0/routers/r1/remove_router_interface") == [
        {"subnet_id": SUBNET_ID}]
    # An id of the old form (router:subnet) still deletes.
    old = make(neutron_routers.RouterInterface, {"router": "r1", "subnet": "x"},
               FakeRuntime(network=net), f"r1:{SUBNET_ID}")
    old.delete()
    assert net.sent("PUT", "/v2.0/routers/r1/remove_router_interface")[-1] == {
        "subnet_id": SUBNET_ID}
    with pytest.raises(ResourceFailure, match="subnet, port"):
        make(neutron_routers.RouterInterface, {"router": "r1"}).create()


def test_floating_ip() -> None:
    net = FakeClient()
    lookup(net, "/v2.0/networks", "network", "public", NET_ID)
    net.on("POST", "/v2.0/floatingips", {"floatingip": {"id": "f1"}})
    net.on("PUT", "/v2.0/floatingips/f1", {"floatingip": {}})
    net.on("GET", "/v2.0/floatingips/f1", {"floatingip": {"floating_ip_address": "1.2.3.4"}})
    plugin = make(neutron_routers.FloatingIP, {"floating_network": "public",
                                               "port_id": PORT_ID}, FakeRuntime(network=net))
    plugin.create()
    assert net.sent("POST", "/v2.0/floatingips") == [{"floatingip": {
        "floating_network_id": NET_ID, "port_id": PORT_ID}}]
    assert plugin.attribute("floating_ip_address") == "1.2.3.4"
    plugin.update(typed(neutron_routers.FloatingIP, {"floating_network": "public"}),
                  {"port_id"})
    assert net.sent("PUT", "/v2.0/floatingips/f1") == [{"floatingip": {
        "port_id": None, "fixed_ip_address": None}}]
    with pytest.raises(ResourceFailure, match="fixed_ip_address cannot be specified without "
                                              "port_id."):
        make(neutron_routers.FloatingIP, {"floating_network": "public",
                                          "fixed_ip_address": "10.0.0.1"}).create()


def test_floating_ip_association() -> None:
    net = FakeClient().on("PUT", "/v2.0/floatingips/f1", {"floatingip": {}})
    plugin = make(neutron_routers.FloatingIPAssociation,
                  {"floatingip_id": "f1", "port_id": PORT_ID}, FakeRuntime(network=net))
    plugin.create()
    assert plugin.physical_id
    plugin.delete()
    assert plugin.check_delete_complete()
    assert net.sent("PUT", "/v2.0/floatingips/f1") == [
        {"floatingip": {"port_id": PORT_ID}}, {"floatingip": {"port_id": None}}]


# -- Neutron: security groups ------------------------------------------------------------------
def test_security_group_with_egress_rules_drops_the_default_ones() -> None:
    net = FakeClient().on("POST", "/v2.0/security-groups", {"security_group": {"id": SG_ID}})
    net.on("GET", f"/v2.0/security-groups/{SG_ID}", {"security_group": {
        "security_group_rules": [{"id": "e4", "direction": "egress", "ethertype": "IPv4"},
                                 {"id": "e6", "direction": "egress", "ethertype": "IPv6"}]}})
    net.on("DELETE", "/v2.0/security-group-rules/e4", None)
    net.on("DELETE", "/v2.0/security-group-rules/e6", None)
    net.on("POST", "/v2.0/security-group-rules", {"security_group_rules": []})
    plugin = make(neutron_secgroups.SecurityGroup, {"rules": [
        {"direction": "egress", "protocol": "tcp", "port_range_min": 80, "port_range_max": 80},
        {"remote_mode": "remote_group_id", "protocol": "6"}]}, FakeRuntime(network=net))
    plugin.create()
    assert sorted(net.paths("DELETE")) == ["/v2.0/security-group-rules/e4",
                                           "/v2.0/security-group-rules/e6"]
    rules = net.sent("POST", "/v2.0/security-group-rules")[0]["security_group_rules"]
    assert rules[0]["direction"] == "egress" and rules[0]["remote_group_id"] is None
    assert rules[0]["security_group_id"] == SG_ID and "remote_mode" not in rules[0]
    # A remote group rule without a group refers to its own group.
    assert rules[1]["remote_group_id"] == SG_ID and rules[1]["remote_ip_prefix"] is None
    with pytest.raises(ResourceFailure, match='cannot be assigned the name "default"'):
        make(neutron_secgroups.SecurityGroup, {"name": "default"}).create()


def test_security_group_update_reconciles_rules() -> None:
    net = FakeClient()
    net.on("GET", f"/v2.0/security-groups/{SG_ID}", {"security_group": {
        "security_group_rules": [
            {"id": "old", "direction": "ingress", "ethertype": "IPv4", "protocol": "udp",
             "security_group_id": SG_ID},
            {"id": "e4", "direction": "egress", "ethertype": "IPv4",
             "security_group_id": SG_ID}]}})
    net.on("DELETE", "/v2.0/security-group-rules/old", None)
    net.on("POST", "/v2.0/security-group-rules", {"security_group_rules": []})
    plugin = make(neutron_secgroups.SecurityGroup, {"rules": [{"protocol": "udp"}]},
                  FakeRuntime(network=net), SG_ID)
    plugin.update(typed(neutron_secgroups.SecurityGroup, {"rules": [{"protocol": "icmp"}]}),
                  {"rules"})
    assert net.paths("DELETE") == ["/v2.0/security-group-rules/old"]
    added = net.sent("POST", "/v2.0/security-group-rules")[0]["security_group_rules"]
    # The new rule, and the IPv6 default egress rule it had lost.
    assert {(r["direction"], r["ethertype"], r.get("protocol")) for r in added} == {
        ("ingress", "IPv4", "icmp"), ("egress", "IPv6", None)}


def test_security_group_rule() -> None:
    net = FakeClient()
    lookup(net, "/v2.0/security-groups", "security_group", "web", SG_ID)
    net.on("POST", "/v2.0/security-group-rules", {"security_group_rule": {"id": "rule"}})
    plugin = make(neutron_secgroups.SecurityGroupRule, {"security_group": "web",
                                                        "port_range_min": 22,
                                                        "port_range_max": 22},
                  FakeRuntime(network=net))
    plugin.create()
    body = net.sent("POST", "/v2.0/security-group-rules")[0]["security_group_rule"]
    assert body == {"security_group_id": SG_ID, "direction": "ingress", "ethertype": "IPv4",
                    "port_range_min": 22, "port_range_max": 22, "protocol": "tcp"}
    with pytest.raises(ResourceFailure, match="minimum port number must be less"):
        make(neutron_secgroups.SecurityGroupRule, {"security_group": "web",
                                                   "port_range_min": 90,
                                                   "port_range_max": 80}).create()


# -- Nova: servers -------------------------------------------------------------------------------
def _server_clients() -> tuple[FakeClient, FakeClient, FakeClient]:
    compute, net, image = FakeClient(), FakeClient(), FakeClient()
    compute.on("GET", "/flavors/m1.tiny", NOT_FOUND)
    compute.on("GET", "/flavors/detail", {"flavors": [{"id": "1", "name": "m1.tiny"},
                                                      {"id": "2", "name": "m1.small"}]})
    compute.on("GET", "/flavors/m1.small", NOT_FOUND)
    image.on("GET", "/v2/images?name=cirros", {"images": [{"id": IMAGE_ID, "name": "cirros"}]})
    lookup(net, "/v2.0/networks", "network", "private", NET_ID)
    compute.on("POST", "/servers", {"server": {"id": SERVER_ID}})
    return compute, net, image


def test_server_create_boots_and_waits_for_active() -> None:
    compute, net, image = _server_clients()
    compute.on("GET", f"/servers/{SERVER_ID}", [{"server": {"status": "BUILD"}},
                                                {"server": {"status": "ACTIVE"}}])
    compute.on("PUT", f"/servers/{SERVER_ID}/tags", {"tags": ["t"]})
    rt = FakeRuntime("web", compute=compute, network=net, image=image)
    plugin = make(nova_server.Server, {
        "image": "cirros", "flavor": "m1.tiny", "key_name": "k", "user_data": "#!/bin/sh",
        "networks": [{"network": "private", "fixed_ip": "10.0.0.9"}], "tags": ["t"],
        "metadata": {"a": 1}, "scheduler_hints": {"group": "g"}}, rt)
    plugin.create()
    (body,) = compute.sent("POST", "/servers")
    server = body["server"]
    assert server["imageRef"] == IMAGE_ID and server["flavorRef"] == "1"
    assert server["networks"] == [{"uuid": NET_ID, "fixed_ip": "10.0.0.9"}]
    assert base64.b64decode(server["user_data"]) == b"#!/bin/sh"
    assert server["metadata"] == {"a": "1"} and server["key_name"] == "k"
    assert server["name"].startswith("st-web-") and body["os:scheduler_hints"] == {"group": "g"}
    assert "security_groups" not in server
    assert poll(plugin.check_create_complete) == 2
    assert compute.sent("PUT", f"/servers/{SERVER_ID}/tags") == [{"tags": ["t"]}]


def test_server_in_error_fails_with_its_fault() -> None:
    compute, net, image = _server_clients()
    compute.on("GET", f"/servers/{SERVER_ID}", {"server": {
        "status": "ERROR", "fault": {"message": "No valid host was found. ", "code": 500}}})
    plugin = make(nova_server.Server, {"image": IMAGE_ID, "flavor": "1"},
                  FakeRuntime(compute=compute), SERVER_ID)
    with pytest.raises(ResourceFailure) as exc:
        plugin.check_create_complete()
    assert str(exc.value) == ('Went to status ERROR due to "Message: No valid host was found. , '
                              'Code: 500"')
    assert exc.value.kind == "ResourceInError"


def test_server_subnet_makes_a_port_and_associates_the_floating_ip() -> None:
    compute, net, image = _server_clients()
    lookup(net, "/v2.0/subnets", "subnet", "private-sub", SUBNET_ID)
    net.on("GET", f"/v2.0/subnets/{SUBNET_ID}", {"subnet": {"network_id": NET_ID}})
    net.on("GET", "/v2.0/security-groups?project_id=proj",
           {"security_groups": [{"id": SG_ID, "name": "web"}]})
    net.on("POST", "/v2.0/ports", {"port": {"id": PORT_ID}})
    net.on("PUT", "/v2.0/floatingips/fip", {"floatingip": {}})
    rt = FakeRuntime("web", compute=compute, network=net, image=image)
    plugin = make(nova_server.Server, {
        "image": "cirros", "flavor": "m1.tiny", "security_groups": ["web"],
        "networks": [{"subnet": "private-sub", "floating_ip": "fip"}]}, rt)
    plugin.create()
    port = net.sent("POST", "/v2.0/ports")[0]["port"]
    assert port == {"network_id": NET_ID, "name": "web-port-0",
                    "fixed_ips": [{"subnet_id": SUBNET_ID}], "security_groups": [SG_ID]}
    assert net.sent("PUT", "/v2.0/floatingips/fip") == [{"floatingip": {"port_id": PORT_ID}}]
    server = compute.sent("POST", "/servers")[0]["server"]
    assert server["networks"] == [{"port": PORT_ID}]
    assert server["security_groups"] == [{"name": "web"}]
    assert plugin.data["internal_ports"] == [PORT_ID]
    # Deleting the server waits for it to go, then removes the port made for it.
    compute.on("DELETE", f"/servers/{SERVER_ID}", None)
    compute.on("GET", f"/servers/{SERVER_ID}", [
        {"server": {"status": "ACTIVE", "OS-EXT-STS:task_state": "deleting"}}, NOT_FOUND])
    net.on("DELETE", f"/v2.0/ports/{PORT_ID}", None)
    plugin.delete()
    assert poll(plugin.check_delete_complete) == 2
    assert net.paths("DELETE") == [f"/v2.0/ports/{PORT_ID}"]


def test_server_checks_networks_and_boot_sources() -> None:
    with pytest.raises(ResourceFailure, match='Property "floating_ip" is not supported'):
        make(nova_server.Server, {"image": "i", "flavor": "f", "networks": [
            {"network": "n", "floating_ip": "f"}]}).create()
    with pytest.raises(ResourceFailure, match="^Cannot define the following properties at the "
                                              "same time: security_groups, networks/port.$"):
        make(nova_server.Server, {"image": "i", "flavor": "f", "security_groups": ["s"],
                                  "networks": [{"port": "p"}]}).create()
    with pytest.raises(ResourceFailure, match="Neither image nor bootable volume is specified "
                                              "for instance res"):
        make(nova_server.Server, {"flavor": "f"}).create()


def test_server_boot_from_volume() -> None:
    compute, net, image = _server_clients()
    rt = FakeRuntime(compute=compute, network=net, image=image)
    plugin = make(nova_server.Server, {"flavor": "1", "block_device_mapping_v2": [
        {"volume_id": VOLUME_ID, "delete_on_termination": True}]}, rt)
    compute.on("GET", "/flavors/1", {"flavor": {"id": "1"}})
    plugin.create()
    server = compute.sent("POST", "/servers")[0]["server"]
    assert "imageRef" not in server
    assert server["block_device_mapping_v2"] == [{
        "uuid": VOLUME_ID, "source_type": "volume", "destination_type": "volume",
        "boot_index": 0, "delete_on_termination": True}]


def test_server_update_resizes_renames_and_replaces() -> None:
    compute, net, image = _server_clients()
    props = {"image": IMAGE_ID, "flavor": "m1.tiny", "name": "a"}
    plugin = make(nova_server.Server, props, FakeRuntime(compute=compute, image=image),
                  SERVER_ID)
    compute.on("PUT", f"/servers/{SERVER_ID}", {"server": {}})
    compute.on("PUT", f"/servers/{SERVER_ID}/metadata", {"metadata": {}})
    compute.on("POST", f"/servers/{SERVER_ID}/action", None)
    compute.on("GET", f"/servers/{SERVER_ID}", [
        {"server": {"status": "RESIZE"}}, {"server": {"status": "VERIFY_RESIZE"}},
        {"server": {"status": "VERIFY_RESIZE"}}, {"server": {"status": "ACTIVE"}}])
    new = typed(nova_server.Server, {**props, "flavor": "m1.small", "name": "b",
                                     "metadata": {"k": "v"}})
    plugin.update(new, {"flavor", "name", "metadata"})
    assert compute.sent("PUT", f"/servers/{SERVER_ID}") == [{"server": {"name": "b"}}]
    assert compute.sent("PUT", f"/servers/{SERVER_ID}/metadata") == [{"metadata": {"k": "v"}}]
    poll(plugin.check_update_complete)
    assert compute.sent("POST", f"/servers/{SERVER_ID}/action") == [
        {"resize": {"flavorRef": "2"}}, {"confirmResize": None}]
    assert plugin.attribute("name") == "b"
    for changed, extra in (({"networks"}, {"networks": [{"network": "x"}]}),
                           ({"flavor"}, {"flavor": "m1.small", "flavor_update_policy": "REPLACE"}),
                           ({"user_data"}, {"user_data": "new"}),
                           ({"key_name"}, {"key_name": "other"})):
        with pytest.raises(UpdateReplace):
            plugin.update(typed(nova_server.Server, {**props, **extra}), changed)


def test_server_rebuild_for_a_new_image() -> None:
    compute, net, image = _server_clients()
    props = {"image": IMAGE_ID, "flavor": "1"}
    plugin = make(nova_server.Server, props, FakeRuntime(compute=compute, image=image),
                  SERVER_ID)
    compute.on("POST", f"/servers/{SERVER_ID}/action", None)
    compute.on("GET", f"/servers/{SERVER_ID}", [{"server": {"status": "REBUILD"}},
                                                {"server": {"status": "ACTIVE"}}])
    plugin.update(typed(nova_server.Server, {**props, "image": "cirros"}), {"image"})
    poll(plugin.check_update_complete)
    assert compute.sent("POST", f"/servers/{SERVER_ID}/action") == [
        {"rebuild": {"imageRef": IMAGE_ID, "metadata": {}}}]


def test_server_suspend_resume_and_attributes() -> None:
    compute, net, image = _server_clients()
    compute.on("POST", f"/servers/{SERVER_ID}/action", None)
    compute.on("GET", f"/servers/{SERVER_ID}", [
        {"server": {"status": "ACTIVE"}}, {"server": {"status": "ACTIVE"}},
        {"server": {"status": "SUSPENDED"}}, {"server": {"status": "SUSPENDED"}},
        {"server": {"status": "ACTIVE", "addresses": {
            "private": [{"addr": "10.0.0.9"}], "public": []}}}])
    plugin = make(nova_server.Server, {"image": IMAGE_ID, "flavor": "1"},
                  FakeRuntime(compute=compute, network=net), SERVER_ID)
    plugin.suspend()
    assert poll(plugin.check_suspend_complete) == 2
    plugin.resume()
    assert plugin.check_resume_complete()
    assert compute.sent("POST", f"/servers/{SERVER_ID}/action") == [{"suspend": None},
                                                                    {"resume": None}]
    net.on("GET", "/v2.0/networks/public", NOT_FOUND)
    net.on("GET", "/v2.0/networks?name=public", {"networks": []})
    assert plugin.attribute("networks") == {"private": ["10.0.0.9"], "public": [],
                                            NET_ID: ["10.0.0.9"]}
    assert plugin.attribute("first_address") == "10.0.0.9"


def test_server_software_config_user_data() -> None:
    compute, net, image = _server_clients()
    rt = FakeRuntime(compute=compute, image=image)
    config_id = "88888888-8888-8888-8888-888888888888"
    rt.configs[config_id] = {"config": "#cloud-config\n"}
    plugin = make(nova_server.Server, {"image": "cirros", "flavor": "m1.tiny",
                                       "user_data_format": "SOFTWARE_CONFIG",
                                       "user_data": config_id}, rt)
    plugin.create()
    server = compute.sent("POST", "/servers")[0]["server"]
    assert base64.b64decode(server["user_data"]) == b"#cloud-config\n"


def test_unknown_flavor_and_image() -> None:
    compute, net, image = _server_clients()
    compute.on("GET", "/flavors/m1.huge", NOT_FOUND)
    with pytest.raises(ResourceFailure, match=r"No Flavor matching \{'name': 'm1.huge'\}"):
        make(nova_server.Server, {"image": "cirros", "flavor": "m1.huge"},
             FakeRuntime(compute=compute, image=image)).create()
    image.on("GET", "/v2/images?name=fedora", {"images": []})
    with pytest.raises(ResourceFailure) as exc:
        make(nova_server.Server, {"image": "fedora", "flavor": "m1.tiny"},
             FakeRuntime(compute=compute, image=image)).create()
    assert str(exc.value) == "No images matching {'name': 'fedora'}."


# -- Nova: key pairs, flavors, server groups ---------------------------------------------------
def test_keypair() -> None:
    compute = FakeClient().on("POST", "/os-keypairs", {"keypair": {
        "name": "k", "public_key": "ssh-rsa AAA", "private_key": "-----BEGIN"}})
    compute.on("DELETE", "/os-keypairs/k", None)
    plugin = make(nova.KeyPair, {"name": "k", "save_private_key": True},
                  FakeRuntime(compute=compute))
    plugin.create()
    assert plugin.reference() == "k" and plugin.physical_id == "k"
    assert plugin.attribute("private_key") == "-----BEGIN"
    assert plugin.attribute("public_key") == "ssh-rsa AAA"
    assert compute.calls[0][3]["microversion"] == nova.KEYPAIR_VERSION
    # A replacement of the same name frees it first; the old one then deletes nothing.
    with pytest.raises(UpdateReplace):
        plugin.update(typed(nova.KeyPair, {"name": "k", "public_key": "ssh-rsa B"}),
                      {"public_key"})
    plugin.delete()
    assert compute.paths("DELETE") == ["/os-keypairs/k"]
    unsaved = make(nova.KeyPair, {"name": "k"}, FakeRuntime(compute=compute), "k")
    assert unsaved.attribute("private_key") == ""


def test_private_flavor_gets_access_for_the_project() -> None:
    compute = FakeClient().on("POST", "/flavors", {"flavor": {"id": "f1"}})
    compute.on("POST", "/flavors/f1/os-extra_specs", {})
    compute.on("POST", "/flavors/f1/action", {})
    plugin = make(nova.NovaFlavor, {"ram": 512, "vcpus": 1, "is_public": False,
                                    "extra_specs": {"hw:cpu_policy": "dedicated"}},
                  FakeRuntime(compute=compute))
    plugin.create()
    body = compute.sent("POST", "/flavors")[0]["flavor"]
    assert body["os-flavor-access:is_public"] is False and "id" not in body
    assert compute.sent("POST", "/flavors/f1/os-extra_specs") == [
        {"extra_specs": {"hw:cpu_policy": "dedicated"}}]
    assert compute.sent("POST", "/flavors/f1/action") == [{"addTenantAccess": {"tenant": "proj"}}]
    assert plugin.reference() == "f1"


def test_server_group() -> None:
    compute = FakeClient().on("POST", "/os-server-groups", {"server_group": {"id": "g1"}})
    plugin = make(nova.ServerGroup, {"policies": ["affinity"]}, FakeRuntime(compute=compute))
    plugin.create()
    body = compute.sent("POST", "/os-server-groups")[0]["server_group"]
    assert body["policy"] == "affinity" and body["name"].startswith("st-res-")
    from nimbus.orchestration.resources.schema import PropertyError

    with pytest.raises(PropertyError):
        typed(nova.ServerGroup, {"policies": ["sideways"]})


# -- Cinder --------------------------------------------------------------------------------------
def test_volume_from_image_waits_until_available() -> None:
    volume, image = FakeClient(), FakeClient()
    image.on("GET", "/v2/images?name=cirros", {"images": [{"id": IMAGE_ID, "name": "cirros"}]})
    volume.on("POST", "/volumes", {"volume": {"id": VOLUME_ID}})
    volume.on("GET", f"/volumes/{VOLUME_ID}", [
        {"volume": {"status": "creating"}}, {"volume": {"status": "downloading"}},
        {"volume": {"status": "available", "size": 2, "name": "v", "metadata": {"a": "b"},
                    "snapshot_id": None}}])
    plugin = make(cinder.CinderVolume, {"size": 2, "image": "cirros", "name": "v",
                                        "metadata": {"a": "b"}},
                  FakeRuntime(volume=volume, image=image))
    plugin.create()
    body = volume.sent("POST", "/volumes")[0]["volume"]
    assert body["imageRef"] == IMAGE_ID and body["size"] == 2 and body["name"] == "v"
    assert poll(plugin.check_create_complete) == 3
    assert plugin.attribute("size") == "2" and plugin.attribute("display_name") == "v"
    assert plugin.attribute("metadata") == '{"a": "b"}'
    assert plugin.attribute("metadata_values") == {"a": "b"}


def test_volume_in_error() -> None:
    volume = FakeClient().on("GET", f"/volumes/{VOLUME_ID}", {"volume": {"status": "error"}})
    plugin = make(cinder.CinderVolume, {"size": 1}, FakeRuntime(volume=volume), VOLUME_ID)
    with pytest.raises(ResourceFailure) as exc:
        plugin.check_create_complete()
    assert str(exc.value) == 'Went to status error due to "Unknown"'
    assert exc.value.kind == "ResourceInError"
    with pytest.raises(ResourceFailure, match="one and only one of"):
        make(cinder.CinderVolume, {}).create()


def test_volume_grows_in_place_and_never_shrinks() -> None:
    volume = FakeClient()
    volume.on("GET", f"/volumes/{VOLUME_ID}", [
        {"volume": {"status": "available", "size": 1}},
        {"volume": {"status": "in-use", "size": 1}},
        {"volume": {"status": "extending", "size": 1}},
        {"volume": {"status": "in-use", "size": 3}}])
    volume.on("POST", f"/volumes/{VOLUME_ID}/action", None)
    volume.on("PUT", f"/volumes/{VOLUME_ID}", {"volume": {}})
    plugin = make(cinder.CinderVolume, {"size": 1}, FakeRuntime(volume=volume), VOLUME_ID)
    plugin.update(typed(cinder.CinderVolume, {"size": 3, "description": "d"}),
                  {"size", "description"})
    assert volume.sent("PUT", f"/volumes/{VOLUME_ID}")[0]["volume"]["description"] == "d"
    poll(plugin.check_update_complete)
    assert volume.sent("POST", f"/volumes/{VOLUME_ID}/action") == [
        {"os-extend": {"new_size": 3}}]
    volume.on("GET", f"/volumes/{VOLUME_ID}", {"volume": {"status": "available", "size": 3}})
    with pytest.raises(ResourceFailure, match="^Shrinking volume is not supported.$"):
        plugin.update(typed(cinder.CinderVolume, {"size": 2}), {"size"})
    with pytest.raises(UpdateReplace):
        plugin.update(typed(cinder.CinderVolume, {"size": 3, "image": "x"}), {"image"})


def test_volume_delete() -> None:
    volume = FakeClient().on("GET", f"/volumes/{VOLUME_ID}", {"volume": {"status": "in-use"}})
    plugin = make(cinder.CinderVolume, {"size": 1}, FakeRuntime(volume=volume), VOLUME_ID)
    with pytest.raises(ResourceFailure, match="^Volume in use$"):
        plugin.delete()
    volume.on("GET", f"/volumes/{VOLUME_ID}", [{"volume": {"status": "available"}},
                                               {"volume": {"status": "deleting"}}, NOT_FOUND])
    volume.on("DELETE", f"/volumes/{VOLUME_ID}", None)
    plugin.delete()
    assert poll(plugin.check_delete_complete) == 2
    gone = FakeClient().on("GET", f"/volumes/{VOLUME_ID}", NOT_FOUND)
    plugin = make(cinder.CinderVolume, {"size": 1}, FakeRuntime(volume=gone), VOLUME_ID)
    plugin.delete()
    assert plugin.check_delete_complete()


def test_volume_attachment() -> None:
    compute, volume = FakeClient(), FakeClient()
    path = f"/servers/{SERVER_ID}/os-volume_attachments"
    compute.on("POST", path, [errors.Conflict("busy"),
                              {"volumeAttachment": {"id": VOLUME_ID, "device": "/dev/vdb"}}])
    volume.on("GET", f"/volumes/{VOLUME_ID}", [
        {"volume": {"status": "attaching"}}, {"volume": {"status": "in-use"}}])
    plugin = make(cinder.CinderVolumeAttachment, {"instance_uuid": SERVER_ID,
                                                  "volume_id": VOLUME_ID,
                                                  "mountpoint": "/dev/vdb"},
                  FakeRuntime(compute=compute, volume=volume))
    plugin.create()
    assert plugin.physical_id is None
    poll(plugin.check_create_complete)
    assert plugin.physical_id == VOLUME_ID
    assert compute.sent("POST", path)[-1] == {"volumeAttachment": {"volumeId": VOLUME_ID,
                                                                   "device": "/dev/vdb"}}
    compute.on("DELETE", f"{path}/{VOLUME_ID}", None)
    volume.on("GET", f"/volumes/{VOLUME_ID}", [
        {"volume": {"status": "detaching", "attachments": [{"server_id": SERVER_ID}]}},
        {"volume": {"status": "available", "attachments": []}}])
    compute.on("GET", f"{path}/{VOLUME_ID}", NOT_FOUND)
    plugin.delete()
    poll(plugin.check_delete_complete)
    assert compute.paths("DELETE") == [f"{path}/{VOLUME_ID}"]


def test_volume_attachment_failure_is_worded_as_heat_does() -> None:
    compute = FakeClient().on("POST", f"/servers/{SERVER_ID}/os-volume_attachments",
                              errors.BadRequest("Invalid volume"))
    plugin = make(cinder.CinderVolumeAttachment, {"instance_uuid": SERVER_ID,
                                                  "volume_id": VOLUME_ID},
                  FakeRuntime(compute=compute))
    with pytest.raises(ResourceFailure) as exc:
        plugin.create()
    assert str(exc.value) == (f"Failed to attach volume {VOLUME_ID} to server {SERVER_ID} - "
                              "Invalid volume")


# -- Glance --------------------------------------------------------------------------------------
def test_web_image() -> None:
    image = FakeClient().on("POST", "/v2/images", {"id": IMAGE_ID})
    image.on("POST", f"/v2/images/{IMAGE_ID}/import", None)
    image.on("PATCH", f"/v2/images/{IMAGE_ID}", {})
    image.on("GET", f"/v2/images/{IMAGE_ID}", [{"status": "importing"}, {"status": "active"}])
    plugin = make(glance.GlanceWebImage, {
        "name": "cirros", "disk_format": "qcow2", "container_format": "bare",
        "location": "http://example.com/cirros.img", "tags": ["a"], "os_distro": "cirros",
        "extra_properties": {"hw_rng_model": "virtio"}}, FakeRuntime(image=image))
    plugin.create()
    body = image.sent("POST", "/v2/images")[0]
    assert body == {"name": "cirros", "min_disk": 0, "min_ram": 0, "protected": False,
                    "disk_format": "qcow2", "container_format": "bare", "tags": ["a"],
                    "os_distro": "cirros", "visibility": "private"}
    assert image.sent("POST", f"/v2/images/{IMAGE_ID}/import") == [
        {"method": {"name": "web-download", "uri": "http://example.com/cirros.img"}}]
    assert image.sent("PATCH", f"/v2/images/{IMAGE_ID}") == [
        [{"op": "add", "path": "/hw_rng_model", "value": "virtio"}]]
    assert poll(plugin.check_create_complete) == 2


def test_web_image_failures() -> None:
    image = FakeClient().on("GET", f"/v2/images/{IMAGE_ID}", {"status": "killed"})
    props = {"disk_format": "qcow2", "container_format": "bare", "location": "http://x"}
    plugin = make(glance.GlanceWebImage, props, FakeRuntime(image=image), IMAGE_ID)
    with pytest.raises(ResourceFailure, match='^Went to status killed due to "Unknown"$'):
        plugin.check_create_complete()
    image.on("GET", f"/v2/images/{IMAGE_ID}", {"status": "queued"})
    image.on("GET", f"/v2/images/{IMAGE_ID}/tasks", {"tasks": [
        {"status": "failure", "message": "Connection refused"}]})
    with pytest.raises(ResourceFailure, match='due to "Connection refused"'):
        plugin.check_create_complete()
    with pytest.raises(ResourceFailure, match="Invalid mix of disk and container formats"):
        make(glance.GlanceWebImage, {**props, "container_format": "ami"}).create()


def test_web_image_update() -> None:
    image = FakeClient().on("PATCH", f"/v2/images/{IMAGE_ID}", {})
    image.on("GET", f"/v2/images/{IMAGE_ID}", {"status": "active", "os_distro": "x"})
    image.on("PUT", f"/v2/images/{IMAGE_ID}/tags/new", None)
    image.on("DELETE", f"/v2/images/{IMAGE_ID}/tags/old", None)
    image.on("POST", f"/v2/images/{IMAGE_ID}/actions/deactivate", None)
    props = {"disk_format": "qcow2", "container_format": "bare", "location": "http://x",
             "tags": ["old"], "os_distro": "x"}
    plugin = make(glance.GlanceWebImage, props, FakeRuntime(image=image), IMAGE_ID)
    plugin.update(typed(glance.GlanceWebImage, {**props, "tags": ["new"], "os_distro": None,
                                                "visibility": "public", "active": False}),
                  {"tags", "os_distro", "visibility", "active"})
    ops = image.sent("PATCH", f"/v2/images/{IMAGE_ID}")[0]
    assert sorted(ops, key=lambda o: o["path"]) == [
        {"op": "remove", "path": "/os_distro"},
        {"op": "replace", "path": "/visibility", "value": "public"}]
    assert image.paths("PUT") == [f"/v2/images/{IMAGE_ID}/tags/new"]
    assert f"/v2/images/{IMAGE_ID}/actions/deactivate" in image.paths("POST")
    with pytest.raises(UpdateReplace):
        plugin.update(typed(glance.GlanceWebImage, {**props, "location": "http://y"}),
                      {"location"})


# -- Swift ---------------------------------------------------------------------------------------
class FakeSession:
    def get_endpoint(self, **kw: Any) -> str:
        return "http://swift.example.com:8080/v1/AUTH_proj"


class FakeObjects(FakeClient):
    def __init__(self) -> None:
        super().__init__()
        self.session = FakeSession()
        self.cloud = type("Cloud", (), {"settings": type("S", (), {"region": "r1"})()})()


def test_container_create_and_attributes() -> None:
    objects = FakeObjects().on("PUT", "/box", None).on("POST", "", None)
    objects.on("HEAD", "/box", FakeResponse(204, {"X-Container-Object-Count": "3",
                                                  "X-Container-Bytes-Used": "10"}))
    plugin = make(swift.SwiftContainer, {"name": "box", "X-Container-Read": ".r:*",
                                         "X-Container-Meta": {"color": "blue"},
                                         "X-Account-Meta": {"owner": "me"}},
                  FakeRuntime(object=objects))
    plugin.create()
    assert plugin.reference() == "box"
    assert objects.calls[0][3]["headers"] == {"X-Container-Meta-color": "blue",
                                              "X-Container-Read": ".r:*"}
    assert objects.calls[1][3]["headers"] == {"X-Account-Meta-owner": "me"}
    assert plugin.attribute("ObjectCount") == 3 and plugin.attribute("BytesUsed") == 10
    assert plugin.attribute("HeadContainer")["x-container-object-count"] == "3"
    assert plugin.attribute("DomainName") == "swift.example.com"
    assert plugin.attribute("RootURL") == "http://swift.example.com:8080/v1/AUTH_proj"
    assert plugin.attribute("WebsiteURL") == "http://swift.example.com:8080/v1/AUTH_proj/box"
    with pytest.raises(UpdateReplace):
        plugin.update(typed(swift.SwiftContainer, {"name": "other"}), {"name"})


def test_container_delete() -> None:
    listing = "/box?format=json&limit=100"
    objects = FakeObjects().on("GET", listing, [[{"name": "a"}]])
    plugin = make(swift.SwiftContainer, {"name": "box"}, FakeRuntime(object=objects), "box")
    with pytest.raises(ResourceFailure) as exc:
        plugin.delete()
    assert str(exc.value) == ("Deleting non-empty container (box) when PurgeOnDelete is False "
                              "is not supported for resource.")
    objects.on("GET", listing, [[{"name": "a/b"}], [{"name": "a/b"}], None])
    objects.on("HEAD", "/box", FakeResponse(204))
    objects.on("DELETE", "/box/a%2Fb", None).on("DELETE", "/box", None)
    plugin = make(swift.SwiftContainer, {"name": "box", "PurgeOnDelete": True},
                  FakeRuntime(object=objects), "box")
    plugin.delete()
    assert poll(plugin.check_delete_complete) == 2
    assert objects.paths("DELETE") == ["/box/a%2Fb", "/box"]


# -- Keystone ------------------------------------------------------------------------------------
def test_project() -> None:
    ident, net = FakeClient(), FakeClient()
    ident.on("GET", "/domains/default", {"domain": {"id": "default"}})
    ident.on("GET", "/projects/parent", NOT_FOUND)
    ident.on("GET", "/projects?name=parent", {"projects": [{"id": "p0", "name": "parent"}]})
    ident.on("POST", "/projects", {"project": {"id": "p1"}})
    ident.on("PATCH", "/projects/p1", {"project": {}})
    ident.on("GET", "/projects/p1", {"project": {"id": "p1", "domain_id": "default"}})
    ident.on("DELETE", "/projects/p1", None)
    net.on("GET", "/v2.0/security-groups?project_id=p1&name=default",
           {"security_groups": [{"id": SG_ID}]})
    net.on("DELETE", f"/v2.0/security-groups/{SG_ID}", None)
    plugin = make(keystone.KeystoneProject, {"name": "demo", "parent": "parent",
                                             "tags": ["x"]},
                  FakeRuntime(identity=ident, network=net))
    plugin.create()
    assert ident.sent("POST", "/projects") == [{"project": {
        "name": "demo", "domain_id": "default", "description": "", "enabled": True,
        "tags": ["x"], "parent_id": "p0"}}]
    assert plugin.attribute("domain_id") == "default"
    plugin.update(typed(keystone.KeystoneProject, {"name": "demo2", "parent": "parent",
                                                   "enabled": False}),
                  {"name", "enabled", "tags"})
    assert ident.sent("PATCH", "/projects/p1") == [{"project": {
        "name": "demo2", "enabled": False, "tags": []}}]
    plugin.delete()
    assert net.paths("DELETE") == [f"/v2.0/security-groups/{SG_ID}"]
    assert ident.paths("DELETE") == ["/projects/p1"]


def test_user_with_groups_and_roles() -> None:
    ident = FakeClient()
    ident.on("GET", "/domains/default", {"domain": {"id": "default"}})
    ident.on("GET", "/groups/admins", {"group": {"id": "g1"}})
    for role, rid in (("member", "r1"), ("reader", "r2")):
        ident.on("GET", f"/roles/{role}", {"role": {"id": rid}})
    ident.on("GET", "/projects/demo", {"project": {"id": "p1"}})
    ident.on("POST", "/users", {"user": {"id": "u1"}})
    for path in ("/groups/g1/users/u1", "/projects/p1/users/u1/roles/r1",
                 "/projects/p1/users/u1/roles/r2"):
        ident.on("PUT", path, None).on("DELETE", path, None)
    plugin = make(keystone.KeystoneUser, {
        "name": "alice", "password": "secret", "groups": ["admins"],
        "roles": [{"role": "member", "project": "demo"}]}, FakeRuntime(identity=ident))
    plugin.create()
    assert ident.sent("POST", "/users") == [{"user": {
        "name": "alice", "domain_id": "default", "description": "", "enabled": True,
        "password": "secret"}}]
    assert ident.paths("PUT") == ["/groups/g1/users/u1", "/projects/p1/users/u1/roles/r1"]
    plugin.update(typed(keystone.KeystoneUser, {
        "name": "alice", "password": "secret", "groups": ["admins"],
        "roles": [{"role": "reader", "project": "demo"}]}), {"roles"})
    assert ident.paths("PUT")[-1] == "/projects/p1/users/u1/roles/r2"
    assert ident.paths("DELETE") == ["/projects/p1/users/u1/roles/r1"]
    with pytest.raises(ResourceFailure, match="Either project or domain must be specified for "
                                              "role member"):
        make(keystone.KeystoneUser, {"roles": [{"role": "member"}]}).create()


def test_role_and_unknown_domain() -> None:
    ident = FakeClient()
    ident.on("GET", "/domains/nowhere", NOT_FOUND)
    ident.on("GET", "/domains?name=nowhere", {"domains": []})
    ident.on("POST", "/roles", {"role": {"id": "r1"}})
    plugin = make(keystone.KeystoneRole, {}, FakeRuntime(identity=ident))
    plugin.create()
    assert ident.sent("POST", "/roles")[0]["role"]["name"].startswith("st-res-")
    with pytest.raises(ResourceFailure) as exc:
        make(keystone.KeystoneRole, {"domain": "nowhere"}, FakeRuntime(identity=ident)).create()
    assert str(exc.value) == "The KeystoneDomain (nowhere) could not be found."
    assert exc.value.kind == "EntityNotFound"


def test_server_addresses_and_consoles() -> None:
    compute, net = FakeClient(), FakeClient()
    compute.on("GET", f"/servers/{SERVER_ID}", {"server": {"status": "ACTIVE",
                                                           "OS-EXT-SRV-ATTR:instance_name":
                                                           "instance-1"}})
    net.on("GET", f"/v2.0/ports?device_id={SERVER_ID}", {"ports": [{
        "id": PORT_ID, "network_id": NET_ID, "mac_address": "fa:16:3e:00:00:01",
        "fixed_ips": [{"subnet_id": SUBNET_ID, "ip_address": "10.0.0.9"}]}]})
    net.on("GET", f"/v2.0/networks/{NET_ID}", {"network": {"id": NET_ID, "name": "private"}})
    net.on("GET", f"/v2.0/subnets/{SUBNET_ID}", {"subnet": {"id": SUBNET_ID}})
    net.on("GET", "/v2.0/floatingips?fixed_ip_address=10.0.0.9", {"floatingips": [
        {"floating_ip_address": "172.24.4.10"}]})
    compute.on("POST", f"/servers/{SERVER_ID}/remote-consoles",
               lambda body: {"remote_console": {"url": f"http://console/{body['remote_console']['type']}"}}
               if body["remote_console"]["type"] == "novnc" else errors.BadRequest("Unavailable"))
    plugin = make(nova_server.Server, {"image": IMAGE_ID, "flavor": "1"},
                  FakeRuntime(compute=compute, network=net), SERVER_ID)
    addresses = plugin.attribute("addresses")
    assert addresses["private"] is addresses[NET_ID] or addresses["private"] == addresses[NET_ID]
    floating, fixed = addresses["private"]
    assert floating == {"addr": "172.24.4.10", "version": 4, "OS-EXT-IPS:type": "floating",
                        "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:01", "port": None}
    assert fixed["port"] == PORT_ID and fixed["subnets"] == [{"id": SUBNET_ID}]
    assert plugin.attribute("instance_name") == "instance-1"
    consoles = plugin.attribute("console_urls")
    assert consoles["novnc"] == "http://console/novnc"
    assert consoles["serial"] == "Cannot get console url: Unavailable"


def test_implicit_dependencies_heat_adds() -> None:
    from nimbus.orchestration.resources.implicit_deps import implicit_needs

    net = {"get_resource": "net"}
    types = {"net": "OS::Neutron::Net", "subnet": "OS::Neutron::Subnet",
             "other_subnet": "OS::Neutron::Subnet", "port": "OS::Neutron::Port",
             "server": "OS::Nova::Server", "router": "OS::Neutron::Router",
             "iface": "OS::Neutron::RouterInterface", "fip": "OS::Neutron::FloatingIP"}
    props = {"subnet": {"network": net, "cidr": "10.0.0.0/24"},
             "other_subnet": {"network": "elsewhere"},
             "port": {"network": net},
             "server": {"networks": [{"port": {"get_resource": "port"}}]},
             "router": {"external_gateway_info": {"network": "public"}},
             "iface": {"router": {"get_resource": "router"},
                       "subnet": {"get_resource": "subnet"}},
             "fip": {"floating_network": "public", "port_id": {"get_resource": "port"}}}
    needs = {"net": set(), "subnet": {"net"}, "other_subnet": set(), "port": {"net"},
             "server": {"port"}, "router": set(), "iface": {"router", "subnet"},
             "fip": {"port"}}
    extra = implicit_needs(types, props, needs)
    assert extra["port"] == {"subnet"}
    # A server whose nic names no network waits for every subnet.
    assert extra["server"] == {"subnet", "other_subnet"}
    assert extra["fip"] == {"router", "iface"}
    assert "router" not in extra
