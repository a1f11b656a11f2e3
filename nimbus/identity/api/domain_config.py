"""``/v3/domains/{domain_id}/config[/{group}[/{option}]]`` and ``/v3/domains/config/.../default``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.identity.api.common import state

router = Router()


def _body(req: ApiRequest) -> Any:
    return req.body_dict("config")


def _domain(req: ApiRequest) -> str:
    domain_id = req.params["domain_id"]
    state(req).resource.get_domain(domain_id)
    return domain_id


# The fixed "config/.../default" paths come first, so no domain id can shadow them.
@router.get("/v3/domains/config/default")
def default_config(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_domain_config_default")
    return {"config": state(req).domain_configs.default()}


@router.get("/v3/domains/config/{group}/default")
def default_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_domain_config_default")
    return {"config": state(req).domain_configs.default(req.params["group"])}


@router.get("/v3/domains/config/{group}/{option}/default")
def default_option(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_domain_config_default")
    return {"config": state(req).domain_configs.default(req.params["group"],
                                                        req.params["option"])}


@router.put("/v3/domains/{domain_id}/config", status=201)
def create_config(req: ApiRequest) -> Reply:
    req.enforce("identity:create_domain_config")
    domain_id = _domain(req)
    mgr = state(req).domain_configs
    created = mgr.replace(domain_id, _body(req))
    return Reply({"config": mgr.get(domain_id)}, status=201 if created else 200)


@router.get("/v3/domains/{domain_id}/config")
def show_config(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_domain_config")
    return {"config": state(req).domain_configs.get(_domain(req))}


@router.get("/v3/domains/{domain_id}/config/{group}")
def show_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_domain_config")
    return {"config": state(req).domain_configs.get(_domain(req), req.params["group"])}


@router.get("/v3/domains/{domain_id}/config/{group}/{option}")
def show_option(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_domain_config")
    group, option = req.params["group"], req.params["option"]
    found = state(req).domain_configs.get(_domain(req), group, option)
    return {"config": found[group]}


@router.patch("/v3/domains/{domain_id}/config")
def update_config(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_domain_config")
    domain_id = _domain(req)
    mgr = state(req).domain_configs
    mgr.update(domain_id, _body(req))
    return {"config": mgr.get(domain_id)}


@router.patch("/v3/domains/{domain_id}/config/{group}")
def update_group(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_domain_config")
    domain_id = _domain(req)
    mgr = state(req).domain_configs
    mgr.update(domain_id, _body(req), req.params["group"])
    return {"config": mgr.get(domain_id)}


@router.patch("/v3/domains/{domain_id}/config/{group}/{option}")
def update_option(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_domain_config")
    domain_id = _domain(req)
    mgr = state(req).domain_configs
    mgr.update(domain_id, _body(req), req.params["group"], req.params["option"])
    return {"config": mgr.get(domain_id)}


@router.delete("/v3/domains/{domain_id}/config", status=204)
def delete_config(req: ApiRequest) -> None:
    req.enforce("identity:delete_domain_config")
    state(req).domain_configs.delete(_domain(req))


@router.delete("/v3/domains/{domain_id}/config/{group}", status=204)
def delete_group(req: ApiRequest) -> None:
    req.enforce("identity:delete_domain_config")
    state(req).domain_configs.delete(_domain(req), req.params["group"])


@router.delete("/v3/domains/{domain_id}/config/{group}/{option}", status=204)
def delete_option(req: ApiRequest) -> None:
    req.enforce("identity:delete_domain_config")
    state(req).domain_configs.delete(_domain(req), req.params["group"], req.params["option"])
