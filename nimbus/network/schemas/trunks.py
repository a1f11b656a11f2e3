"""Request schemas of /v2.0/trunks and their subport actions."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import trunks as trunk_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN, DESCRIPTION, NAME, PROJECT

# Which types and ids a trunk takes is the manager's to say (its messages name them).
SUBPORT: Schema = a.obj({"port_id": a.uuid(), "segmentation_type": a.string(32),
                         "segmentation_id": a.integer()}, required=("port_id",))

ATTRIBUTES: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "admin_state_up": BOOLEAN,
    "port_id": a.Attr(a.uuid(), required=True, put=False),
    "sub_ports": a.Attr(a.array(SUBPORT), put=False),
}

CREATE: Schema = a.create_body("trunk", "trunks", ATTRIBUTES)
UPDATE: Schema = a.update_body("trunk", ATTRIBUTES)
LIST_QUERY: Schema = list_query(trunk_db.LISTING.attributes)
SUBPORTS: Schema = {"type": "object", "required": ["sub_ports"], "additionalProperties": False,
                    "properties": {"sub_ports": a.array(SUBPORT)}}
REMOVED: Schema = {"type": "object", "required": ["sub_ports"], "additionalProperties": False,
                   "properties": {"sub_ports": a.array(a.obj(
                       {"port_id": a.uuid()}, required=("port_id",)))}}
