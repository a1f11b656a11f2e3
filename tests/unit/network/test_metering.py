"""Metering labels and their rules (Neutron's ``metering``): admins only, rules that name a
label that exists, one kind of prefix, no overlapping remote prefixes, and rules that go with
their label."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.network.conftest import Net

COVERS = [("network", "metering labels and label rules: create, list, show, delete (admin "
                      "only); rule prefixes checked, overlaps refused, rules go with their "
                      "label")]

LABELS = "/v2.0/metering/metering-labels"
RULES = "/v2.0/metering/metering-label-rules"


def _fault(resp: Any) -> str:
    return str(resp.json()["NeutronError"]["type"])


def _label(net: Net, **attrs: Any) -> dict[str, Any]:
    resp = net.as_("admin").post(LABELS, json={"metering_label": {"name": "l", **attrs}})
    assert resp.status_code == 201, resp.text
    return resp.json()["metering_label"]  # type: ignore[no-any-return]


def test_labels_and_rules_lifecycle(net: Net) -> None:
    admin = net.as_("admin")
    label = _label(net, description="web", shared=True)
    assert label["shared"] is True and label["description"] == "web"
    resp = admin.post(RULES, json={"metering_label_rule": {
        "metering_label_id": label["id"], "direction": "ingress",
        "remote_ip_prefix": "10.0.0.0/24"}})
    assert resp.status_code == 201, resp.text
    rule = resp.json()["metering_label_rule"]
    assert rule["excluded"] is False and rule["source_ip_prefix"] is None
    overlapping = admin.post(RULES, json={"metering_label_rule": {
        "metering_label_id": label["id"], "direction": "ingress",
        "remote_ip_prefix": "10.0.0.128/25"}})
    assert overlapping.status_code == 409 and _fault(overlapping) == "MeteringLabelRuleOverlaps"
    # The other direction, or an exclusion, may overlap.
    assert admin.post(RULES, json={"metering_label_rule": {
        "metering_label_id": label["id"], "direction": "egress",
        "remote_ip_prefix": "10.0.0.0/24"}}).status_code == 201
    assert admin.post(RULES, json={"metering_label_rule": {
        "metering_label_id": label["id"], "direction": "ingress", "excluded": True,
        "source_ip_prefix": "10.0.0.5/32", "destination_ip_prefix": "0.0.0.0/0"}}
    ).status_code == 201
    listed = admin.get(RULES, params={"metering_label_id": label["id"]}).json()
    assert len(listed["metering_label_rules"]) == 3
    assert admin.get(f"{RULES}/{rule['id']}").json()["metering_label_rule"] == rule
    assert admin.get(f"{LABELS}/{label['id']}").json()["metering_label"] == label
    assert admin.delete(f"{RULES}/{rule['id']}").status_code == 204
    assert admin.get(f"{RULES}/{rule['id']}").status_code == 404
    assert admin.delete(f"{LABELS}/{label['id']}").status_code == 204
    assert admin.get(RULES).json()["metering_label_rules"] == []
    missing = admin.get(f"{LABELS}/{label['id']}")
    assert missing.status_code == 404 and _fault(missing) == "MeteringLabelNotFound"


@pytest.mark.parametrize("rule", [
    {"direction": "ingress"},                                            # no prefix
    {"direction": "ingress", "remote_ip_prefix": "10.0.0.0/8",
     "source_ip_prefix": "10.0.0.0/8"},                                  # both kinds
    {"direction": "sideways", "remote_ip_prefix": "10.0.0.0/8"},
    {"direction": "ingress", "remote_ip_prefix": "not-a-cidr"},
])
def test_bad_rules_are_400(net: Net, rule: dict[str, Any]) -> None:
    label = _label(net)
    resp = net.as_("admin").post(RULES, json={"metering_label_rule": {
        "metering_label_id": label["id"], **rule}})
    assert resp.status_code == 400, resp.text


def test_a_rule_needs_its_label(net: Net) -> None:
    resp = net.as_("admin").post(RULES, json={"metering_label_rule": {
        "metering_label_id": "6b1c1a5e-0c2f-4d53-9a3e-4e1b7a0d0001", "direction": "ingress",
        "remote_ip_prefix": "10.0.0.0/24"}})
    assert resp.status_code == 404 and _fault(resp) == "MeteringLabelNotFound"


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_meter(net: Net, persona: str) -> None:
    label = _label(net)
    who = net.as_(persona)
    # As in Neutron: lists show them nothing, and what they may not see is not there (404);
    # only a create is refused outright.
    assert who.get(LABELS).json()["metering_labels"] == []
    assert who.get(f"{LABELS}/{label['id']}").status_code == 404
    assert who.post(LABELS, json={"metering_label": {"name": "x"}}).status_code == 403
    assert who.delete(f"{LABELS}/{label['id']}").status_code == 404
    assert who.get(RULES).json()["metering_label_rules"] == []
    assert who.post(RULES, json={"metering_label_rule": {
        "metering_label_id": label["id"], "direction": "ingress",
        "remote_ip_prefix": "10.0.0.0/24"}}).status_code == 403
