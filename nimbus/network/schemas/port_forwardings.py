"""Request schemas of /v2.0/floatingips/{id}/port_forwardings."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import port_forwardings as pf_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import DESCRIPTION

PORT = a.Attr(a.integer(1, 65535, nullable=True), cv.nullable(cv.integer(1, 65535)))
# ``80`` or ``80:90``, each port 1 to 65535.
_RANGE_TEXT = (r"^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|"
               r"6553[0-5])(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|"
               r"655[0-2][0-9]|6553[0-5]))?$")
RANGE = a.Attr({"type": ["string", "null"], "pattern": _RANGE_TEXT})

ATTRIBUTES: dict[str, a.Attr] = {
    "protocol": a.Attr(a.one_of("tcp", "udp")),
    "external_port": PORT, "internal_port": PORT,
    "external_port_range": RANGE, "internal_port_range": RANGE,
    "internal_ip_address": a.Attr(a.string(64), cv.ip_address),
    "internal_port_id": a.Attr(a.uuid()),
    "description": DESCRIPTION,
}

CREATE: Schema = a.create_body("port_forwarding", "port_forwardings", ATTRIBUTES, bulk=False)
UPDATE: Schema = a.update_body("port_forwarding", ATTRIBUTES)
LIST_QUERY: Schema = list_query(pf_db.LISTING.attributes)
