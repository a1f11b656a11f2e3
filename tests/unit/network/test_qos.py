"""QoS policies and rules (Neutron's ``qos`` extensions): who may do what, the rules' limits
and conflicts, and a policy on ports and networks."""

from __future__ import annotations

from typing import Any

from tests.support.personas import PROJECT
from tests.unit.network.conftest import Net

COVERS = [("network", "QoS policies: create, list, show, update, delete (409 while a port or "
                      "network uses it); shared ones visible to every project; admin only "
                      "for changes"),
          ("network", "QoS rules: bandwidth limit, DSCP marking, minimum bandwidth and "
                      "minimum packet rate, one per type and direction; rule types"),
          ("network", "qos_policy_id on ports and networks: set, shown, cleared; another "
                      "project's unshared policy is not found")]

BASE = "/v2.0/qos/policies"


def _fault(resp: Any) -> str:
    return str(resp.json()["NeutronError"]["type"])


def _policy(net: Net, **attrs: Any) -> dict[str, Any]:
    resp = net.as_("admin").post(BASE, json={"policy": {"name": "p", **attrs}})
    assert resp.status_code == 201, resp.text
    return resp.json()["policy"]  # type: ignore[no-any-return]


def test_only_admins_change_policies_and_projects_see_shared_ones(net: Net) -> None:
    member = net.as_("member")
    assert member.post(BASE, json={"policy": {"name": "mine"}}).status_code == 403
    private = _policy(net, name="private")
    shared = _policy(net, name="shared", shared=True, description="for all")
    assert shared["shared"] and shared["rules"] == [] and not shared["is_default"]
    names = {p["name"] for p in member.get(BASE).json()["policies"]}
    assert "shared" in names and "private" not in names
    assert member.get(f"{BASE}/{private['id']}").status_code == 404
    missing = member.get(f"{BASE}/{private['id']}")
    assert _fault(missing) == "QosPolicyNotFound"
    assert member.put(f"{BASE}/{shared['id']}", json={"policy": {"name": "x"}}).status_code \
        == 403
    assert member.delete(f"{BASE}/{shared['id']}").status_code == 403
    admin = net.as_("admin")
    renamed = admin.put(f"{BASE}/{shared['id']}", json={"policy": {"name": "renamed"}})
    assert renamed.status_code == 200 and renamed.json()["policy"]["name"] == "renamed"
    assert admin.get(BASE, params={"name": "renamed"}).json()["policies"][0]["id"] \
        == shared["id"]
    assert admin.delete(f"{BASE}/{private['id']}").status_code == 204
    assert admin.get(f"{BASE}/{private['id']}").status_code == 404
    # A project's own policy: its members and readers see it, another project does not.
    theirs = _policy(net, name="theirs", project_id=PROJECT)
    assert member.get(f"{BASE}/{theirs['id']}").status_code == 200
    assert net.as_("reader").get(f"{BASE}/{theirs['id']}").status_code == 200
    assert net.as_("other").get(f"{BASE}/{theirs['id']}").status_code == 404
    assert theirs["id"] not in {p["id"] for p in net.as_("other").get(BASE).json()["policies"]}


def test_rules_of_each_type_one_per_direction(net: Net) -> None:
    admin = net.as_("admin")
    policy = _policy(net, shared=True)
    url = f"{BASE}/{policy['id']}"
    made = admin.post(f"{url}/bandwidth_limit_rules",
                      json={"bandwidth_limit_rule": {"max_kbps": 1000}})
    assert made.status_code == 201, made.text
    rule = made.json()["bandwidth_limit_rule"]
    assert rule["direction"] == "egress" and rule["max_burst_kbps"] == 0
    again = admin.post(f"{url}/bandwidth_limit_rules",
                       json={"bandwidth_limit_rule": {"max_kbps": 5}})
    assert again.status_code == 409 and _fault(again) == "QoSRulesConflict"
    ingress = admin.post(f"{url}/bandwidth_limit_rules",
                         json={"bandwidth_limit_rule": {"max_kbps": 5, "direction": "ingress"}})
    assert ingress.status_code == 201, ingress.text
    assert admin.post(f"{url}/minimum_bandwidth_rules", json={
        "minimum_bandwidth_rule": {"min_kbps": 100, "direction": "ingress"}}).status_code == 201
    assert admin.post(f"{url}/dscp_marking_rules",
                      json={"dscp_marking_rule": {"dscp_mark": 26}}).status_code == 201
    bad_mark = admin.post(f"{url}/dscp_marking_rules",
                          json={"dscp_marking_rule": {"dscp_mark": 7}})
    assert bad_mark.status_code == 400 and "dscp_mark" in bad_mark.text
    assert admin.post(f"{url}/minimum_packet_rate_rules", json={
        "minimum_packet_rate_rule": {"min_kpps": 10, "direction": "any"}}).status_code == 201
    clash = admin.post(f"{url}/minimum_packet_rate_rules", json={
        "minimum_packet_rate_rule": {"min_kpps": 10, "direction": "ingress"}})
    assert clash.status_code == 409
    negative = admin.post(f"{url}/minimum_bandwidth_rules",
                          json={"minimum_bandwidth_rule": {"min_kbps": -1}})
    assert negative.status_code == 400 and "min_kbps" in negative.text
    shown = net.as_("member").get(url).json()["policy"]
    assert sorted(r["type"] for r in shown["rules"]) == [
        "bandwidth_limit", "bandwidth_limit", "dscp_marking", "minimum_bandwidth",
        "minimum_packet_rate"]
    assert all(r["qos_policy_id"] == policy["id"] for r in shown["rules"])
    rule_url = f"{url}/bandwidth_limit_rules/{rule['id']}"
    changed = admin.put(rule_url, json={"bandwidth_limit_rule": {"max_kbps": 2000}})
    assert changed.status_code == 200 and changed.json()["bandwidth_limit_rule"]["max_kbps"] \
        == 2000
    turned = admin.put(rule_url, json={"bandwidth_limit_rule": {"direction": "ingress"}})
    assert turned.status_code == 409
    assert net.as_("member").put(rule_url, json={
        "bandwidth_limit_rule": {"max_kbps": 1}}).status_code == 403
    assert admin.delete(rule_url).status_code == 204
    gone = admin.get(rule_url)
    assert gone.status_code == 404 and _fault(gone) == "QosRuleNotFound"
    listed = admin.get(f"{url}/bandwidth_limit_rules").json()["bandwidth_limit_rules"]
    assert [r["direction"] for r in listed] == ["ingress"]
    types = {t["type"] for t in net.as_("reader").get("/v2.0/qos/rule-types")
             .json()["rule_types"]}
    assert types == {"bandwidth_limit", "dscp_marking", "minimum_bandwidth",
                     "minimum_packet_rate"}
    detail = admin.get("/v2.0/qos/rule-types/minimum_bandwidth").json()["rule_type"]
    assert {p["parameter_name"] for p in detail["drivers"][0]["supported_parameters"]} == {
        "min_kbps", "direction"}
    assert admin.get("/v2.0/qos/rule-types/nonsense").status_code == 404


def test_ports_and_networks_take_a_policy_which_then_cannot_go(net: Net) -> None:
    admin, member = net.as_("admin"), net.as_("member")
    shared = _policy(net, shared=True)
    private = _policy(net, name="admins-own")
    network = net.network(qos_policy_id=shared["id"])
    assert network["qos_policy_id"] == shared["id"]
    net.subnet(network["id"])
    port = net.port(network["id"], qos_policy_id=shared["id"])
    assert port["qos_policy_id"] == shared["id"]
    refused = admin.delete(f"{BASE}/{shared['id']}")
    assert refused.status_code == 409 and _fault(refused) == "QosPolicyInUse"
    not_theirs = member.post("/v2.0/ports", json={"port": {
        "network_id": network["id"], "qos_policy_id": private["id"]}})
    assert not_theirs.status_code == 404 and _fault(not_theirs) == "QosPolicyNotFound"
    cleared = member.put(f"/v2.0/ports/{port['id']}", json={"port": {"qos_policy_id": None}})
    assert cleared.status_code == 200 and cleared.json()["port"]["qos_policy_id"] is None
    member.put(f"/v2.0/networks/{network['id']}", json={"network": {"qos_policy_id": None}})
    assert admin.delete(f"{BASE}/{shared['id']}").status_code == 204


def test_a_projects_default_policy_goes_to_its_new_networks(net: Net) -> None:
    default = _policy(net, name="default-one", project_id=PROJECT, is_default=True)
    second = net.as_("admin").post(BASE, json={"policy": {
        "name": "another", "project_id": PROJECT, "is_default": True}})
    assert second.status_code == 409 and _fault(second) == "QoSPolicyDefaultAlreadyExists"
    assert net.network()["qos_policy_id"] == default["id"]
    assert net.network(qos_policy_id=None)["qos_policy_id"] is None
