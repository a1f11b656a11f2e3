"""Request schemas of /v2.0/floatingips (created one at a time)."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import floating_ips as fip_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas import dns
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import DESCRIPTION, PROJECT

ATTRIBUTES: dict[str, a.Attr] = {
    "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "floating_network_id": a.Attr(a.uuid(), put=False, required=True),
    "floating_ip_address": a.Attr(a.string(64), cv.ip_address, put=False),
    "subnet_id": a.Attr(a.uuid(nullable=True), put=False),
    "port_id": a.Attr(a.uuid(nullable=True)),
    "fixed_ip_address": a.Attr(a.string(64, nullable=True), cv.nullable(cv.ip_address)),
    # Kept and shown, for an external DNS service to publish (none is attached here).
    "dns_name": a.Attr(a.string(255, nullable=True), dns.dns_name, put=False),
    "dns_domain": a.Attr(a.string(255, nullable=True), dns.dns_domain, put=False),
}

CREATE: Schema = a.create_body("floatingip", "floatingips", ATTRIBUTES, bulk=False)
UPDATE: Schema = a.update_body("floatingip", ATTRIBUTES)
LIST_QUERY: Schema = list_query(fip_db.LISTING.attributes)
