"""Volume types and their extra specs."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import BadRequest, NotFound
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.schemas import types as schema
from nimbus.volume.schemas.common import to_bool, validate

router = VolumeRouter()


def _view(req: ApiRequest, vtype: dict[str, Any]) -> dict[str, Any]:
    return schema.view(vtype, req.allowed("volume_extension:access_types_extra_specs"))


@router.get("/types")
def index(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume_extension:type_get_all")
    include_private = req.ctx.is_admin
    wanted = req.query.get("is_public")
    found = req.svc.types.list(include_private)
    if wanted is not None and include_private and wanted.lower() != "none":
        public = to_bool(wanted, "is_public")
        found = [t for t in found if t["is_public"] == public]
    return {"volume_types": [_view(req, t) for t in found]}


@router.get("/types/default")
def default(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume_extension:type_get")
    return {"volume_type": _view(req, req.svc.types.default())}


@router.get("/types/{type_id}")
def show(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume_extension:type_get")
    vtype = req.svc.types.get(req.params["type_id"])
    if not vtype["is_public"] and not req.ctx.is_admin:
        raise NotFound(f"Volume type {req.params['type_id']} could not be found.")
    return {"volume_type": _view(req, vtype)}


@router.post("/types")
def create(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.CREATE, body)
    req.enforce("volume_extension:type_create")
    spec = body["volume_type"]
    raw_public = spec.get("os-volume-type-access:is_public", spec.get("is_public", True))
    vtype = req.svc.types.create(spec["name"].strip(), spec.get("description"),
                                 to_bool(raw_public, "is_public"),
                                 {k: str(v) for k, v in (spec.get("extra_specs") or {}).items()})
    return {"volume_type": _view(req, vtype)}


@router.put("/types/{type_id}")
def update(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.UPDATE, body)
    req.enforce("volume_extension:type_update")
    spec = body["volume_type"]
    if not any(k in spec for k in ("name", "description", "is_public")):
        raise BadRequest("Specify volume type name, description, is_public or a combination "
                         "thereof.")
    changes = {k: spec[k] for k in ("name", "description") if k in spec}
    if spec.get("is_public") is not None:
        changes["is_public"] = to_bool(spec["is_public"], "is_public")
    return {"volume_type": _view(req, req.svc.types.update(req.params["type_id"], changes))}


@router.delete("/types/{type_id}", status=202)
def delete(req: ApiRequest) -> Reply:
    req.enforce("volume_extension:type_delete")
    req.svc.types.delete(req.params["type_id"])
    return Reply(None, status=202)


@router.get("/types/{type_id}/extra_specs")
def specs_index(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume_extension:types_extra_specs:index")
    return {"extra_specs": schema.view(req.svc.types.get(req.params["type_id"]),
                                       True)["extra_specs"]}


@router.post("/types/{type_id}/extra_specs")
def specs_create(req: ApiRequest) -> dict[str, Any]:
    body = req.json
    validate(schema.EXTRA_SPECS_BODY, body)
    req.enforce("volume_extension:types_extra_specs:create")
    specs = {k: str(v) for k, v in body["extra_specs"].items()}
    req.svc.types.update(req.params["type_id"], {"extra_specs": specs})
    return {"extra_specs": specs}


@router.get("/types/{type_id}/extra_specs/{key}")
def specs_show(req: ApiRequest) -> dict[str, Any]:
    req.enforce("volume_extension:types_extra_specs:show")
    vtype = req.svc.types.get(req.params["type_id"])
    key = req.params["key"]
    if key not in vtype["extra_specs"]:
        raise NotFound(f"Volume Type {vtype['id']} has no extra specs with key {key}.")
    return {key: str(vtype["extra_specs"][key])}


@router.put("/types/{type_id}/extra_specs/{key}")
def specs_update(req: ApiRequest) -> dict[str, Any]:
    body = req.body_dict()
    key = req.params["key"]
    if set(body) != {key}:
        raise BadRequest("Request body and URI mismatch")
    req.enforce("volume_extension:types_extra_specs:update")
    req.svc.types.update(req.params["type_id"], {"extra_specs": {key: str(body[key])}})
    return {key: str(body[key])}


@router.delete("/types/{type_id}/extra_specs/{key}", status=202)
def specs_delete(req: ApiRequest) -> Reply:
    req.enforce("volume_extension:types_extra_specs:delete")
    req.svc.types.unset_spec(req.params["type_id"], req.params["key"])
    return Reply(None, status=202)
