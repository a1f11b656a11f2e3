"""/v2.0/metering: metering labels and their rules (admins only, as in Neutron)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import metering as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
LABELS = "/v2.0/metering/metering-labels"
RULES = "/v2.0/metering/metering-label-rules"


@router.get(LABELS, query=schemas.LIST_LABELS)
def list_labels(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the metering labels (none, for a caller who may see none)."""
    if not req.decide("get_metering_label"):
        return {"metering_labels": []}
    wanted = listing.read(req, "metering_label")
    page = req.svc.metering.list_labels(wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "metering_label", "metering_labels", page, wanted)


@router.post(LABELS, status=201, body=schemas.CREATE_LABEL)
def create_label(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a metering label."""
    [attrs], _ = shape.created(req, "metering_label", "metering_labels", schemas.LABEL)
    target = {"project_id": attrs.get("project_id") or req.ctx.project_id, **attrs}
    shape.enforce_attrs(req, "create_metering_label", attrs, target)
    return {"metering_label": req.svc.metering.create_label(req.ctx, attrs)}


@router.get(LABELS + "/{label_id}", query=SHOW_QUERY, faults=(404,))
def show_label(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a metering label."""
    shape.enforce_seen(req, "get_metering_label", seen="get_metering_label")
    return shape.show(req, "metering_label", req.svc.metering.get_label(req.params["label_id"]))


@router.delete(LABELS + "/{label_id}", status=204, faults=(404,))
def delete_label(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a metering label and its rules."""
    shape.enforce_seen(req, "delete_metering_label", seen="get_metering_label")
    req.svc.metering.delete_label(req.params["label_id"])
    return Reply(None, 204)


@router.get(RULES, query=schemas.LIST_RULES)
def list_rules(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the metering label rules (none, for a caller who may see none)."""
    if not req.decide("get_metering_label_rule"):
        return {"metering_label_rules": []}
    wanted = listing.read(req, "metering_label_rule")
    page = req.svc.metering.list_rules(wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "metering_label_rule", "metering_label_rules", page, wanted)


@router.post(RULES, status=201, body=schemas.CREATE_RULE, faults=(404, 409))
def create_rule(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Add a rule to a metering label."""
    [attrs], _ = shape.created(req, "metering_label_rule", "metering_label_rules",
                               schemas.RULE)
    shape.enforce_attrs(req, "create_metering_label_rule", attrs,
                        {"project_id": req.ctx.project_id, **attrs})
    return {"metering_label_rule": req.svc.metering.create_rule(attrs)}


@router.get(RULES + "/{rule_id}", query=SHOW_QUERY, faults=(404,))
def show_rule(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a metering label rule."""
    shape.enforce_seen(req, "get_metering_label_rule", seen="get_metering_label_rule")
    return shape.show(req, "metering_label_rule",
                      req.svc.metering.get_rule(req.params["rule_id"]))


@router.delete(RULES + "/{rule_id}", status=204, faults=(404,))
def delete_rule(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a metering label rule."""
    shape.enforce_seen(req, "delete_metering_label_rule", seen="get_metering_label_rule")
    req.svc.metering.delete_rule(req.params["rule_id"])
    return Reply(None, 204)
