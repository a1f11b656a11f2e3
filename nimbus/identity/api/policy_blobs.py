"""``/v3/policies``: policy documents Keystone keeps for other services (opaque blobs)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.identity.api.common import base, body, state
from nimbus.identity.schemas import catalog_extras as schemas

router = Router()


def _view(req: ApiRequest, row: Any) -> dict[str, Any]:
    return {**(row.extra or {}), "id": row.id, "type": row.type, "blob": row.blob,
            "links": {"self": f"{base(req)}/v3/policies/{row.id}"}}


@router.post("/v3/policies", status=201)
def create_policy(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_policy")
    data = body(req, "policy", schemas.POLICY_CREATE)
    extra = {k: v for k, v in data.items() if k not in ("type", "blob", "id")}
    row = state(req).catalog_extras.create_policy(data["type"], data["blob"], extra)
    return {"policy": _view(req, row)}


@router.get("/v3/policies")
def list_policies(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_policies")
    rows = state(req).catalog_extras.list_policies(req.query.get("type"))
    return {"policies": [_view(req, r) for r in rows],
            "links": {"self": f"{base(req)}/v3/policies", "previous": None, "next": None}}


@router.get("/v3/policies/{policy_id}")
def get_policy(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_policy")
    return {"policy": _view(req, state(req).catalog_extras.get_policy(req.params["policy_id"]))}


@router.patch("/v3/policies/{policy_id}")
def update_policy(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_policy")
    data = body(req, "policy", schemas.POLICY_UPDATE)
    row = state(req).catalog_extras.update_policy(req.params["policy_id"], data)
    return {"policy": _view(req, row)}


@router.delete("/v3/policies/{policy_id}", status=204)
def delete_policy(req: ApiRequest) -> None:
    req.enforce("identity:delete_policy")
    state(req).catalog_extras.delete_policy(req.params["policy_id"])
