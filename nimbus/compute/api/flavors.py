"""``/flavors``: list, show, create, delete and extra specs."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas import flavors as schema
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, NotFound

router = Router()


def _specs_visible(req: ApiRequest) -> bool:
    return req.allowed("os_compute_api:os-flavor-extra-specs:index")


def _is_public_filter(req: ApiRequest) -> bool | None:
    raw = req.query.get("is_public")
    if raw is None or not req.ctx.is_admin:
        return True
    if raw.lower() == "none":
        return None
    return raw.lower() in ("1", "t", "true", "on", "y", "yes")


def _listing(req: ApiRequest, detail: bool) -> dict[str, Any]:
    sort_dir = req.query.get("sort_dir", "asc")
    if sort_dir not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort_dir: {sort_dir}")
    flavors = req.svc.flavors.list(
        is_public=_is_public_filter(req), project_admin=req.ctx.is_admin,
        min_ram=req.query_int("minRam"), min_disk=req.query_int("minDisk"),
        sort_key=req.query.get("sort_key", "flavorid"), sort_dir=sort_dir)
    marker = req.query.get("marker")
    if marker:
        ids = [f.flavorid for f in flavors]
        if marker not in ids:
            raise BadRequest(f"marker [{marker}] not found")
        flavors = flavors[ids.index(marker) + 1:]
    limit = req.query_int("limit")
    more = limit is not None and len(flavors) > limit
    if limit is not None:
        flavors = flavors[:limit]
    base = req.service_url
    if detail:
        specs = _specs_visible(req)
        items = [schema.detail(base, req.at_least, f, specs) for f in flavors]
    else:
        items = [schema.summary(base, req.at_least, f) for f in flavors]
    result: dict[str, Any] = {"flavors": items}
    if more and flavors:
        path = "flavors/detail" if detail else "flavors"
        result["flavors_links"] = [{"rel": "next", "href": f"{base}/v2.1/{path}?limit={limit}"
                                    f"&marker={flavors[-1].flavorid}"}]
    return result


# Nova checks no policy to read flavors: every authenticated caller may list and show them.
@router.get(f"{V}/flavors", policy_free=True)
def index(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detail=False)


@router.get(f"{V}/flavors/detail", policy_free=True)
def detail(req: ApiRequest) -> dict[str, Any]:
    return _listing(req, detail=True)


def _visible(req: ApiRequest, flavorid: str) -> Any:
    flavor = req.svc.flavors.get(flavorid)
    if not flavor.is_public and not req.ctx.is_admin:
        raise NotFound(f"Flavor {flavorid} could not be found.")
    return flavor


@router.get(f"{V}/flavors/{{flavor_id}}", policy_free=True)
def show(req: ApiRequest) -> dict[str, Any]:
    flavor = _visible(req, req.params["flavor_id"])
    return {"flavor": schema.detail(req.service_url, req.at_least, flavor, _specs_visible(req))}


@router.post(f"{V}/flavors")
def create(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-flavor-manage:create")
    values = schema.parse_create(req.body_dict("flavor"), req.at_least)
    flavor = req.svc.flavors.create(values)
    return {"flavor": schema.detail(req.service_url, req.at_least, flavor, True)}


@router.put(f"{V}/flavors/{{flavor_id}}")
def update(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-flavor-manage:update")
    if not req.at_least("2.55"):
        raise NotFound(f"The resource could not be found: {req.path}")
    body = req.body_dict("flavor")
    if set(body) != {"description"}:
        raise BadRequest("Only 'description' can be updated.")
    description = body["description"]
    if description is not None and not isinstance(description, str):
        raise BadRequest("Invalid input for field 'description'.")
    flavor = req.svc.flavors.update(req.params["flavor_id"], description=description)
    return {"flavor": schema.detail(req.service_url, req.at_least, flavor, True)}


@router.delete(f"{V}/flavors/{{flavor_id}}", status=202)
def delete(req: ApiRequest) -> None:
    req.enforce("os_compute_api:os-flavor-manage:delete")
    req.svc.flavors.delete(req.params["flavor_id"])


SPECS = f"{V}/flavors/{{flavor_id}}/os-extra_specs"


@router.get(SPECS)
def specs_index(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-flavor-extra-specs:index")
    return {"extra_specs": dict(_visible(req, req.params["flavor_id"]).extra_specs or {})}


@router.post(SPECS)
def specs_create(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-flavor-extra-specs:create")
    specs = schema.extra_specs(req.body_dict().get("extra_specs"))
    req.svc.flavors.set_extra_specs(req.params["flavor_id"], specs)
    return {"extra_specs": specs}


@router.get(f"{SPECS}/{{key}}")
def specs_show(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-flavor-extra-specs:show")
    specs = _visible(req, req.params["flavor_id"]).extra_specs or {}
    key = req.params["key"]
    if key not in specs:
        raise NotFound(f"Flavor {req.params['flavor_id']} has no extra specs with key {key}.")
    return {key: specs[key]}


@router.put(f"{SPECS}/{{key}}")
def specs_update(req: ApiRequest) -> dict[str, Any]:
    req.enforce("os_compute_api:os-flavor-extra-specs:update")
    specs = schema.extra_specs(req.body_dict())
    if list(specs) != [req.params["key"]]:
        raise BadRequest("Request body and URI mismatch")
    req.svc.flavors.set_extra_specs(req.params["flavor_id"], specs)
    return specs


@router.delete(f"{SPECS}/{{key}}")
def specs_delete(req: ApiRequest) -> Reply:
    req.enforce("os_compute_api:os-flavor-extra-specs:delete")
    req.svc.flavors.delete_extra_spec(req.params["flavor_id"], req.params["key"])
    return Reply(None, status=200)
