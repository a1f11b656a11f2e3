"""``/os-keypairs``: create or import, list, show and delete a user's keypairs."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, next_links
from nimbus.compute.schemas import keypairs as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Reply, Router

router = Router()


def _user(req: ApiRequest[ComputeState], wanted: Any = None) -> str:
    """Whose keypairs: the caller's, or (2.10+) the ``user_id`` an admin names."""
    if wanted and req.at_least("2.10"):
        return str(wanted)
    return str(req.ctx.user_id)


def _enforce(req: ApiRequest[ComputeState], action: str, user_id: str) -> None:
    req.enforce(f"os_compute_api:os-keypairs:{action}", {"user_id": user_id, "project_id": None})


@router.get(f"{V}/os-keypairs", query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List a user's keypairs (paged from 2.35)."""
    user_id = _user(req, req.args.get("user_id"))
    _enforce(req, "index", user_id)
    if not req.at_least("2.35"):
        rows = req.svc.keypairs.page(user_id).items
        return {"keypairs": [{"keypair": schemas.short(req.at_least, r)} for r in rows]}
    page = req.svc.keypairs.page(user_id, paging.page_query(req, sort=[]))
    result: dict[str, Any] = {}
    links = next_links(req, page.items, lambda r: r.name)
    if links:
        result["keypairs_links"] = links
    result["keypairs"] = [{"keypair": schemas.short(req.at_least, r)} for r in page.items]
    return result


@router.post(f"{V}/os-keypairs", body=schemas.CREATE, also=(201,), faults=(409,))
def create(req: ApiRequest[ComputeState]) -> Reply:
    """Create (generate) or import a keypair."""
    body = req.json["keypair"]
    user_id = _user(req, body.get("user_id"))
    _enforce(req, "create", user_id)
    row, private = req.svc.keypairs.create(user_id, body["name"], body.get("type") or "ssh",
                                           body.get("public_key"))
    shaped = schemas.short(req.at_least, row)
    shaped["user_id"] = row.user_id
    if private is not None:
        shaped["private_key"] = private
    return Reply({"keypair": shaped}, status=201 if req.at_least("2.2") else 200)


@router.get(f"{V}/os-keypairs/{{name}}", query=schemas.USER_QUERY)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a keypair."""
    user_id = _user(req, req.args.get("user_id"))
    _enforce(req, "show", user_id)
    return {"keypair": schemas.full(req.at_least, req.svc.keypairs.get(user_id,
                                                                       req.params["name"]))}


@router.delete(f"{V}/os-keypairs/{{name}}", status=204, also=(202,), query=schemas.USER_QUERY)
def delete(req: ApiRequest[ComputeState]) -> Reply:
    """Delete a keypair."""
    user_id = _user(req, req.args.get("user_id"))
    _enforce(req, "delete", user_id)
    req.svc.keypairs.delete(user_id, req.params["name"])
    return Reply(None, status=204 if req.at_least("2.2") else 202)
