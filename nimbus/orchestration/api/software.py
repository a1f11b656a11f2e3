"""Software configs and deployments (``/software_configs``, ``/software_deployments``), and
the pre-signed URL servers signal their deployments' outputs to."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Reply, Router
from nimbus.core.errors import BadRequest, Forbidden
from nimbus.orchestration.api.common import HeatRouter, Req, tenant
from nimbus.orchestration.db.software import SoftwareStore
from nimbus.orchestration.manager import signals
from nimbus.orchestration.manager.resources import ResourceReader, deliver
from nimbus.orchestration.resources.software import complete
from nimbus.orchestration.template.errors import EntityNotFound

router = HeatRouter()
signal_router = Router()


def _store(req: Req) -> SoftwareStore:
    return SoftwareStore(req.svc.stacks.db)


def _scope(req: Req) -> str | None:
    return None if req.ctx.is_admin and req.query.get("tenant_safe") == "false" else tenant(req)


@router.get("/software_configs", policy_free=True)
def config_index(req: Req) -> dict[str, Any]:
    """List software configs."""
    req.enforce("software_configs:index")
    found = _store(req).configs(tenant(req))
    return {"software_configs": [{k: c[k] for k in ("id", "name", "group", "creation_time")}
                                 for c in found]}


@router.post("/software_configs", policy_free=True)
def config_create(req: Req) -> dict[str, Any]:
    """Create a software config."""
    req.enforce("software_configs:create")
    body = req.body_dict()
    if not body.get("name"):
        raise BadRequest("Missing name", heat_type="HTTPBadRequest")
    made = _store(req).create_config(
        tenant(req), str(body["name"]), str(body.get("group") or "Heat::Ungrouped"),
        {"config": body.get("config"), "inputs": body.get("inputs") or [],
         "outputs": body.get("outputs") or [], "options": body.get("options") or {}})
    return {"software_config": made}


@router.get("/software_configs/{config_id}", policy_free=True)
def config_show(req: Req) -> dict[str, Any]:
    """Show a software config."""
    req.enforce("software_configs:show")
    found = _store(req).config(req.params["config_id"], tenant(req))
    if found is None:
        raise EntityNotFound(entity="Software Config", name=req.params["config_id"],
                             heat_type="NotFound")
    return {"software_config": found}


@router.delete("/software_configs/{config_id}", status=204, policy_free=True)
def config_delete(req: Req) -> Reply:
    """Delete a software config."""
    req.enforce("software_configs:delete")
    if _store(req).config(req.params["config_id"], tenant(req)) is None or \
            not _store(req).delete_config(req.params["config_id"]):
        raise EntityNotFound(entity="Software Config", name=req.params["config_id"],
                             heat_type="NotFound")
    return Reply(None, status=204)


@router.get("/software_deployments", policy_free=True)
def deployment_index(req: Req) -> dict[str, Any]:
    """List software deployments (of one server, with ``server_id``)."""
    req.enforce("software_deployments:index")
    return {"software_deployments": _store(req).deployments(
        tenant(req), req.query.get("server_id"))}


@router.get("/software_deployments/metadata/{server_id}", policy_free=True)
def deployment_metadata(req: Req) -> dict[str, Any]:
    """The configs deployed to a server, as its agent reads them."""
    req.enforce("software_deployments:metadata")
    return {"metadata": _store(req).server_configs(req.params["server_id"])}


def _deployment(req: Req) -> dict[str, Any]:
    found = _store(req).deployment(req.params["deployment_id"], tenant(req))
    if found is None:
        raise EntityNotFound(entity="Software Deployment", name=req.params["deployment_id"],
                             heat_type="NotFound")
    return found


@router.get("/software_deployments/{deployment_id}", policy_free=True)
def deployment_show(req: Req) -> dict[str, Any]:
    """Show a software deployment."""
    req.enforce("software_deployments:show")
    return {"software_deployment": _deployment(req)}


@router.post("/software_deployments", policy_free=True)
def deployment_create(req: Req) -> dict[str, Any]:
    """Create a software deployment."""
    req.enforce("software_deployments:create")
    body = req.body_dict()
    for key in ("server_id", "config_id"):
        if not body.get(key):
            raise BadRequest(f"Missing {key}", heat_type="HTTPBadRequest")
    if _store(req).config(str(body["config_id"]), tenant(req)) is None:
        raise EntityNotFound(entity="Software Config", name=body["config_id"],
                             heat_type="NotFound")
    made = _store(req).create_deployment(
        tenant(req), str(body["server_id"]), str(body["config_id"]),
        dict(body.get("input_values") or {}), str(body.get("action") or "INIT"),
        str(body.get("status") or "COMPLETE"), str(body.get("status_reason") or ""))
    _store(req).push_metadata(tenant(req), made["server_id"])
    return {"software_deployment": made}


@router.put("/software_deployments/{deployment_id}", policy_free=True)
def deployment_update(req: Req) -> dict[str, Any]:
    """Update a software deployment (its status and outputs, as its server reports)."""
    req.enforce("software_deployments:update")
    _deployment(req)
    body = req.body_dict()
    changes = {k: body[k] for k in ("config_id", "input_values", "output_values", "action",
                                    "status", "status_reason") if k in body}
    updated = _store(req).update_deployment(req.params["deployment_id"], **changes)
    assert updated is not None
    _store(req).push_metadata(tenant(req), updated["server_id"])
    return {"software_deployment": updated}


@router.delete("/software_deployments/{deployment_id}", status=204, policy_free=True)
def deployment_delete(req: Req) -> Reply:
    """Delete a software deployment."""
    req.enforce("software_deployments:delete")
    found = _deployment(req)
    _store(req).delete_deployment(found["id"])
    _store(req).push_metadata(tenant(req), found["server_id"])
    return Reply(None, status=204)


def _signal(req: Req) -> Reply:
    ident = req.params["target"]
    if not signals.valid(req.svc.platform, ident, req.query.get("signature") or ""):
        raise Forbidden("The signal's signature does not match.", heat_type="Forbidden")
    details = req.json if req.raw_body else {}
    resource = signals.resource_of(ident)
    if resource is not None:
        # A resource's URL (a wait condition handle's, a scaling policy's webhook).
        reader = ResourceReader(req.svc.stacks.db)
        stack = req.svc.stacks.get(None, resource[0])
        deliver(reader, req.svc.rpc, stack, reader.one(stack, resource[1]).resource, details)
        return Reply(None, status=200)
    if complete(_store(req), ident, details) is None:
        raise EntityNotFound(entity="Software Deployment", name=ident, heat_type="NotFound")
    return Reply(None, status=200)


@signal_router.post("/v1/signal/{target}", public=True, faults=(403,))
def signal(req: Req) -> Reply:
    """A signal on a pre-signed URL (no token): a deployment's outputs, a wait condition
    handle's status, a scaling policy's alarm."""
    return _signal(req)


@signal_router.put("/v1/signal/{target}", public=True, faults=(403,))
def signal_put(req: Req) -> Reply:
    """The same signal sent with PUT, as CloudFormation's cfn-signal sends it."""
    return _signal(req)
