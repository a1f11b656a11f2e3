"""Request schemas of /v2.0/routers and their interface actions."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import routers as router_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN, DESCRIPTION, NAME, PROJECT
from nimbus.network.schemas.subnets import CONVERT_ROUTE, ROUTE

EXTERNAL_IP = a.obj({"subnet_id": a.uuid(), "ip_address": a.string(64)})
GATEWAY = a.obj({"network_id": a.uuid(), "enable_snat": a.boolean(),
                 "external_fixed_ips": a.array(EXTERNAL_IP)}, nullable=True)
CONVERT_GATEWAY = cv.nullable(cv.dict_of({
    "enable_snat": cv.boolean,
    "external_fixed_ips": cv.list_of(cv.dict_of({"ip_address": cv.ip_address})),
}))

ATTRIBUTES: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "admin_state_up": BOOLEAN,
    "external_gateway_info": a.Attr(GATEWAY, CONVERT_GATEWAY),
    "routes": a.Attr(a.array(ROUTE, unique=True, nullable=True),
                     cv.nullable(cv.list_of(CONVERT_ROUTE, unique=True)), post=False),
    "availability_zone_hints": a.Attr(a.array(a.string(255)), put=False),
    "distributed": BOOLEAN, "ha": BOOLEAN,
    # l3-flavors: chosen at creation only. Neutron checks no shape: an id that names no
    # flavor is a flavor not found.
    "flavor_id": a.Attr(a.string(255, nullable=True), put=False),
}

# add_extraroutes / remove_extraroutes: ``{"router": {"routes": [...]}}``.
EXTRAROUTE_ATTRIBUTES: dict[str, a.Attr] = {
    "routes": a.Attr(a.array(ROUTE), cv.list_of(CONVERT_ROUTE), required=True),
}
EXTRAROUTES: Schema = {"type": "object", "required": ["router"], "properties": {
    "router": a.obj({"routes": a.array(ROUTE)}, required=("routes",))}}

CREATE: Schema = a.create_body("router", "routers", ATTRIBUTES)
UPDATE: Schema = a.update_body("router", ATTRIBUTES)
LIST_QUERY: Schema = list_query(router_db.LISTING.attributes)

# add_router_interface / remove_router_interface: a subnet or a port (empty means absent).
_ID_OR_EMPTY: Schema = {"type": ["string", "null"], "pattern": a.ID_OR_EMPTY_TEXT}
INTERFACE: Schema = {"type": "object", "additionalProperties": False,
                     "properties": {"subnet_id": _ID_OR_EMPTY, "port_id": _ID_OR_EMPTY}}
