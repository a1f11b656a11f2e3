"""Stacks: list, create, preview, find, show, update (PUT and PATCH), delete, and what a
stack was made from (template, environment, files) and what it gives (outputs)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nimbus.core.api.routing import Reply
from nimbus.core.api.validation import LIMIT, MARKER, query
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import BadRequest
from nimbus.orchestration.api.common import HeatRouter, Req, base, find, flag, tenant
from nimbus.orchestration.constants import HIDDEN_TAGS
from nimbus.orchestration.db.stacks import SORT_KEYS, StackFilters
from nimbus.orchestration.manager import requests, stack_extras, views
from nimbus.orchestration.template.errors import EntityNotFound

router = HeatRouter()


def _filters(req: Req) -> StackFilters:
    q = req.query
    global_tenant = flag(req, "global_tenant")
    if global_tenant:
        req.enforce("stacks:global_index")

    def many(name: str) -> list[str]:
        return [v for value in q.getlist(name) for v in value.split(",") if v]

    return StackFilters(
        project_id=None if global_tenant else tenant(req), names=q.getlist("name"),
        ids=q.getlist("id"), statuses=q.getlist("status"), actions=q.getlist("action"),
        tags=many("tags"), tags_any=many("tags_any"), not_tags=many("not_tags"),
        not_tags_any=many("not_tags_any"), hidden_tags=list(HIDDEN_TAGS),
        show_hidden=flag(req, "show_hidden"), show_deleted=flag(req, "show_deleted"),
        show_nested=flag(req, "show_nested"))


def _query(req: Req) -> PageQuery:
    """Heat's ``sort_keys`` (repeatable), ``sort_dir``, ``limit`` and ``marker``."""
    keys = [k for value in req.query.getlist("sort_keys") for k in value.split(",") if k]
    direction = (req.query.get("sort_dir") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise BadRequest("Unknown sort direction, must be one of: asc, desc",
                         heat_type="HTTPBadRequest")
    for key in keys:
        if key not in SORT_KEYS:
            raise BadRequest(f"Invalid sort key {key}", heat_type="HTTPBadRequest")
    limit = req.args.get("limit")
    return PageQuery(limit=limit, marker=req.args.get("marker") or None,
                     sort=tuple((k, direction) for k in keys))


def _description(row: Any) -> str:
    """The template's description; a HOT template without one says so, as Heat's does."""
    doc = row.template or {}
    if "heat_template_version" in doc:
        return str(doc.get("description") or "No description")
    return str(doc.get("Description") or "")


LIST_QUERY = query({"limit": LIMIT, "marker": MARKER})


@router.get("/stacks", policy_free=True, query=LIST_QUERY)
def index(req: Req) -> dict[str, Any]:
    """List stacks."""
    req.enforce("stacks:index")
    rows = req.svc.stacks.listing(_filters(req), _query(req))
    return _collection(req, [views.stack(base(req), r, _description(r)) for r in rows])


@router.get("/stacks/detail", policy_free=True, query=LIST_QUERY)
def detail(req: Req) -> dict[str, Any]:
    """List stacks with their details."""
    req.enforce("stacks:detail")
    rows = req.svc.stacks.listing(_filters(req), _query(req))
    return _collection(req, [views.stack(base(req), r, _description(r), detail=True)
                             for r in rows])


def _collection(req: Req, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The list, with a ``next`` link when a full page was asked for and given (Heat's)."""
    body: dict[str, Any] = {"stacks": items}
    limit = req.args.get("limit")
    if limit and len(items) == limit:
        params = [(k, v) for k, v in req.query.multi_items() if k != "marker"]
        params.append(("marker", items[-1]["id"]))
        body["links"] = [{"href": f"{req.host_url}{req.path}?{urlencode(params)}",
                          "rel": "next"}]
    return body


@router.post("/stacks", status=201, policy_free=True)
def create(req: Req) -> Reply:
    """Create a stack."""
    req.enforce("stacks:create")
    body = req.body_dict()
    name = body.get("stack_name")
    if not name:
        raise BadRequest("No stack name specified", heat_type="HTTPBadRequest")
    adopt = None
    if body.get("adopt_stack_data") is not None:
        adopt = stack_extras.adopt_data(body["adopt_stack_data"])
        if body.get("template") is None and adopt.get("template"):
            body = {**body, "template": adopt["template"]}
    row = req.svc.stacks.create(req.ctx, requests.check_name(name), requests.read(body),
                                adopt=adopt)
    link = views.stack_link(base(req), row)
    return Reply({"stack": {"id": row.id, "links": [{"href": link, "rel": "self"}]}},
                 status=201, headers={"Location": link})


@router.post("/stacks/preview", policy_free=True)
def preview(req: Req) -> dict[str, Any]:
    """Preview a stack."""
    req.enforce("stacks:preview")
    body = req.body_dict()
    from nimbus.orchestration.manager import preview as previews

    return {"stack": previews.stack(req, body)}


def _redirect(req: Req, rest: str = "") -> Reply:
    row = req.svc.stacks.get(tenant(req), req.params["stack_name"])
    req.enforce("stacks:lookup", target={"project_id": row.project_id})
    query = f"?{req.raw_query.decode()}" if req.raw_query else ""
    location = f"{views.stack_link(base(req), row)}{rest}{query}"
    return Reply({"stack": {"id": row.id, "links": [{"href": location, "rel": "self"}]}},
                 status=302, headers={"Location": location})


@router.get("/stacks/{stack_name}", status=302, policy_free=True)
def lookup(req: Req) -> Reply:
    """Find a stack by name or id."""
    return _redirect(req)


# Any method on a stack named without its id is sent on to the stack's own address (a
# client follows the redirect with the same method: ``DELETE /stacks/{name}`` deletes it).
for _method in ("post", "put", "patch", "delete"):
    def _lookup_method(req: Req) -> Reply:
        return _redirect(req)

    _lookup_method.__name__ = f"lookup_{_method}"
    _lookup_method.__doc__ = "Find a stack by name or id, for the same request at its address."
    getattr(router, _method)("/stacks/{stack_name}", status=302, policy_free=True)(
        _lookup_method)


# A subpath of a stack named without its id, as Heat's lookups send them on: these for any
# read, the first four for a POST too (an action, a signal).
for _rest, _methods in (("resources", ("get", "post")), ("events", ("get", "post")),
                        ("template", ("get", "post")), ("actions", ("get", "post")),
                        ("environment", ("get",)), ("files", ("get",))):
    for _verb in _methods:
        def _lookup_rest(req: Req, rest: str = _rest) -> Reply:
            return _redirect(req, f"/{rest}")

        _lookup_rest.__name__ = f"lookup_{_verb}_{_rest}"
        _lookup_rest.__doc__ = f"Find a stack by name and go to its {_rest}."
        getattr(router, _verb)(f"/stacks/{{stack_name}}/{_rest}", status=302,
                               policy_free=True)(_lookup_rest)


@router.get("/stacks/{stack_name}/{stack_id}", policy_free=True)
def show(req: Req) -> dict[str, Any]:
    """Show a stack."""
    row = find(req, "stacks:show", deleted=True)
    stack = None
    try:
        stack = req.svc.stacks.loaded(row)
    except Exception:  # noqa: BLE001 - a stack whose template no longer loads still shows
        stack = None
    body = views.stack(base(req), row, _description(row), detail=True,
                       parameters=req.svc.stacks.parameters(row, stack),
                       outputs=req.svc.stacks.outputs(row, stack))
    return {"stack": body}


def _update(req: Req, patch: bool) -> Reply:
    row = find(req, "stacks:update_patch" if patch else "stacks:update")
    body = req.body_dict()
    req.svc.stacks.update(req.ctx, row, requests.read(body, template_required=not patch),
                          patch)
    return Reply(None, status=202)


@router.put("/stacks/{stack_name}/{stack_id}", status=202, policy_free=True)
def update(req: Req) -> Reply:
    """Update a stack."""
    return _update(req, patch=False)


@router.patch("/stacks/{stack_name}/{stack_id}", status=202, policy_free=True)
def update_patch(req: Req) -> Reply:
    """Update a stack, keeping what the request does not name."""
    return _update(req, patch=True)


@router.delete("/stacks/{stack_name}/{stack_id}", status=204, policy_free=True)
def delete(req: Req) -> Reply:
    """Delete a stack."""
    row = find(req, "stacks:delete")
    req.svc.stacks.delete(req.ctx, row)
    return Reply(None, status=204)


@router.get("/stacks/{stack_name}/{stack_id}/template", policy_free=True)
def template(req: Req) -> Any:
    """Show a stack's template."""
    return find(req, "stacks:template").template


@router.get("/stacks/{stack_name}/{stack_id}/environment", policy_free=True)
def environment(req: Req) -> Any:
    """Show a stack's environment."""
    return find(req, "stacks:environment").environment


@router.get("/stacks/{stack_name}/{stack_id}/files", policy_free=True)
def files(req: Req) -> Any:
    """Show a stack's files."""
    return find(req, "stacks:files").files


@router.get("/stacks/{stack_name}/{stack_id}/outputs", policy_free=True)
def outputs(req: Req) -> dict[str, Any]:
    """List a stack's outputs."""
    row = find(req, "stacks:list_outputs")
    stack = req.svc.stacks.loaded(row)
    return {"outputs": [{"output_key": o["output_key"], "description": o["description"]}
                        for o in stack.outputs()]}


@router.get("/stacks/{stack_name}/{stack_id}/outputs/{output_key}", policy_free=True)
def output(req: Req) -> dict[str, Any]:
    """Show one output of a stack."""
    row = find(req, "stacks:show_output")
    stack = req.svc.stacks.loaded(row)
    key = req.params["output_key"]
    for found in stack.outputs():
        if found["output_key"] == key:
            return {"output": found}
    raise EntityNotFound(entity="Output", name=key, heat_type="NotFound")


@router.post("/stacks/{stack_name}/{stack_id}/actions", policy_free=True)
def action(req: Req) -> Reply:
    """Suspend, resume, check or cancel the update of a stack."""
    row = find(req, "actions:action")
    body = req.body_dict()
    if len(body) != 1:
        raise BadRequest("Multiple actions specified", heat_type="HTTPBadRequest")
    name = next(iter(body))
    if name not in ("suspend", "resume", "check", "cancel_update", "cancel_without_rollback"):
        raise BadRequest(f"Invalid action {name} specified", heat_type="HTTPBadRequest")
    req.enforce(f"actions:{name}", target={"project_id": row.project_id})
    req.svc.stacks.action(req.ctx, row, name)
    return Reply(None, status=200)
