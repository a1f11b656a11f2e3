"""/v2.0/{collection}/{id}/tags: the standard-attr-tag extension."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.network.errors import HTTPBadRequest, TagNotFound

router = Router()

# collection → (resource name for policy, manager getter)
_KINDS = {"networks": "network", "subnets": "subnet", "ports": "port", "routers": "router",
          "security-groups": "security_group", "floatingips": "floatingip"}


def _resource(req: ApiRequest) -> tuple[str, dict[str, Any]]:
    kind = _KINDS.get(req.params["collection"])
    if kind is None:
        raise TagNotFound(f"The resource could not be found: {req.path}")
    getter = getattr(req.svc.manager, f"get_{kind}")
    item = getter(req.ctx, req.params["resource_id"])
    return kind, item


def _check(tag: Any) -> str:
    if not isinstance(tag, str) or not tag or len(tag) > 255 or "," in tag or "/" in tag:
        raise HTTPBadRequest(attr="tags", reason=f"'{tag}' is not a valid tag")
    return tag


@router.get("/v2.0/{collection}/{resource_id}/tags")
def list_tags(req: ApiRequest) -> dict[str, Any]:
    kind, item = _resource(req)
    req.enforce(f"get_{kind}", item)
    return {"tags": item["tags"]}


@router.get("/v2.0/{collection}/{resource_id}/tags/{tag}", status=204)
def check_tag(req: ApiRequest) -> Reply:
    kind, item = _resource(req)
    req.enforce(f"get_{kind}", item)
    if req.params["tag"] not in item["tags"]:
        raise TagNotFound(f"Tag {req.params['tag']} could not be found for {kind} "
                          f"{item['id']}.")
    return Reply(None, 204)


@router.put("/v2.0/{collection}/{resource_id}/tags")
def replace_tags(req: ApiRequest) -> dict[str, Any]:
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    tags = req.body_dict().get("tags")
    if not isinstance(tags, list):
        raise HTTPBadRequest(attr="tags", reason="a list of tags is required")
    new = list(dict.fromkeys(_check(t) for t in tags))
    return {"tags": req.svc.manager.set_tags(kind, item["id"], new)}


@router.put("/v2.0/{collection}/{resource_id}/tags/{tag}", status=201)
def add_tag(req: ApiRequest) -> None:
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    tag = _check(req.params["tag"])
    if tag not in item["tags"]:
        req.svc.manager.set_tags(kind, item["id"], [*item["tags"], tag])
    return None


@router.delete("/v2.0/{collection}/{resource_id}/tags", status=204)
def clear_tags(req: ApiRequest) -> Reply:
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    req.svc.manager.set_tags(kind, item["id"], [])
    return Reply(None, 204)


@router.delete("/v2.0/{collection}/{resource_id}/tags/{tag}", status=204)
def remove_tag(req: ApiRequest) -> Reply:
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    if req.params["tag"] not in item["tags"]:
        raise TagNotFound(f"Tag {req.params['tag']} could not be found for {kind} "
                          f"{item['id']}.")
    req.svc.manager.set_tags(kind, item["id"], [t for t in item["tags"]
                                                 if t != req.params["tag"]])
    return Reply(None, 204)
