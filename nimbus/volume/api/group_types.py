"""Group types (3.11) and their group specs."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import BadRequest
from nimbus.volume.api.common import VolumeRouter, page_query
from nimbus.volume.errors import GroupTypeNotFound
from nimbus.volume.schemas import groups as schema
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()
V = "3.11"


def _view(req: ApiRequest[VolumeState], gtype: dict[str, Any]) -> dict[str, Any]:
    return schema.type_view(gtype, req.allowed("group:access_group_types_specs"))


def _visible(req: ApiRequest[VolumeState], gtype: dict[str, Any]) -> dict[str, Any]:
    """A private type is an admin's only: others are told it is not there."""
    if not gtype["is_public"] and not req.ctx.is_admin:
        raise GroupTypeNotFound(id=gtype["id"])
    return gtype


def _public(req: ApiRequest[VolumeState]) -> bool | None:
    """Which types the listing keeps: public ones for all but admins, who may ask
    ``is_public=true|false`` (``none`` or nothing: both)."""
    if not req.ctx.is_admin:
        return True
    wanted = req.args.get("is_public")
    if wanted is None or wanted.lower() == "none":
        return None
    return to_bool(wanted, "is_public")


# Listing and showing group types is open to everyone, as in Cinder (no rule guards them).
@router.get("/group_types", min_version=V, query=schema.TYPE_LIST_QUERY, policy_free=True)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List group types."""
    found = req.svc.group_types.listing(_public(req), page_query(req)).items
    return {"group_types": [_view(req, t) for t in found]}


@router.get("/group_types/default", min_version=V, policy_free=True, faults=(404,))
def default(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show the default group type (404 unless the operator named one)."""
    return {"group_type": _view(req, req.svc.group_types.default())}


@router.get("/group_types/{type_id}", min_version=V, policy_free=True)
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a group type."""
    return {"group_type": _view(req, _visible(req, req.svc.group_types.get(
        req.params["type_id"])))}


@router.post("/group_types", min_version=V, status=202, body=schema.TYPE_CREATE, faults=(409,))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Create a group type."""
    req.enforce("group:group_types:create")
    spec = req.json["group_type"]
    name = spec["name"].strip()
    if not name:
        raise BadRequest("Group type name can not be empty.")
    gtype = req.svc.group_types.create(
        name, spec.get("description"), to_bool(spec.get("is_public", True), "is_public"),
        {k: str(v) for k, v in (spec.get("group_specs") or {}).items()})
    return {"group_type": _view(req, gtype)}


@router.put("/group_types/{type_id}", min_version=V, body=schema.TYPE_UPDATE, faults=(409,))
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Change a group type's name, description or visibility."""
    req.enforce("group:group_types:update")
    spec = req.json["group_type"]
    name = spec.get("name")
    if name is not None and not name.strip():
        raise BadRequest("Group type name can not be empty.")
    changes: dict[str, Any] = {"name": name.strip() if name else None,
                               "description": spec.get("description")}
    if spec.get("is_public") is not None:
        changes["is_public"] = to_bool(spec["is_public"], "is_public")
    if all(value is None for value in changes.values()):
        raise BadRequest("Specify group type name, description or a combination thereof.")
    return {"group_type": _view(req, req.svc.group_types.update(req.params["type_id"],
                                                                 changes))}


@router.delete("/group_types/{type_id}", min_version=V, status=202)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete a group type no group uses."""
    req.enforce("group:group_types:delete")
    req.svc.group_types.delete(req.params["type_id"])
    return Reply(None, status=202)


# -- group specs ---------------------------------------------------------------------------------
@router.get("/group_types/{type_id}/group_specs", min_version=V)
def specs_index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List a group type's specs."""
    req.enforce("group:group_types_specs:get_all")
    return {"group_specs": req.svc.group_types.get(req.params["type_id"])["group_specs"]}


@router.post("/group_types/{type_id}/group_specs", min_version=V, status=202,
             body=schema.SPECS_BODY)
def specs_create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Add or change group specs."""
    req.enforce("group:group_types_specs:create")
    specs = {k: str(v) for k, v in req.json["group_specs"].items()}
    return {"group_specs": req.svc.group_types.set_specs(req.params["type_id"], specs)}


@router.get("/group_types/{type_id}/group_specs/{key}", min_version=V)
def specs_show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show one group spec."""
    req.enforce("group:group_types_specs:get")
    key = req.params["key"]
    return {key: req.svc.group_types.spec(req.params["type_id"], key)}


@router.put("/group_types/{type_id}/group_specs/{key}", min_version=V, body=schema.SPEC_ITEM)
def specs_update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Set one group spec (the body's key must be the URL's)."""
    req.enforce("group:group_types_specs:update")
    key = req.params["key"]
    if len(req.json) > 1:
        raise BadRequest("Request body contains too many items.")
    if key not in req.json:
        raise BadRequest("Request body and URI mismatch")
    value = str(req.json[key])
    req.svc.group_types.set_specs(req.params["type_id"], {key: value})
    return {key: value}


@router.delete("/group_types/{type_id}/group_specs/{key}", min_version=V, status=202)
def specs_delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete one group spec."""
    req.enforce("group:group_types_specs:delete")
    req.svc.group_types.unset_spec(req.params["type_id"], req.params["key"])
    return Reply(None, status=202)
