"""A stack's resources: list (filtered, into nested stacks), show with attributes, metadata,
signal (which also clears hooks) and marking unhealthy."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Reply
from nimbus.core.errors import BadRequest
from nimbus.orchestration.api.common import HeatRouter, Req, base, find, flag
from nimbus.orchestration.manager import views
from nimbus.orchestration.manager.resources import Found, ResourceReader, deliver

router = HeatRouter()
_FILTERS = {"name": "name", "status": "status", "action": "action", "type": "type",
            "id": "id", "physical_resource_id": "physical_id"}


def _reader(req: Req) -> ResourceReader:
    return ResourceReader(req.svc.stacks.db)


def _depth(req: Req) -> int:
    value = req.query.get("nested_depth")
    if value is None:
        return 0
    try:
        return max(0, int(value))
    except ValueError:
        raise BadRequest("Only integer is acceptable by 'nested_depth'.",
                         heat_type="HTTPBadRequest") from None


def _matches(found: Found, req: Req) -> bool:
    res = found.resource
    for key, attr in _FILTERS.items():
        wanted = req.query.getlist(key)
        if not wanted:
            continue
        if key == "status":
            have = {res.status, f"{res.action}_{res.status}"}
        else:
            have = {str(getattr(res, attr) or "")}
        if not have & set(wanted):
            return False
    return True


def _view(req: Req, found: Found, detail: bool = False) -> dict[str, Any]:
    attributes = None
    description = ""
    if detail:
        attributes, description = _attributes(req, found)
    return views.resource(base(req), found.stack, found.resource, found.required_by,
                          detail=detail, attributes=attributes, nested_id=found.nested_id,
                          description=description, nested_name=found.nested_name)


def _attributes(req: Req, found: Found) -> tuple[dict[str, Any], str]:
    """Every attribute of the resource as it stands (``show`` included), and its
    description; a stack that cannot be loaded shows none."""
    try:
        stack = req.svc.stacks.loaded(found.stack)
    except Exception:  # noqa: BLE001 - nothing to resolve from
        return {}, ""
    state = stack.resources.get(found.resource.name)
    defn = stack.definitions.get(found.resource.name)
    description = defn.description if defn is not None else ""
    if state is None or state.plugin is None:
        return {}, description
    values: dict[str, Any] = {}
    for name in state.plugin.info().attributes:
        if name == "show":
            # The whole resource as its service shows it: only when asked by name.
            continue
        try:
            values[name] = state.plugin.attribute(name)
        except Exception:  # noqa: BLE001 - an attribute that fails reads as None
            values[name] = None
    return values, description


_LIST_KEYS = {*_FILTERS, "nested_depth", "with_detail"}


@router.get("/stacks/{stack_name}/{stack_id}/resources", policy_free=True)
def index(req: Req) -> dict[str, Any]:
    """List a stack's resources."""
    row = find(req, "resource:index")
    unknown = sorted(set(req.query.keys()) - _LIST_KEYS)
    if unknown:
        raise BadRequest(f"Invalid filter parameters {unknown}", heat_type="HTTPBadRequest")
    detail = flag(req, "with_detail")
    found = [f for f in _reader(req).listing(row, _depth(req)) if _matches(f, req)]
    return {"resources": [_view(req, f, detail) for f in found]}


@router.get("/stacks/{stack_name}/{stack_id}/resources/{resource_name}", policy_free=True)
def show(req: Req) -> dict[str, Any]:
    """Show a resource."""
    row = find(req, "resource:show")
    return {"resource": _view(req, _reader(req).one(row, req.params["resource_name"]), True)}


@router.get("/stacks/{stack_name}/{stack_id}/resources/{resource_name}/metadata",
            policy_free=True)
def metadata(req: Req) -> dict[str, Any]:
    """Show a resource's metadata."""
    row = find(req, "resource:metadata")
    found = _reader(req).one(row, req.params["resource_name"])
    return {"metadata": found.resource.metadata_ or {}}


@router.post("/stacks/{stack_name}/{stack_id}/resources/{resource_name}/signal",
             policy_free=True)
def signal(req: Req) -> Reply:
    """Send a signal to a resource (clearing a hook is one)."""
    row = find(req, "resource:signal")
    found = _reader(req).one(row, req.params["resource_name"])
    details = req.json if req.raw_body else None
    if isinstance(details, dict) and "unset_hook" in details:
        hook = str(details["unset_hook"])
        if not _reader(req).clear_hook(found.resource.id, hook):
            raise BadRequest(f'The "{hook}" hook is not defined on '
                             f"{found.resource.type} \"{found.resource.name}\"",
                             heat_type="InvalidBreakPointHook")
        return Reply(None, status=200)
    deliver(_reader(req), req.svc.rpc, row, found.resource, details)
    return Reply(None, status=200)


@router.patch("/stacks/{stack_name}/{stack_id}/resources/{resource_name}", policy_free=True)
def mark_unhealthy(req: Req) -> Reply:
    """Mark a resource unhealthy (or healthy again)."""
    row = find(req, "resource:mark_unhealthy")
    found = _reader(req).one(row, req.params["resource_name"])
    body = req.body_dict()
    unknown = set(body) - {"mark_unhealthy", "resource_status_reason"}
    if unknown:
        raise BadRequest(f"Invalid keys in resource mark unhealthy {sorted(unknown)}",
                         heat_type="HTTPBadRequest")
    if "mark_unhealthy" not in body:
        raise BadRequest("Missing required parameter mark_unhealthy",
                         heat_type="HTTPBadRequest")
    value = body["mark_unhealthy"]
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise BadRequest(f'Unrecognized value "{value}" for "mark_unhealthy", acceptable '
                             'values are: true, false.', heat_type="HTTPBadRequest")
        value = value.lower() == "true"
    _reader(req).mark(found.resource.id, bool(value), str(body.get("resource_status_reason")
                                                          or ""))
    return Reply(None, status=200)
