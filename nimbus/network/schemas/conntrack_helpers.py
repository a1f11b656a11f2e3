"""Request schemas of /v2.0/routers/{id}/conntrack_helpers."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import conntrack_helpers as helper_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import PROJECT

# The protocols Neutron names in its conntrack rules (its ``IPTABLES_PROTOCOL_MAP``); which of
# them each helper takes is the operator's ``allowed_conntrack_helpers``.
PROTOCOLS = ("dccp", "icmp", "ipv6-icmp", "sctp", "tcp", "udp")

ATTRIBUTES: dict[str, a.Attr] = {
    "protocol": a.Attr(a.one_of(*PROTOCOLS), required=True),
    "port": a.Attr(a.integer(1, 65535), cv.integer(1, 65535), required=True),
    "helper": a.Attr(a.string(64), required=True),
    # Taken as Neutron takes them, never shown: a helper belongs to its router's project.
    "project_id": PROJECT, "tenant_id": PROJECT,
}

CREATE: Schema = a.create_body("conntrack_helper", "conntrack_helpers", ATTRIBUTES,
                               bulk=False)
UPDATE: Schema = a.update_body("conntrack_helper", ATTRIBUTES)
LIST_QUERY: Schema = list_query(helper_db.LISTING.attributes)
