"""Address groups (Neutron's ``address-group``, ``security-groups-remote-address-group`` and
``rbac-address-group``): the group and its addresses, rules whose remote end it is, sharing it
with one project, who may do what, and the nftables lines its prefixes become."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.network.agent import topology as agent_topology
from nimbus.network.drivers.linux.firewall import Filtered, rule_line, ruleset
from nimbus.network.drivers.linux.model import PortRec, RuleRec
from tests.support.personas import ADMIN_PROJECT, OTHER_PROJECT, PROJECT
from tests.unit.network.conftest import Net

COVERS = [("network", "address groups: create (bulk too), list with filters/sort/paging/"
                      "fields, show, update, delete (409 while a rule names it), "
                      "add_addresses/remove_addresses normalised as Neutron does"),
          ("network", "security group rules: remote_address_group_id, exclusive with the other "
                      "remote ends, 404 for a group not seen; the nft rule matches the group's "
                      "prefixes of its family"),
          ("network", "address groups: shared with one project by RBAC, used in its rules; "
                      "admin, member, reader and another project each as Neutron allows")]

BASE = "/v2.0/address-groups"
RULES = "/v2.0/security-group-rules"
SHOWN = {"id", "name", "description", "project_id", "tenant_id", "addresses", "created_at",
         "updated_at", "revision_number"}


def _fault(resp: Any) -> str:
    return str(resp.json()["NeutronError"]["type"])


def _group(net: Net, persona: str = "member", **attrs: Any) -> dict[str, Any]:
    resp = net.as_(persona).post(BASE, json={"address_group": {"name": "ag", **attrs}})
    assert resp.status_code == 201, resp.text
    return resp.json()["address_group"]  # type: ignore[no-any-return]


def _sg(net: Net, persona: str = "member") -> dict[str, Any]:
    resp = net.as_(persona).post("/v2.0/security-groups",
                                 json={"security_group": {"name": "web"}})
    assert resp.status_code == 201, resp.text
    return resp.json()["security_group"]  # type: ignore[no-any-return]


def _rule(net: Net, group_id: str, persona: str = "member", **attrs: Any) -> Any:
    return net.as_(persona).post(RULES, json={"security_group_rule": {
        "security_group_id": group_id, "direction": "ingress", **attrs}})


def _grant(net: Net, group_id: str, persona: str = "member") -> Any:
    return net.as_(persona).post("/v2.0/rbac-policies", json={"rbac_policy": {
        "object_type": "address_group", "object_id": group_id,
        "action": "access_as_shared", "target_tenant": OTHER_PROJECT}})


def test_address_group_lifecycle_and_addresses(net: Net) -> None:
    member = net.as_("member")
    group = _group(net, description="web tier",
                   addresses=["10.0.1.34/24", "2001:DB8::1/64", "192.0.2.7/32"])
    assert set(group) == SHOWN
    assert group["project_id"] == group["tenant_id"] == PROJECT
    # Kept as the networks they name, in Neutron's order (the text of each).
    assert group["addresses"] == ["10.0.1.0/24", "192.0.2.7/32", "2001:db8::/64"]
    # Made, then given its addresses: one change, as in Neutron.
    assert group["revision_number"] == 1
    path = f"{BASE}/{group['id']}"
    assert member.get(path).json()["address_group"] == group
    assert member.get(f"{path}?fields=addresses").json() == {
        "address_group": {"addresses": group["addresses"]}}

    renamed = member.put(path, json={"address_group": {"name": "web", "description": ""}})
    assert renamed.status_code == 200, renamed.text
    shown = renamed.json()["address_group"]
    assert (shown["name"], shown["description"], shown["revision_number"]) == ("web", "", 2)
    resp = member.put(path, json={"address_group": {"addresses": []}})
    assert resp.status_code == 400 and "addresses" in resp.text

    # A bare address is the host's prefix; host bits are dropped; one add, one revision.
    added = member.put(f"{path}/add_addresses", json={"addresses": [
        "198.51.100.9", "203.0.113.77/24", "203.0.113.1/24"]})
    assert added.status_code == 200, added.text
    body = added.json()["address_group"]
    assert body["addresses"] == ["10.0.1.0/24", "192.0.2.7/32", "198.51.100.9/32",
                                 "2001:db8::/64", "203.0.113.0/24"]
    assert body["revision_number"] == 3
    again = member.put(f"{path}/add_addresses", json={"addresses": ["10.0.1.99/24",
                                                                    "10.9.0.0/16"]})
    assert again.status_code == 400 and _fault(again) == "AddressesAlreadyExist"
    assert "['10.0.1.0/24']" in again.json()["NeutronError"]["message"]
    # Refused whole: the new one was not added either.
    assert "10.9.0.0/16" not in member.get(path).json()["address_group"]["addresses"]
    missing = member.put(f"{path}/remove_addresses", json={"addresses": ["10.0.1.0/24",
                                                                         "172.16.0.0/12"]})
    assert missing.status_code == 404 and _fault(missing) == "AddressesNotFound"
    assert "['172.16.0.0/12']" in missing.json()["NeutronError"]["message"]
    removed = member.put(f"{path}/remove_addresses", json={"addresses": [
        "10.0.1.7/24", "2001:db8::/64"]})
    assert removed.status_code == 200, removed.text
    assert removed.json()["address_group"]["addresses"] == [
        "192.0.2.7/32", "198.51.100.9/32", "203.0.113.0/24"]
    bad = member.put(f"{path}/add_addresses", json={"addresses": ["nowhere"]})
    assert bad.status_code == 400 and _fault(bad) == "HTTPBadRequest"
    assert member.put(f"{path}/add_addresses", json={}).status_code == 400

    assert member.delete(path).status_code == 204
    gone = member.get(path)
    assert gone.status_code == 404 and _fault(gone) == "AddressGroupNotFound"
    assert member.put(f"{path}/add_addresses", json={"addresses": []}).status_code == 404


def test_create_checks_addresses_as_neutron_does(net: Net) -> None:
    member = net.as_("member")
    for addresses, reason in ((["10.0.0.1"], "'10.0.0.1' is not a valid IP subnet"),
                              (["10.0.0.0/33"], "'10.0.0.0/33' is not a valid IP subnet"),
                              (["10.0.0.0/24", "10.0.0.0/24"], "Duplicate items in the list"),
                              (["10.0.0.0 /24"], "is not a valid IP subnet")):
        resp = member.post(BASE, json={"address_group": {"name": "x", "addresses": addresses}})
        assert resp.status_code == 400, (addresses, resp.text)
        assert reason in resp.json()["NeutronError"]["message"], resp.text
    resp = member.post(BASE, json={"address_group": {"name": "x", "shared": True}})
    assert resp.status_code == 400 and "shared" in resp.text
    # Two spellings of one network are one address; a null is none.
    one = _group(net, addresses=["10.0.0.1/24", "10.0.0.2/24"])
    assert one["addresses"] == ["10.0.0.0/24"]
    assert _group(net, addresses=None)["addresses"] == []
    made = member.post(BASE, json={"address_groups": [{"name": "a"}, {"name": "b"}]})
    assert made.status_code == 201, made.text
    assert [g["name"] for g in made.json()["address_groups"]] == ["a", "b"]


def test_lists_filter_sort_and_page(net: Net) -> None:
    for name in ("c", "a", "b"):
        _group(net, name=name, description=f"about {name}")
    member = net.as_("member")
    names = [g["name"] for g in member.get(f"{BASE}?sort_key=name&sort_dir=desc").json()[
        "address_groups"]]
    assert names == ["c", "b", "a"]
    found = member.get(f"{BASE}?name=a&name=b&fields=name&fields=id").json()["address_groups"]
    assert sorted(g["name"] for g in found) == ["a", "b"] and set(found[0]) == {"id", "name"}
    assert [g["name"] for g in member.get(f"{BASE}?description=about%20c").json()[
        "address_groups"]] == ["c"]
    page = member.get(f"{BASE}?limit=2&sort_key=name").json()
    assert [g["name"] for g in page["address_groups"]] == ["a", "b"]
    assert page["address_groups_links"][0]["rel"] == "next"
    # Another project's groups are in nobody else's list; an admin sees every project's.
    _group(net, "other", name="theirs")
    assert "theirs" not in {g["name"] for g in member.get(BASE).json()["address_groups"]}
    everything = net.as_("admin").get(f"{BASE}?project_id={OTHER_PROJECT}").json()
    assert [g["name"] for g in everything["address_groups"]] == ["theirs"]


def test_rules_name_a_remote_address_group(net: Net) -> None:
    sg = _sg(net)
    group = _group(net, addresses=["192.0.2.0/24"])
    made = _rule(net, sg["id"], protocol="tcp", port_range_min=443, port_range_max=443,
                 remote_address_group_id=group["id"])
    assert made.status_code == 201, made.text
    rule = made.json()["security_group_rule"]
    assert rule["remote_address_group_id"] == group["id"]
    assert rule["remote_ip_prefix"] is None and rule["remote_group_id"] is None
    # Every rule shows the attribute, null when unset; a list filters by it.
    plain = _rule(net, sg["id"], protocol="udp").json()["security_group_rule"]
    assert plain["remote_address_group_id"] is None
    member = net.as_("member")
    assert [r["id"] for r in member.get(
        f"{RULES}?remote_address_group_id={group['id']}").json()["security_group_rules"]] == [
        rule["id"]]
    shown_group = member.get(f"/v2.0/security-groups/{sg['id']}").json()["security_group"]
    assert rule["id"] in {r["id"] for r in shown_group["security_group_rules"]}
    duplicate = _rule(net, sg["id"], protocol="tcp", port_range_min=443, port_range_max=443,
                      remote_address_group_id=group["id"])
    assert duplicate.status_code == 409 and _fault(duplicate) == "SecurityGroupRuleExists"
    for other_remote in ({"remote_ip_prefix": "10.0.0.0/8"}, {"remote_group_id": sg["id"]}):
        resp = _rule(net, sg["id"], remote_address_group_id=group["id"], **other_remote)
        assert resp.status_code == 400 and _fault(resp) == "SecurityGroupMultipleRemoteEntites"
    both = _rule(net, sg["id"], remote_ip_prefix="10.0.0.0/8", remote_group_id=sg["id"])
    assert _fault(both) == "SecurityGroupMultipleRemoteEntites"
    for unknown in ("00000000-0000-0000-0000-000000000009", "not-a-uuid",
                    _group(net, "other")["id"]):
        resp = _rule(net, sg["id"], remote_address_group_id=unknown)
        assert resp.status_code == 404 and _fault(resp) == "AddressGroupNotFound", resp.text

    # A group a rule names stays; changing its prefixes applies the rule's group again.
    in_use = member.delete(f"{BASE}/{group['id']}")
    assert in_use.status_code == 409 and _fault(in_use) == "AddressGroupInUse"
    driver = net.cloud.runtimes["network"].state.driver
    before = driver.calls.count(("sync_security_group", sg["id"]))
    member.put(f"{BASE}/{group['id']}/add_addresses", json={"addresses": ["198.51.100.0/24"]})
    assert driver.calls.count(("sync_security_group", sg["id"])) == before + 1
    top = agent_topology.read(net.cloud.db)
    assert top.address_groups[group["id"]] == ("192.0.2.0/24", "198.51.100.0/24")
    assert [r.remote_address_group_id for r in top.rules if r.port_min == 443] == [group["id"]]
    assert member.delete(f"{RULES}/{rule['id']}").status_code == 204
    assert member.delete(f"{BASE}/{group['id']}").status_code == 204


def test_a_group_shared_with_one_project(net: Net) -> None:
    group = _group(net, addresses=["203.0.113.0/24"])
    other = net.as_("other")
    path = f"{BASE}/{group['id']}"
    assert other.get(path).status_code == 404
    assert _grant(net, group["id"], "other").status_code == 404
    resp = _grant(net, group["id"])
    assert resp.status_code == 201, resp.text
    policy = resp.json()["rbac_policy"]
    shown = other.get(path)
    assert shown.status_code == 200 and set(shown.json()["address_group"]) == SHOWN
    assert group["id"] in {g["id"] for g in other.get(BASE).json()["address_groups"]}
    # The target reads and uses it, never changes it.
    assert other.put(path, json={"address_group": {"name": "mine"}}).status_code == 403
    assert other.put(f"{path}/add_addresses", json={"addresses": ["10.0.0.0/8"]}
                     ).status_code == 403
    assert other.delete(path).status_code == 403
    theirs = _sg(net, "other")
    rule = _rule(net, theirs["id"], "other", remote_address_group_id=group["id"])
    assert rule.status_code == 201, rule.text
    in_use = net.as_("member").delete(f"/v2.0/rbac-policies/{policy['id']}")
    assert in_use.status_code == 409 and _fault(in_use) == "RbacPolicyInUse"
    rule_id = rule.json()["security_group_rule"]["id"]
    assert other.delete(f"{RULES}/{rule_id}").status_code == 204
    assert net.as_("member").delete(f"/v2.0/rbac-policies/{policy['id']}").status_code == 204
    assert other.get(path).status_code == 404
    # The grants on a group go with it.
    assert _grant(net, group["id"]).status_code == 201
    assert net.as_("member").delete(path).status_code == 204
    assert net.as_("member").get("/v2.0/rbac-policies").json()["rbac_policies"] == []


@pytest.mark.parametrize("persona", ["admin", "member", "reader", "other"])
def test_address_group_protection(net: Net, persona: str) -> None:
    group = _group(net, addresses=["10.1.0.0/16"])
    api = net.as_(persona)
    path = f"{BASE}/{group['id']}"
    write = {"admin": 200, "member": 200, "reader": 403, "other": 404}[persona]
    read = 404 if persona == "other" else 200
    assert api.get(path).status_code == read
    assert (group["id"] in {g["id"] for g in api.get(BASE).json()["address_groups"]}) == (
        read == 200)
    assert api.put(path, json={"address_group": {"name": "x"}}).status_code == write
    assert api.put(f"{path}/add_addresses", json={"addresses": ["10.2.0.0/16"]}
                   ).status_code == write
    assert api.put(f"{path}/remove_addresses", json={"addresses": ["10.2.0.0/16"]}
                   ).status_code == write
    created = api.post(BASE, json={"address_group": {"name": "own"}})
    assert created.status_code == (403 if persona == "reader" else 201)
    # Only an admin makes one for another project.
    for_member = api.post(BASE, json={"address_group": {"name": "theirs",
                                                        "project_id": PROJECT}})
    assert for_member.status_code == {"admin": 201, "member": 201, "reader": 403,
                                      "other": 403}[persona]
    assert api.delete(path).status_code == (204 if write == 200 else write)
    assert net.as_("admin").get(path).status_code == (404 if write == 200 else 200)
    if persona == "admin":
        made = created.json()["address_group"]
        assert made["project_id"] == ADMIN_PROJECT


def _guest() -> PortRec:
    return PortRec("p-guest-0000-0000", "p", "n", "fa:16:3e:00:00:01", "compute:nova", "vm",
                   "h", True, "ACTIVE", "tap", True, ("g1",), (), (),
                   (("s4", "10.0.0.5"), ("s6", "2001:db8:9::5")))


def test_an_address_group_rule_matches_exactly_its_prefixes() -> None:
    prefixes = ("192.0.2.0/24", "198.51.100.7/32", "2001:db8::/64")
    ingress = RuleRec("g1", "ingress", "IPv4", "tcp", 22, 22, None, None, "ag1")
    assert rule_line(ingress, prefixes) == (
        "meta nfproto ipv4 ip saddr { 192.0.2.0/24, 198.51.100.7/32 } tcp dport 22 return")
    egress6 = RuleRec("g1", "egress", "IPv6", None, None, None, None, None, "ag1")
    assert rule_line(egress6, prefixes) == "meta nfproto ipv6 ip6 daddr { 2001:db8::/64 } return"
    # No prefix of the rule's family: the rule allows nothing; one of every address: all.
    assert rule_line(egress6, ("192.0.2.0/24",)) is None
    assert rule_line(ingress, ()) is None
    assert rule_line(ingress, ("0.0.0.0/0", "10.0.0.0/8")) == (
        "meta nfproto ipv4 tcp dport 22 return")
    # Overlapping prefixes are merged into the set's intervals: the same addresses.
    assert rule_line(ingress, ("10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/9")) == (
        "meta nfproto ipv4 ip saddr { 10.0.0.0/8 } tcp dport 22 return")
    text = ruleset([Filtered(_guest(), ((ingress, prefixes),))])
    assert "meta nfproto ipv4 ip saddr { 192.0.2.0/24, 198.51.100.7/32 } tcp dport 22 return" \
        in text
