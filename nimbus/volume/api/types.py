"""Volume types and their extra specs."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import BadRequest, NotFound
from nimbus.volume.api.common import VolumeRouter, page_query
from nimbus.volume.schemas import types as schema
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()


def _view(req: ApiRequest[VolumeState], vtype: dict[str, Any]) -> dict[str, Any]:
    return schema.view(vtype, req.allowed("volume_extension:access_types_extra_specs"),
                       show_qos=req.allowed("volume_extension:access_types_qos_specs_id"),
                       show_access=req.allowed("volume_extension:volume_type_access"))


def _public(req: ApiRequest[VolumeState]) -> bool | None:
    """Which types the listing keeps, as Cinder parses ``is_public``: the public ones (with
    the private ones the caller's project was given) unless an admin asks
    ``is_public=false`` (private ones only) or ``none`` (all)."""
    wanted = req.args.get("is_public")
    if not req.ctx.is_admin or wanted is None:
        return True
    if wanted.lower() == "none":
        return None
    return to_bool(wanted, "is_public")


def type_scope(req: ApiRequest[VolumeState]) -> str | None:
    """The project whose private types the caller may see; None for admins, who see all."""
    return None if req.ctx.is_admin else req.ctx.project_id


@router.get("/types", query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List volume types."""
    req.enforce("volume_extension:type_get_all")
    found = req.svc.types.listing(_public(req), page_query(req), req.ctx.project_id).items
    return {"volume_types": [_view(req, t) for t in found]}


@router.get("/types/default")
def default(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show the default volume type (the project's own, 3.62, when it has one)."""
    req.enforce("volume_extension:type_get")
    return {"volume_type": _view(req, req.svc.types.default(req.ctx.project_id))}


@router.get("/types/{type_id}")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a volume type."""
    req.enforce("volume_extension:type_get")
    vtype = req.svc.types.visible(req.params["type_id"], type_scope(req))
    return {"volume_type": _view(req, vtype)}


@router.post("/types", body=schema.CREATE, faults=(409,))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Create a volume type."""
    req.enforce("volume_extension:type_create")
    spec = req.json["volume_type"]
    raw_public = spec.get("os-volume-type-access:is_public", spec.get("is_public", True))
    vtype = req.svc.types.create(spec["name"].strip(), spec.get("description"),
                                 to_bool(raw_public, "is_public"),
                                 {k: str(v) for k, v in (spec.get("extra_specs") or {}).items()})
    # Cinder's create answer names no QoS specs (none can be given yet).
    body = _view(req, vtype)
    body.pop("qos_specs_id", None)
    return {"volume_type": body}


@router.put("/types/{type_id}", body=schema.UPDATE, faults=(409,))
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Change a volume type's name, description or visibility."""
    req.enforce("volume_extension:type_update")
    spec = req.json["volume_type"]
    changes = {k: spec[k] for k in ("name", "description") if k in spec}
    if spec.get("is_public") is not None:
        changes["is_public"] = to_bool(spec["is_public"], "is_public")
    # Cinder's update answer is the type's own fields only: no access or QoS extension.
    body = _view(req, req.svc.types.update(req.params["type_id"], changes))
    for extension in ("qos_specs_id", "os-volume-type-access:is_public"):
        body.pop(extension, None)
    return {"volume_type": body}


@router.delete("/types/{type_id}", status=202)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete a volume type no volume uses."""
    req.enforce("volume_extension:type_delete")
    req.svc.types.delete(req.params["type_id"])
    return Reply(None, status=202)


@router.get("/types/{type_id}/extra_specs")
def specs_index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List a type's extra specs."""
    req.enforce("volume_extension:types_extra_specs:index")
    return {"extra_specs": schema.view(req.svc.types.get(req.params["type_id"]),
                                       True)["extra_specs"]}


@router.post("/types/{type_id}/extra_specs", body=schema.EXTRA_SPECS_BODY)
def specs_create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Add or change extra specs."""
    req.enforce("volume_extension:types_extra_specs:create")
    specs = {k: str(v) for k, v in req.json["extra_specs"].items()}
    req.svc.types.update(req.params["type_id"], {"extra_specs": specs})
    return {"extra_specs": specs}


@router.get("/types/{type_id}/extra_specs/{key}")
def specs_show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show one extra spec."""
    req.enforce("volume_extension:types_extra_specs:show")
    vtype = req.svc.types.get(req.params["type_id"])
    key = req.params["key"]
    if key not in vtype["extra_specs"]:
        raise NotFound(f"Volume Type {vtype['id']} has no extra specs with key {key}.")
    return {key: str(vtype["extra_specs"][key])}


@router.put("/types/{type_id}/extra_specs/{key}", body=schema.EXTRA_SPEC_ITEM)
def specs_update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Set one extra spec (the body's key must be the URL's)."""
    body = req.json
    key = req.params["key"]
    if set(body) != {key}:
        raise BadRequest("Request body and URI mismatch")
    req.enforce("volume_extension:types_extra_specs:update")
    req.svc.types.update(req.params["type_id"], {"extra_specs": {key: str(body[key])}})
    return {key: str(body[key])}


@router.delete("/types/{type_id}/extra_specs/{key}", status=202)
def specs_delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete one extra spec."""
    req.enforce("volume_extension:types_extra_specs:delete")
    req.svc.types.unset_spec(req.params["type_id"], req.params["key"])
    return Reply(None, status=202)
