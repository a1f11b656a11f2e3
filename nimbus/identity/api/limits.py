"""``/v3/registered_limits``, ``/v3/limits`` and ``/v3/limits/model``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.api.validation import validate
from nimbus.core.errors import BadRequest, ValidationError
from nimbus.identity.api.common import base, body, filters, state
from nimbus.identity.managers.limits import MODEL
from nimbus.identity.schemas import limits as schema
from nimbus.identity.schemas import views

router = Router()


def _list_body(req: ApiRequest, key: str, shape: dict[str, Any]) -> list[dict[str, Any]]:
    raw = req.body_dict()
    if key not in raw:
        raise BadRequest(f"Invalid input for field '{key}': it is required.")
    try:
        return validate(raw[key], shape)  # type: ignore[no-any-return]
    except ValidationError as exc:
        field = exc.kwargs.get("field", "body")
        raise ValidationError(field=key if field == "body" else f"{key}.{field}",
                              reason=exc.kwargs.get("reason", "")) from None


# -- registered limits ----------------------------------------------------------------------
@router.post("/v3/registered_limits", status=201)
def create_registered(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_registered_limits")
    items = _list_body(req, "registered_limits", schema.REGISTERED_CREATE)
    rows = state(req).limits.create_registered(items)
    return {"registered_limits": [schema.registered(base(req), r) for r in rows]}


@router.get("/v3/registered_limits")
def list_registered(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_registered_limits")
    rows = state(req).limits.list_registered(
        filters(req, "service_id", "region_id", "resource_name"))
    return views.collection(base(req), "registered_limits", "registered_limits",
                            [schema.registered(base(req), r) for r in rows])


@router.get("/v3/registered_limits/{limit_id}")
def show_registered(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_registered_limit")
    row = state(req).limits.get_registered(req.params["limit_id"])
    return {"registered_limit": schema.registered(base(req), row)}


@router.patch("/v3/registered_limits/{limit_id}")
def update_registered(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_registered_limit")
    data = body(req, "registered_limit", schema.REGISTERED_UPDATE)
    row = state(req).limits.update_registered(req.params["limit_id"], data)
    return {"registered_limit": schema.registered(base(req), row)}


@router.delete("/v3/registered_limits/{limit_id}", status=204)
def delete_registered(req: ApiRequest) -> None:
    req.enforce("identity:delete_registered_limit")
    state(req).limits.delete_registered(req.params["limit_id"])


# -- limits ---------------------------------------------------------------------------------
@router.get("/v3/limits/model")
def limit_model(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_limit_model")
    return {"model": dict(MODEL)}


@router.post("/v3/limits", status=201)
def create_limits(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_limits")
    items = _list_body(req, "limits", schema.LIMIT_CREATE)
    rows = state(req).limits.create_limits(items)
    return {"limits": [schema.limit(base(req), r) for r in rows]}


@router.get("/v3/limits")
def list_limits(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_limits")
    wanted = filters(req, "service_id", "region_id", "resource_name", "project_id",
                     "domain_id")
    if not req.ctx.is_admin and not req.ctx.system_scope:
        # Everyone else sees the limits of the project (or domain) their token is scoped to.
        if req.ctx.project_id:
            wanted["project_id"] = req.ctx.project_id
        elif req.ctx.domain_id:
            wanted["domain_id"] = req.ctx.domain_id
        else:
            return views.collection(base(req), "limits", "limits", [])
    rows = state(req).limits.list_limits(wanted)
    return views.collection(base(req), "limits", "limits",
                            [schema.limit(base(req), r) for r in rows])


@router.get("/v3/limits/{limit_id}")
def show_limit(req: ApiRequest) -> dict[str, Any]:
    row = state(req).limits.get_limit(req.params["limit_id"])
    # Only the owner that is set goes in: a None would match a token without that scope.
    target = {k: v for k, v in (("target.limit.project_id", row.project_id),
                                ("target.limit.domain_id", row.domain_id)) if v}
    req.enforce("identity:get_limit", target)
    return {"limit": schema.limit(base(req), row)}


@router.patch("/v3/limits/{limit_id}")
def update_limit(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_limit")
    data = body(req, "limit", schema.LIMIT_UPDATE)
    return {"limit": schema.limit(base(req), state(req).limits.update_limit(
        req.params["limit_id"], data))}


@router.delete("/v3/limits/{limit_id}", status=204)
def delete_limit(req: ApiRequest) -> None:
    req.enforce("identity:delete_limit")
    state(req).limits.delete_limit(req.params["limit_id"])
