"""``/flavors``: list, show, create, update and delete."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, next_links
from nimbus.compute.manager.flavors import Flavor
from nimbus.compute.schemas import flavors as schemas
from nimbus.compute.schemas.common import as_bool, bounded_int
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Router

router = Router()


def specs_visible(req: ApiRequest[ComputeState]) -> bool:
    return req.allowed("os_compute_api:os-flavor-extra-specs:index")


def _is_public_filter(req: ApiRequest[ComputeState]) -> bool | None:
    """Members see public flavors (and private ones granted to their project); administrators
    choose (``none``: both)."""
    raw = req.args.get("is_public")
    if raw is None or not req.ctx.is_admin:
        return True
    if raw.lower() == "none":
        return None
    return raw.lower() in ("1", "t", "true", "on", "y", "yes")


def _listing(req: ApiRequest[ComputeState], detail: bool) -> dict[str, Any]:
    sort = [(req.args.get("sort_key") or "flavorid", req.args.get("sort_dir") or "asc")]
    page = req.svc.flavors.page(paging.page_query(req, sort=sort),
                                is_public=_is_public_filter(req),
                                min_ram=req.args.get("minRam"), min_disk=req.args.get("minDisk"),
                                project_id=req.ctx.project_id)
    base = req.service_url
    if detail:
        specs = specs_visible(req)
        items = [schemas.detail(base, req.at_least, f, specs) for f in page.items]
    else:
        items = [schemas.summary(base, req.at_least, f) for f in page.items]
    result: dict[str, Any] = {"flavors": items}
    links = next_links(req, page.items, lambda f: f.flavorid)
    if links:
        result["flavors_links"] = links
    return result


# Nova checks no policy to read flavors: every authenticated caller may list and show them.
@router.get(f"{V}/flavors", policy_free=True, query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List flavors."""
    return _listing(req, detail=False)


@router.get(f"{V}/flavors/detail", policy_free=True, query=schemas.LIST_QUERY)
def detail(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List flavors with details."""
    return _listing(req, detail=True)


@router.get(f"{V}/flavors/{{flavor_id}}", policy_free=True)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a flavor."""
    flavor = req.svc.flavors.visible(req.params["flavor_id"], req.ctx.is_admin,
                                     req.ctx.project_id)
    return {"flavor": schemas.detail(req.service_url, req.at_least, flavor, specs_visible(req))}


def _values(body: dict[str, Any]) -> dict[str, Any]:
    """A create body (its schema checked) as the flavor's columns."""
    flavorid = body.get("id")
    return {
        "name": body["name"], "flavorid": None if flavorid is None else str(flavorid),
        "memory_mb": bounded_int("ram", body["ram"], 1),
        "vcpus": bounded_int("vcpus", body["vcpus"], 1),
        "root_gb": bounded_int("disk", body["disk"]),
        "ephemeral_gb": bounded_int("OS-FLV-EXT-DATA:ephemeral",
                                    body.get("OS-FLV-EXT-DATA:ephemeral") or 0),
        "swap": bounded_int("swap", body.get("swap") or 0),
        "rxtx_factor": float(body.get("rxtx_factor", 1.0)),
        "is_public": as_bool(body.get("os-flavor-access:is_public", True)),
        "description": body.get("description"),
    }


@router.post(f"{V}/flavors", body=schemas.CREATE, faults=(409,))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Create a flavor."""
    req.enforce("os_compute_api:os-flavor-manage:create")
    flavor = req.svc.flavors.create(_values(req.json["flavor"]))
    return {"flavor": _full(req, flavor)}


def _full(req: ApiRequest[ComputeState], flavor: Flavor) -> dict[str, Any]:
    return schemas.detail(req.service_url, req.at_least, flavor, True)


@router.put(f"{V}/flavors/{{flavor_id}}", body=schemas.UPDATE, min_version="2.55")
def update(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Change a flavor's description."""
    req.enforce("os_compute_api:os-flavor-manage:update")
    flavor = req.svc.flavors.update(req.params["flavor_id"],
                                    description=req.json["flavor"]["description"])
    return {"flavor": _full(req, flavor)}


@router.delete(f"{V}/flavors/{{flavor_id}}", status=202)
def delete(req: ApiRequest[ComputeState]) -> None:
    """Delete a flavor."""
    req.enforce("os_compute_api:os-flavor-manage:delete")
    req.svc.flavors.delete(req.params["flavor_id"])
