"""``/os-services``: the compute service's binaries and where they run; enable, disable, force
down and delete them."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.manager.hosts import Service, record_id_of
from nimbus.compute.manager.services import only_compute
from nimbus.compute.schemas import services as schemas
from nimbus.compute.schemas.common import as_bool
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()
SERVICE = f"{V}/os-services/{{service_id}}"


@router.get(f"{V}/os-services", query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the compute services."""
    req.enforce("os_compute_api:os-services:list")
    host, binary = req.args.get("host"), req.args.get("binary")
    return {"services": [schemas.view(s, req.at_least) for s in req.svc.hosts.services()
                         if (not host or s.host == host) and (not binary or s.binary == binary)]}


def _by_uuid(req: ApiRequest[ComputeState], ident: str) -> Service:
    found = req.svc.hosts.by_uuid(ident)
    if found is None:
        raise NotFound(f"Service {ident} could not be found.", resource="service", id=ident)
    return found


def _check_uuid(ident: str) -> None:
    if record_id_of(ident) is None:
        raise BadRequest(f"Invalid uuid {ident}")


@router.put(SERVICE, body=schemas.UPDATE)
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Enable, disable or force down a service (before 2.53 the path names the action)."""
    ident = req.params["service_id"]
    if not req.at_least("2.53"):
        req.enforce("os_compute_api:os-services:update")
        return _update_by_action(req, ident)
    _check_uuid(ident)
    req.enforce("os_compute_api:os-services:update")
    service = _by_uuid(req, ident)
    only_compute(service.binary)
    manager = req.svc.services
    body = req.json
    changed = False
    if "status" in body:
        if body["status"] == "enabled":
            if body.get("disabled_reason"):
                raise BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
            service = manager.set_status(service, False, None)
        else:
            service = manager.set_status(service, True, body.get("disabled_reason"))
        changed = True
    if "forced_down" in body:
        service = manager.set_forced_down(service, as_bool(body["forced_down"]))
        changed = True
    if not changed:
        raise BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be "
                         "specified.")
    return {"service": schemas.view(service, req.at_least)}


def _update_by_action(req: ApiRequest[ComputeState], action: str) -> dict[str, Any]:
    """``PUT /os-services/enable|disable|disable-log-reason|force-down`` (before 2.53)."""
    actions = {"enable", "disable", "disable-log-reason"}
    if req.at_least("2.11"):
        actions.add("force-down")
    if action not in actions:
        raise NotFound("Unknown action")
    body = req.json
    host, binary = body["host"], body["binary"]
    manager = req.svc.services
    if action == "force-down":
        if "forced_down" not in body:
            raise BadRequest("Missing forced_down field")
        forced = as_bool(body["forced_down"])
        manager.set_forced_down(manager.by_host(host, binary), forced)
        return {"service": {"host": host, "binary": binary, "forced_down": forced}}
    reason = None
    if action == "disable-log-reason":
        if "disabled_reason" not in body:
            raise BadRequest("Missing disabled reason field")
        reason = body["disabled_reason"]
    disabled = action != "enable"
    manager.set_status(manager.by_host(host, binary), disabled, reason)
    reply: dict[str, Any] = {"host": host, "binary": binary,
                             "status": "disabled" if disabled else "enabled"}
    if reason:
        reply["disabled_reason"] = reason
    return {"service": reply}


@router.delete(SERVICE, status=204, faults=(409,))
def delete(req: ApiRequest[ComputeState]) -> None:
    """Delete a service (by UUID from 2.53, by integer id before)."""
    req.enforce("os_compute_api:os-services:delete")
    ident = req.params["service_id"]
    if req.at_least("2.53"):
        _check_uuid(ident)
        service = req.svc.hosts.by_uuid(ident)
    else:
        # isascii: str.isdigit() also accepts superscripts that int() refuses.
        if not (ident.isascii() and ident.isdigit()) or len(ident) > 18:
            raise BadRequest("Invalid input received: id must be an integer")
        service = req.svc.hosts.by_id(int(ident))
    if service is None:
        raise NotFound(f"Service {ident} not found.", resource="service", id=ident)
    req.svc.services.delete(service)
