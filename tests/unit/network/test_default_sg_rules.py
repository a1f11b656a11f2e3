"""Default security group rules: the templates new groups' rules are made from."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.network.conftest import Net

COVERS = [("network", "default security group rules: Neutron's four to start with, create "
                      "(checked as a rule; remote group PARENT only), list/show/delete, "
                      "applied to new default and other groups; admin changes, readers see")]

BASE = "/v2.0/default-security-group-rules"


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _shape(rule: dict[str, Any]) -> tuple[Any, ...]:
    return (rule["direction"], rule["ethertype"], rule["protocol"], rule["port_range_min"],
            rule["remote_ip_prefix"])


def test_templates_make_new_groups_rules(net: Net) -> None:
    admin = net.as_("admin")
    start = admin.get(BASE).json()["default_security_group_rules"]
    assert sorted((r["direction"], r["ethertype"], r["remote_group_id"],
                   r["used_in_non_default_sg"]) for r in start) == [
        ("egress", "IPv4", None, True), ("egress", "IPv6", None, True),
        ("ingress", "IPv4", "PARENT", False), ("ingress", "IPv6", "PARENT", False)]
    ssh = admin.post(BASE, json={"default_security_group_rule": {
        "direction": "ingress", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
        "remote_ip_prefix": "10.0.0.0/8", "used_in_default_sg": False,
        "description": "ssh from inside"}})
    assert ssh.status_code == 201, ssh.text
    template = ssh.json()["default_security_group_rule"]
    assert template["used_in_non_default_sg"] is True and template["ethertype"] == "IPv4"
    again = admin.post(BASE, json={"default_security_group_rule": {
        "direction": "ingress", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
        "remote_ip_prefix": "10.0.0.0/8"}})
    assert again.status_code == 409 and fault(again)["type"] == "DefaultSecurityGroupRuleExists"
    for bad in ({"direction": "ingress", "remote_group_id": template["id"]},
                {"direction": "ingress", "protocol": "tcp", "port_range_min": 0,
                 "port_range_max": 5},
                {"direction": "sideways"}):
        resp = admin.post(BASE, json={"default_security_group_rule": bad})
        assert resp.status_code == 400, bad
    # A new ordinary group gets the two egress rules and the new one; the project's default
    # group (made on first need) gets its four, not the new one.
    member = net.as_("member")
    group = member.post("/v2.0/security-groups", json={"security_group": {
        "name": "web"}}).json()["security_group"]
    assert sorted(_shape(r) for r in group["security_group_rules"]) == sorted([
        ("egress", "IPv4", None, None, None), ("egress", "IPv6", None, None, None),
        ("ingress", "IPv4", "tcp", 22, "10.0.0.0/8")])
    default = member.get("/v2.0/security-groups?name=default").json()["security_groups"][0]
    ingress = [r for r in default["security_group_rules"] if r["direction"] == "ingress"]
    assert len(default["security_group_rules"]) == 4
    assert {r["remote_group_id"] for r in ingress} == {default["id"]}
    assert admin.get(f"{BASE}/{template['id']}").json()[
        "default_security_group_rule"]["description"] == "ssh from inside"
    assert admin.delete(f"{BASE}/{template['id']}").status_code == 204
    gone = admin.get(f"{BASE}/{template['id']}")
    assert gone.status_code == 404 and fault(gone)["type"] == "DefaultSecurityGroupRuleNotFound"
    later = member.post("/v2.0/security-groups", json={"security_group": {
        "name": "db"}}).json()["security_group"]
    assert len(later["security_group_rules"]) == 2


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_change_the_templates(net: Net, persona: str) -> None:
    [first, *_] = net.as_("admin").get(BASE).json()["default_security_group_rules"]
    api = net.as_(persona)
    assert len(api.get(BASE).json()["default_security_group_rules"]) == 4
    assert api.get(f"{BASE}/{first['id']}").status_code == 200
    assert api.post(BASE, json={"default_security_group_rule": {
        "direction": "ingress"}}).status_code == 403
    assert api.delete(f"{BASE}/{first['id']}").status_code == 403
