"""/v2.0/{collection}/{id}/tags: the standard-attr-tag extension."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.errors import HTTPBadRequest, TagNotFound
from nimbus.network.schemas import tags as schemas
from nimbus.network.state import NetworkState

router = Router()

# collection -> resource name (for policy and the manager that shows it)
_KINDS = {"networks": "network", "subnets": "subnet", "ports": "port", "routers": "router",
          "security-groups": "security_group", "floatingips": "floatingip",
          "subnetpools": "subnetpool", "address-scopes": "address_scope",
          "policies": "policy", "trunks": "trunk"}


def _resource(req: ApiRequest[NetworkState]) -> tuple[str, dict[str, Any]]:
    kind = _KINDS.get(req.params["collection"])
    if kind is None:
        raise TagNotFound(f"The resource could not be found: {req.path}")
    svc, ctx, item_id = req.svc, req.ctx, req.params["resource_id"]
    getters = {"network": lambda: svc.networks.get_network(ctx, item_id),
               "subnet": lambda: svc.subnets.get_subnet(ctx, item_id),
               "port": lambda: svc.ports.get_port(ctx, item_id),
               "router": lambda: svc.routers.get_router(ctx, item_id),
               "security_group": lambda: svc.security_groups.get_security_group(ctx, item_id),
               "floatingip": lambda: svc.floating_ips.get_floatingip(ctx, item_id),
               "subnetpool": lambda: svc.subnet_pools.get_pool(ctx, item_id),
               "address_scope": lambda: svc.address_scopes.get_scope(ctx, item_id),
               "policy": lambda: svc.qos.get_policy(ctx, item_id),
               "trunk": lambda: svc.trunks.get_trunk(ctx, item_id)}
    item = getters[kind]()
    if kind in ("subnet", "port"):
        # Their rules name the network's owner (``network_owner``), as their own routes do.
        item = shape.network_target(req, item, as_caller=False)
    return kind, item


def _tag_in_path(tag: str) -> str:
    # A tag in the URL has no body schema to answer for it.
    if not tag or len(tag) > 255 or "," in tag or "/" in tag:
        raise HTTPBadRequest(attr="tags", reason=f"'{tag}' is not a valid tag")
    return tag


@router.get("/v2.0/{collection}/{resource_id}/tags")
def list_tags(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List a resource's tags."""
    kind, item = _resource(req)
    req.enforce(f"get_{kind}", item)
    return {"tags": item["tags"]}


@router.get("/v2.0/{collection}/{resource_id}/tags/{tag}", status=204)
def check_tag(req: ApiRequest[NetworkState]) -> Reply:
    """Whether a resource has a tag."""
    kind, item = _resource(req)
    req.enforce(f"get_{kind}", item)
    if req.params["tag"] not in item["tags"]:
        raise TagNotFound(f"Tag {req.params['tag']} could not be found for {kind} "
                          f"{item['id']}.")
    return Reply(None, 204)


@router.put("/v2.0/{collection}/{resource_id}/tags", body=schemas.REPLACE)
def replace_tags(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Replace a resource's tags."""
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    new = list(dict.fromkeys(req.json["tags"]))
    return {"tags": req.svc.tags.set_tags(kind, item["id"], new)}


@router.put("/v2.0/{collection}/{resource_id}/tags/{tag}", status=201)
def add_tag(req: ApiRequest[NetworkState]) -> None:
    """Add a tag to a resource."""
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    tag = _tag_in_path(req.params["tag"])
    if tag not in item["tags"]:
        req.svc.tags.set_tags(kind, item["id"], [*item["tags"], tag])
    return None


@router.delete("/v2.0/{collection}/{resource_id}/tags", status=204)
def clear_tags(req: ApiRequest[NetworkState]) -> Reply:
    """Remove every tag of a resource."""
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    req.svc.tags.set_tags(kind, item["id"], [])
    return Reply(None, 204)


@router.delete("/v2.0/{collection}/{resource_id}/tags/{tag}", status=204)
def remove_tag(req: ApiRequest[NetworkState]) -> Reply:
    """Remove a tag from a resource."""
    kind, item = _resource(req)
    req.enforce(f"update_{kind}", item)
    if req.params["tag"] not in item["tags"]:
        raise TagNotFound(f"Tag {req.params['tag']} could not be found for {kind} "
                          f"{item['id']}.")
    req.svc.tags.set_tags(kind, item["id"], [t for t in item["tags"]
                                             if t != req.params["tag"]])
    return Reply(None, 204)
