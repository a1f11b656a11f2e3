"""``/v3/policies``: policy documents Keystone keeps for other services (opaque blobs)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.identity.api.common import base
from nimbus.identity.schemas import catalog_extras as schemas
from nimbus.identity.schemas import queries
from nimbus.identity.schemas.rows import PolicyBlob
from nimbus.identity.state import IdentityState

router = Router()


def _view(req: ApiRequest[IdentityState], row: PolicyBlob) -> dict[str, Any]:
    return {**(row.extra or {}), "id": row.id, "type": row.type, "blob": row.blob,
            "links": {"self": f"{base(req)}/v3/policies/{row.id}"}}


@router.post("/v3/policies", status=201, body=schemas.POLICY_CREATE_BODY)
def create_policy(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Store a policy document."""
    req.enforce("identity:create_policy")
    data = req.json["policy"]
    extra = {k: v for k, v in data.items() if k not in ("type", "blob", "id")}
    row = req.svc.catalog_extras.create_policy(data["type"], data["blob"], extra)
    return {"policy": _view(req, row)}


@router.get("/v3/policies", query=queries.text("type"))
def list_policies(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List policy documents."""
    req.enforce("identity:list_policies")
    rows = req.svc.catalog_extras.list_policies(req.query.get("type"))
    return {"policies": [_view(req, r) for r in rows],
            "links": {"self": f"{base(req)}/v3/policies", "previous": None, "next": None}}


@router.get("/v3/policies/{policy_id}")
def get_policy(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a policy document."""
    req.enforce("identity:get_policy")
    return {"policy": _view(req, req.svc.catalog_extras.get_policy(req.params["policy_id"]))}


@router.patch("/v3/policies/{policy_id}", body=schemas.POLICY_UPDATE_BODY)
def update_policy(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a policy document."""
    req.enforce("identity:update_policy")
    row = req.svc.catalog_extras.update_policy(req.params["policy_id"], req.json["policy"])
    return {"policy": _view(req, row)}


@router.delete("/v3/policies/{policy_id}", status=204)
def delete_policy(req: ApiRequest[IdentityState]) -> None:
    """Delete a policy document."""
    req.enforce("identity:delete_policy")
    req.svc.catalog_extras.delete_policy(req.params["policy_id"])
