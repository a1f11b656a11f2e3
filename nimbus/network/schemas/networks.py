"""Request schemas of /v2.0/networks."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import networks as network_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas import dns
from nimbus.network.schemas.listing import list_query

NAME = a.Attr(a.string(255))
DESCRIPTION = a.Attr(a.string(255))
PROJECT = a.Attr(a.string(255), put=False)
BOOLEAN = a.Attr(a.boolean(), cv.boolean)

ATTRIBUTES: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "admin_state_up": BOOLEAN,
    "shared": BOOLEAN,
    "router:external": BOOLEAN,
    # The default external network (auto-allocated-topology).
    "is_default": BOOLEAN,
    "mtu": a.Attr(a.integer(68, 9000), cv.integer(68, 9000)),
    "port_security_enabled": BOOLEAN,
    "qos_policy_id": a.Attr(a.uuid(nullable=True)),
    "availability_zone_hints": a.Attr(a.array(a.string(255)), put=False),
    "dns_domain": a.Attr(a.string(255, nullable=True), dns.dns_domain),
    "provider:network_type": a.Attr(a.one_of("flat", "vlan", "vxlan", "geneve", "gre",
                                             "local"), put=False),
    "provider:physical_network": a.Attr(a.string(64, nullable=True), put=False),
    "provider:segmentation_id": a.Attr(a.integer(1, 16777215, nullable=True),
                                       cv.nullable(cv.integer(1, 16777215)), put=False),
}

CREATE: Schema = a.create_body("network", "networks", ATTRIBUTES)
UPDATE: Schema = a.update_body("network", ATTRIBUTES)
LIST_QUERY: Schema = list_query(network_db.LISTING.attributes)
