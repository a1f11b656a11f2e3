"""RBAC policies (Neutron's ``rbac-policies``): an owner opens its network, QoS policy, subnet
pool or address scope to one other project, which then sees and uses it; a grant in use is not
taken back; every project (``*``) is an admin's grant; nobody else learns of the policy."""

from __future__ import annotations

from typing import Any

from tests.support.personas import ADMIN_PROJECT, OTHER_PROJECT, PROJECT
from tests.unit.network.conftest import Net

COVERS = [("network", "RBAC policies: access_as_shared for networks, QoS policies, subnet "
                      "pools and address scopes, access_as_external for networks; the target "
                      "sees and uses the object, a grant in use stays (409), * for admins "
                      "only, others' policies are 404"),
          ("network", "RBAC policies: access_as_shared for security groups; the target sees "
                      "the group (shared), puts its ports in it, cannot change it (403); the "
                      "grant stays while its ports use it, and so does the group")]

BASE = "/v2.0/rbac-policies"


def _fault(resp: Any) -> str:
    return str(resp.json()["NeutronError"]["type"])


def _grant(net: Net, persona: str, object_type: str, object_id: str,
           target: str = OTHER_PROJECT, action: str = "access_as_shared") -> Any:
    return net.as_(persona).post(BASE, json={"rbac_policy": {
        "object_type": object_type, "object_id": object_id, "action": action,
        "target_tenant": target}})


def test_a_network_shared_with_one_project(net: Net) -> None:
    network = net.network(name="lab")
    subnet = net.subnet(network["id"])
    other = net.as_("other")
    assert other.get(f"/v2.0/networks/{network['id']}").status_code == 404
    resp = _grant(net, "member", "network", network["id"])
    assert resp.status_code == 201, resp.text
    policy = resp.json()["rbac_policy"]
    assert policy["target_tenant"] == OTHER_PROJECT and policy["project_id"] == PROJECT
    assert _grant(net, "member", "network", network["id"]).status_code == 409
    shown = other.get(f"/v2.0/networks/{network['id']}")
    assert shown.status_code == 200 and shown.json()["network"]["shared"] is True
    assert network["id"] in {n["id"] for n in other.get("/v2.0/networks").json()["networks"]}
    assert other.get(f"/v2.0/subnets/{subnet['id']}").status_code == 200
    port = net.port(network["id"], "other")
    # The owner's own view is unchanged; the third project still sees nothing of it.
    assert net.as_("member").get(f"/v2.0/networks/{network['id']}").json()["network"][
        "shared"] is False
    assert other.get(f"{BASE}/{policy['id']}").status_code == 404
    assert other.delete(f"{BASE}/{policy['id']}").status_code == 404
    in_use = net.as_("member").delete(f"{BASE}/{policy['id']}")
    assert in_use.status_code == 409 and _fault(in_use) == "RbacPolicyInUse"
    assert other.delete(f"/v2.0/ports/{port['id']}").status_code == 204
    assert net.as_("member").delete(f"{BASE}/{policy['id']}").status_code == 204
    assert other.get(f"/v2.0/networks/{network['id']}").status_code == 404
    # The grants on an object go with it.
    assert _grant(net, "member", "network", network["id"]).status_code == 201
    assert net.as_("member").delete(f"/v2.0/networks/{network['id']}").status_code == 204
    assert net.as_("member").get(BASE).json()["rbac_policies"] == []


def test_only_owners_grant_and_only_admins_grant_everyone(net: Net) -> None:
    network = net.network()
    resp = _grant(net, "other", "network", network["id"], target=OTHER_PROJECT)
    assert resp.status_code == 404 and _fault(resp) == "NetworkNotFound"
    assert _grant(net, "reader", "network", network["id"]).status_code == 403
    resp = _grant(net, "member", "network", network["id"], target="*")
    assert resp.status_code == 403
    assert _grant(net, "admin", "network", network["id"], target="*").status_code == 201
    assert net.as_("other").get(f"/v2.0/networks/{network['id']}").status_code == 200
    for bad in ({"object_type": "router"}, {"action": "access_as_admin"},
                {"object_type": "qos_policy", "action": "access_as_external"}):
        body = {"object_type": "network", "object_id": network["id"],
                "action": "access_as_shared", "target_tenant": OTHER_PROJECT, **bad}
        resp = net.as_("member").post(BASE, json={"rbac_policy": body})
        assert resp.status_code in (400, 404), (bad, resp.text)
    mine = net.as_("member").get(BASE).json()["rbac_policies"]
    assert mine == []  # the admin's grant is the admin project's


def test_a_grant_moves_to_another_project(net: Net) -> None:
    network = net.network()
    policy = _grant(net, "member", "network", network["id"], target=ADMIN_PROJECT).json()[
        "rbac_policy"]
    assert net.as_("other").get(f"/v2.0/networks/{network['id']}").status_code == 404
    moved = net.as_("member").put(f"{BASE}/{policy['id']}", json={"rbac_policy": {
        "target_tenant": OTHER_PROJECT}})
    assert moved.status_code == 200 and moved.json()["rbac_policy"]["target_tenant"] \
        == OTHER_PROJECT
    assert net.as_("other").get(f"/v2.0/networks/{network['id']}").status_code == 200
    assert net.as_("member").put(f"{BASE}/{policy['id']}", json={"rbac_policy": {
        "object_id": "x"}}).status_code == 400


def test_qos_policies_pools_and_scopes_shared_with_one_project(net: Net) -> None:
    qos = net.as_("admin").post("/v2.0/qos/policies", json={"policy": {
        "name": "gold", "project_id": PROJECT}}).json()["policy"]
    other = net.as_("other")
    assert other.get(f"/v2.0/qos/policies/{qos['id']}").status_code == 404
    assert _grant(net, "member", "qos_policy", qos["id"]).status_code == 201
    assert other.get(f"/v2.0/qos/policies/{qos['id']}").json()["policy"]["shared"] is True
    theirs = net.network("other")
    net.port(theirs["id"], "other", qos_policy_id=qos["id"])
    scope = net.as_("member").post("/v2.0/address-scopes", json={"address_scope": {
        "name": "s", "ip_version": 4}}).json()["address_scope"]
    pool = net.as_("member").post("/v2.0/subnetpools", json={"subnetpool": {
        "name": "p", "prefixes": ["10.77.0.0/16"], "default_prefixlen": 24}}).json()[
        "subnetpool"]
    assert _grant(net, "member", "address_scope", scope["id"]).status_code == 201
    assert _grant(net, "member", "subnetpool", pool["id"]).status_code == 201
    assert other.get(f"/v2.0/address-scopes/{scope['id']}").status_code == 200
    made = other.post("/v2.0/subnets", json={"subnet": {
        "network_id": theirs["id"], "ip_version": 4, "subnetpool_id": pool["id"]}})
    assert made.status_code == 201, made.text
    assert made.json()["subnet"]["cidr"] == "10.77.0.0/24"
    # The target may use them, never change them.
    assert other.put(f"/v2.0/subnetpools/{pool['id']}", json={"subnetpool": {
        "name": "mine"}}).status_code == 403


def test_an_external_network_for_one_project(net: Net) -> None:
    network = net.network("admin", name="ext-lab")
    net.subnet(network["id"], "172.30.0.0/24", "admin", enable_dhcp=False)
    other = net.as_("other")
    body = {"floatingip": {"floating_network_id": network["id"]}}
    assert other.post("/v2.0/floatingips", json=body).status_code == 404
    assert _grant(net, "admin", "network", network["id"],
                  action="access_as_external").status_code == 201
    made = other.post("/v2.0/floatingips", json=body)
    assert made.status_code == 201, made.text
    # Another project it was not granted to still cannot.
    assert net.as_("member").post("/v2.0/floatingips", json=body).status_code == 404


def test_a_security_group_shared_with_one_project(net: Net) -> None:
    owner, other = net.as_("member"), net.as_("other")
    group = owner.post("/v2.0/security-groups", json={"security_group": {
        "name": "web"}}).json()["security_group"]
    path = f"/v2.0/security-groups/{group['id']}"
    mine = net.network("other")
    net.subnet(mine["id"], "10.5.0.0/24", "other")
    refused = other.post("/v2.0/ports", json={"port": {"network_id": mine["id"],
                                                       "security_groups": [group["id"]]}})
    assert refused.status_code == 404 and other.get(path).status_code == 404
    policy = _grant(net, "member", "security_group", group["id"])
    assert policy.status_code == 201, policy.text
    shown = other.get(path)
    assert shown.status_code == 200 and shown.json()["security_group"]["shared"] is True
    listed = other.get("/v2.0/security-groups").json()["security_groups"]
    assert group["id"] in {g["id"] for g in listed}
    # The owner sees its own group as not shared, as Neutron shows it.
    assert owner.get(path).json()["security_group"]["shared"] is False
    port = other.post("/v2.0/ports", json={"port": {"network_id": mine["id"],
                                                    "security_groups": [group["id"]]}})
    assert port.status_code == 201, port.text
    # Seen, not changed: the target may not rename or delete it.
    assert other.put(path, json={"security_group": {"name": "x"}}).status_code == 403
    assert other.delete(path).status_code == 403
    # In use by the target's port: neither the grant nor the group goes.
    policy_path = f"{BASE}/{policy.json()['rbac_policy']['id']}"
    assert owner.delete(policy_path).status_code == 409
    assert owner.delete(path).status_code == 409
    assert other.delete(f"/v2.0/ports/{port.json()['port']['id']}").status_code == 204
    assert owner.delete(policy_path).status_code == 204
    assert other.get(path).status_code == 404
