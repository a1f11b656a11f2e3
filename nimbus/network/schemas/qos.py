"""Request schemas of /v2.0/qos: policies, their rules of each type, and rule types."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import qos as qos_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN, DESCRIPTION, NAME, PROJECT

POLICY: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "shared": BOOLEAN, "is_default": BOOLEAN,
}
CREATE_POLICY: Schema = a.create_body("policy", "policies", POLICY, bulk=False)
UPDATE_POLICY: Schema = a.update_body("policy", POLICY)
LIST_POLICIES: Schema = list_query(qos_db.POLICIES.attributes)

_MAX = 2 ** 31 - 1


def _kbps(required: bool = False) -> a.Attr:
    return a.Attr(a.integer(0, _MAX), cv.integer(0, _MAX), required=required)


_DIRECTION = a.Attr(a.one_of("egress", "ingress"))
# The DSCP marks Neutron accepts: the defined per-hop behaviours.
DSCP_MARKS = (0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 46, 48, 56)

# rule type -> (its resource name, collection, attributes)
RULES: dict[str, tuple[str, str, dict[str, a.Attr]]] = {
    "bandwidth_limit": ("bandwidth_limit_rule", "bandwidth_limit_rules", {
        "max_kbps": _kbps(required=True), "max_burst_kbps": _kbps(),
        "direction": _DIRECTION}),
    "dscp_marking": ("dscp_marking_rule", "dscp_marking_rules", {
        "dscp_mark": a.Attr(a.one_of(*DSCP_MARKS), required=True)}),
    "minimum_bandwidth": ("minimum_bandwidth_rule", "minimum_bandwidth_rules", {
        "min_kbps": _kbps(required=True), "direction": _DIRECTION}),
    "minimum_packet_rate": ("minimum_packet_rate_rule", "minimum_packet_rate_rules", {
        "min_kpps": _kbps(required=True),
        "direction": a.Attr(a.one_of("any", "egress", "ingress"))}),
}
CREATE_RULE: dict[str, Schema] = {
    kind: a.create_body(resource, collection, attrs, bulk=False)
    for kind, (resource, collection, attrs) in RULES.items()}
UPDATE_RULE: dict[str, Schema] = {
    kind: a.update_body(resource, {k: a.Attr(v.schema, v.convert) for k, v in attrs.items()})
    for kind, (resource, _, attrs) in RULES.items()}
