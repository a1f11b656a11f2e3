"""Security groups and rules: the default group, validation, duplicates, protection."""

from __future__ import annotations

from typing import Any

from tests.support.personas import PROJECT
from tests.unit.network.conftest import Net


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _group(net: Net, persona: str = "member", name: str = "sg") -> dict[str, Any]:
    resp = net.api.as_(persona).post("/v2.0/security-groups",
                                     json={"security_group": {"name": name}})
    assert resp.status_code == 201, resp.text
    return resp.json()["security_group"]  # type: ignore[no-any-return]


def test_default_group_created_on_first_list(net: Net) -> None:
    groups = net.api.as_("member").get("/v2.0/security-groups").json()["security_groups"]
    assert [g["name"] for g in groups] == ["default"]
    rules = groups[0]["security_group_rules"]
    assert len(rules) == 4
    egress = {r["ethertype"] for r in rules if r["direction"] == "egress"}
    ingress = [r for r in rules if r["direction"] == "ingress"]
    assert egress == {"IPv4", "IPv6"}
    assert all(r["remote_group_id"] == groups[0]["id"] for r in ingress)
    again = net.api.as_("member").get("/v2.0/security-groups").json()["security_groups"]
    assert [g["id"] for g in again] == [groups[0]["id"]]
    assert groups[0]["project_id"] == PROJECT


def test_group_crud(net: Net) -> None:
    group = _group(net)
    assert {r["direction"] for r in group["security_group_rules"]} == {"egress"}
    api = net.api.as_("member")
    updated = api.put(f"/v2.0/security-groups/{group['id']}",
                      json={"security_group": {"name": "web", "description": "d"}})
    assert updated.status_code == 200 and updated.json()["security_group"]["name"] == "web"
    assert api.delete(f"/v2.0/security-groups/{group['id']}").status_code == 204
    missing = api.get(f"/v2.0/security-groups/{group['id']}")
    assert missing.status_code == 404 and fault(missing)["type"] == "SecurityGroupNotFound"
    extra_default = api.post("/v2.0/security-groups",
                             json={"security_group": {"name": "default"}})
    assert extra_default.status_code == 409


def test_default_group_delete(net: Net) -> None:
    default = net.api.as_("member").get("/v2.0/security-groups").json()["security_groups"][0]
    refused = net.api.as_("member").delete(f"/v2.0/security-groups/{default['id']}")
    assert refused.status_code == 409
    assert net.api.as_("admin").delete(
        f"/v2.0/security-groups/{default['id']}").status_code == 204
    recreated = net.api.as_("member").get("/v2.0/security-groups").json()["security_groups"]
    assert [g["name"] for g in recreated] == ["default"] and recreated[0]["id"] != default["id"]


def test_rules(net: Net) -> None:
    group = _group(net)
    api = net.api.as_("member")

    def rule(**body: Any) -> Any:
        return api.post("/v2.0/security-group-rules", json={"security_group_rule": {
            "security_group_id": group["id"], "direction": "ingress", **body}})

    ok = rule(protocol="tcp", port_range_min=22, port_range_max=22,
              remote_ip_prefix="10.0.0.0/8")
    assert ok.status_code == 201, ok.text
    created = ok.json()["security_group_rule"]
    assert created["protocol"] == "tcp" and created["ethertype"] == "IPv4"
    dup = rule(protocol="tcp", port_range_min=22, port_range_max=22,
               remote_ip_prefix="10.0.0.0/8")
    assert dup.status_code == 409 and fault(dup)["type"] == "SecurityGroupRuleExists"
    assert rule(protocol=17).json()["security_group_rule"]["protocol"] == "17"
    icmp = rule(protocol="icmp", port_range_min=8, port_range_max=0)
    assert icmp.status_code == 201
    assert rule(remote_group_id=group["id"], protocol="udp").status_code == 201
    assert rule(protocol="bogus").status_code == 400
    assert rule(ethertype="IPv5").status_code == 400
    assert rule(remote_ip_prefix="10.0.0.0/99").status_code == 400
    assert rule(protocol="tcp", port_range_min=90, port_range_max=80).status_code == 400
    assert rule(protocol="tcp", port_range_min=0, port_range_max=65536).status_code == 400
    assert rule(port_range_min=80, port_range_max=80).status_code == 400
    assert rule(remote_ip_prefix="fd00::/64").status_code == 400  # ethertype conflict
    both = rule(remote_ip_prefix="10.0.0.0/8", remote_group_id=group["id"], protocol="gre")
    assert both.status_code == 400
    missing_group = rule(remote_group_id="00000000-0000-0000-0000-000000000005")
    assert missing_group.status_code == 404
    # Neutron does not check remote_group_id's shape: an id that is no UUID is unknown too.
    assert rule(remote_group_id="bad_group_id", protocol="tcp").status_code == 404
    # Each message names what is wrong, as Neutron's do.
    for low, high, says in ((-16, 80, "Invalid value for port -16"),
                            (80, 65536, "Invalid value for port 65536"),
                            (None, 6, "port_range_min must be <= port_range_max"),
                            (0, 80, "Invalid value for port 0")):
        bad = rule(protocol="tcp", port_range_min=low, port_range_max=high)
        assert bad.status_code == 400 and says in fault(bad)["message"], (low, high)
    for low, high, says in ((1, 256, "Invalid value for ICMP code"),
                            (300, 1, "Invalid value for ICMP type"),
                            (None, 6, "ICMP type (port-range-min) is missing")):
        bad = rule(protocol="icmp", port_range_min=low, port_range_max=high)
        assert bad.status_code == 400 and says in fault(bad)["message"], (low, high)
    bad_group = api.post("/v2.0/security-group-rules", json={"security_group_rule": {
        "security_group_id": "00000000-0000-0000-0000-000000000006", "direction": "egress"}})
    assert bad_group.status_code == 404
    shown = api.get(f"/v2.0/security-group-rules/{created['id']}")
    assert shown.status_code == 200
    assert api.delete(f"/v2.0/security-group-rules/{created['id']}").status_code == 204
    gone = api.get(f"/v2.0/security-group-rules/{created['id']}")
    assert gone.status_code == 404 and fault(gone)["type"] == "SecurityGroupRuleNotFound"


def test_group_in_use(net: Net) -> None:
    group = _group(net)
    network = net.network()
    port = net.port(network["id"], security_groups=[group["id"]])
    assert port["security_groups"] == [group["id"]]
    in_use = net.api.as_("member").delete(f"/v2.0/security-groups/{group['id']}")
    assert in_use.status_code == 409 and fault(in_use)["type"] == "SecurityGroupInUse"


def test_group_protection(net: Net) -> None:
    group = _group(net)
    assert net.api.as_("other").get(f"/v2.0/security-groups/{group['id']}").status_code == 404
    assert net.api.as_("other").delete(
        f"/v2.0/security-groups/{group['id']}").status_code == 404
    assert net.api.as_("reader").get(f"/v2.0/security-groups/{group['id']}").status_code == 200
    assert net.api.as_("reader").delete(
        f"/v2.0/security-groups/{group['id']}").status_code == 403
    other_rule = net.api.as_("other").post("/v2.0/security-group-rules", json={
        "security_group_rule": {"security_group_id": group["id"], "direction": "egress",
                                "protocol": "tcp"}})
    assert other_rule.status_code == 404
    foreign_port = net.api.as_("other").post("/v2.0/ports", json={"port": {
        "network_id": net.network("other")["id"], "security_groups": [group["id"]]}})
    assert foreign_port.status_code == 404
