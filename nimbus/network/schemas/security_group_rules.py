"""Request schemas of /v2.0/security-group-rules (a rule is never updated)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema
from nimbus.network import errors as nerr
from nimbus.network.db import security_groups as group_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import PROJECT


def _port(attr: str, value: Any) -> int:
    """Neutron's ``convert_validate_port_value``: any port number, or an ICMP type or code."""
    number = int(value)
    if not 0 <= number <= 65535:
        raise nerr.InvalidInput(error_message=f"Invalid value for port {number}")
    return number


PORT_NUMBER = a.Attr(a.integer(nullable=True), cv.nullable(_port))

ATTRIBUTES: dict[str, a.Attr] = {
    "description": a.Attr(a.string(255)), "project_id": PROJECT, "tenant_id": PROJECT,
    "security_group_id": a.Attr(a.uuid(), required=True),
    "direction": a.Attr(a.one_of("ingress", "egress"), required=True),
    "ethertype": a.Attr(a.one_of("IPv4", "IPv6")),
    # A name or a number; which ones the rule allows is the manager's to say.
    "protocol": a.Attr({"type": ["string", "integer", "null"]}),
    "port_range_min": PORT_NUMBER,
    "port_range_max": PORT_NUMBER,
    "remote_ip_prefix": a.Attr(a.string(64, nullable=True)),
    # Not checked as a UUID: Neutron answers an id that is no UUID as one it does not know (404).
    "remote_group_id": a.Attr(a.string(255, nullable=True)),
    # Likewise: Neutron checks no form, and an unknown group is a 404.
    "remote_address_group_id": a.Attr(a.string(255, nullable=True)),
}

CREATE: Schema = a.create_body("security_group_rule", "security_group_rules", ATTRIBUTES)
LIST_QUERY: Schema = list_query(group_db.RULES.attributes)
