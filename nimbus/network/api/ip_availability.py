"""/v2.0/network-ip-availabilities: Neutron's ``network-ip-availability``, for admins."""

from __future__ import annotations

from typing import Any

from nimbus.core.api import validation
from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.api.validation import Schema
from nimbus.network.api import attributes as shape
from nimbus.network.schemas.listing import SHOW_QUERY, TEXTS
from nimbus.network.state import NetworkState

router = Router()
BASE = "/v2.0/network-ip-availabilities"
FILTERS = ("network_id", "network_name", "project_id", "tenant_id", "ip_version")
# Not paged, as in Neutron: one row per network, for an admin's overview.
LIST_QUERY: Schema = validation.query({**{key: TEXTS for key in FILTERS}, "fields": TEXTS})


@router.get(BASE, query=LIST_QUERY)
def list_availabilities(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """How full each network's subnets are (nothing, for a caller who may see nothing)."""
    if not req.decide("get_network_ip_availability"):
        return {"network_ip_availabilities": []}
    filters = {key: req.query.getlist(key) for key in FILTERS if key in req.query}
    fields = shape.fields_of(req)
    return {"network_ip_availabilities": [
        shape.select_fields(item, fields)
        for item in req.svc.ip_availability.availabilities(filters)]}


@router.get(BASE + "/{network_id}", query=SHOW_QUERY, faults=(404,))
def show_availability(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """How full one network's subnets are."""
    shape.enforce_seen(req, "get_network_ip_availability",
                       seen="get_network_ip_availability")
    item = req.svc.ip_availability.availability(req.params["network_id"])
    return {"network_ip_availability": shape.select_fields(item, shape.fields_of(req))}
