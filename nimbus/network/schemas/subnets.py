"""Request schemas of /v2.0/subnets."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network import constants as c
from nimbus.network.db import subnets as subnet_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import DESCRIPTION, NAME, PROJECT

POOL = a.obj({"start": a.string(64), "end": a.string(64)}, required=("start", "end"))
ROUTE = a.obj({"destination": a.string(64), "nexthop": a.string(64)},
              required=("destination", "nexthop"))
# Pools and routes hold addresses: their text is checked and made canonical.
CONVERT_POOL = cv.dict_of({"start": cv.ip_address, "end": cv.ip_address})
CONVERT_ROUTE = cv.dict_of({"destination": cv.cidr, "nexthop": cv.ip_address})

ATTRIBUTES: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "network_id": a.Attr(a.uuid(), put=False, required=True),
    "ip_version": a.Attr(a.one_of(4, 6, "4", "6"), cv.integer(), put=False, required=True),
    "cidr": a.Attr(a.string(64), cv.cidr, put=False),
    "gateway_ip": a.Attr(a.string(64, nullable=True), cv.nullable(cv.ip_address)),
    "allocation_pools": a.Attr(a.array(POOL), cv.list_of(CONVERT_POOL)),
    "dns_nameservers": a.Attr(a.array(a.string(64), unique=True),
                              cv.list_of(cv.ip_address, unique=True)),
    "host_routes": a.Attr(a.array(ROUTE, unique=True), cv.list_of(CONVERT_ROUTE, unique=True)),
    "enable_dhcp": a.Attr(a.boolean(), cv.boolean),
    "ipv6_ra_mode": a.Attr(a.one_of(*c.IPV6_MODES, nullable=True), put=False),
    "ipv6_address_mode": a.Attr(a.one_of(*c.IPV6_MODES, nullable=True), put=False),
    "subnetpool_id": a.Attr(a.string(36, nullable=True), put=False),
    "prefixlen": a.Attr(a.integer(0, 128), cv.integer(0, 128), put=False),
    "use_default_subnetpool": a.Attr(a.boolean(), cv.boolean, put=False),
    "service_types": a.Attr(a.array(a.string(255))),
    "segment_id": a.Attr(a.string(36, nullable=True), put=False),
}

CREATE: Schema = a.create_body("subnet", "subnets", ATTRIBUTES)
UPDATE: Schema = a.update_body("subnet", ATTRIBUTES)
LIST_QUERY: Schema = list_query(subnet_db.LISTING.attributes)
