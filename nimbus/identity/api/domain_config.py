"""``/v3/domains/{domain_id}/config[/{group}[/{option}]]`` and ``/v3/domains/config/.../default``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.routing import Router
from nimbus.identity.schemas.requests import DOMAIN_CONFIG_BODY
from nimbus.identity.state import IdentityState

router = Router()


def _body(req: ApiRequest[IdentityState]) -> Any:
    return req.json["config"]


def _domain(req: ApiRequest[IdentityState]) -> str:
    domain_id = req.params["domain_id"]
    req.svc.resource.get_domain(domain_id)
    return domain_id


# The fixed "config/.../default" paths come first, so no domain id can shadow them.
@router.get("/v3/domains/config/default")
def default_config(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Keystone's defaults of every group a domain may set."""
    req.enforce("identity:get_domain_config_default")
    return {"config": req.svc.domain_configs.default()}


@router.get("/v3/domains/config/{group}/default")
def default_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Keystone's defaults of one group."""
    req.enforce("identity:get_domain_config_default")
    return {"config": req.svc.domain_configs.default(req.params["group"])}


@router.get("/v3/domains/config/{group}/{option}/default")
def default_option(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Keystone's default of one option."""
    req.enforce("identity:get_domain_config_default")
    return {"config": req.svc.domain_configs.default(req.params["group"],
                                                        req.params["option"])}


@router.put("/v3/domains/{domain_id}/config", status=201, also=(200,),
            body=DOMAIN_CONFIG_BODY)
def create_config(req: ApiRequest[IdentityState]) -> Reply:
    """Set a domain's whole configuration."""
    req.enforce("identity:create_domain_config")
    domain_id = _domain(req)
    mgr = req.svc.domain_configs
    created = mgr.replace(domain_id, _body(req))
    return Reply({"config": mgr.get(domain_id)}, status=201 if created else 200)


@router.get("/v3/domains/{domain_id}/config")
def show_config(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a domain's configuration (sensitive options left out)."""
    req.enforce("identity:get_domain_config")
    return {"config": req.svc.domain_configs.get(_domain(req))}


@router.get("/v3/domains/{domain_id}/config/{group}")
def show_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show one group of a domain's configuration."""
    req.enforce("identity:get_domain_config")
    return {"config": req.svc.domain_configs.get(_domain(req), req.params["group"])}


@router.get("/v3/domains/{domain_id}/config/{group}/{option}")
def show_option(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show one option of a domain's configuration."""
    req.enforce("identity:get_domain_config")
    group, option = req.params["group"], req.params["option"]
    found = req.svc.domain_configs.get(_domain(req), group, option)
    return {"config": found[group]}


@router.patch("/v3/domains/{domain_id}/config", body=DOMAIN_CONFIG_BODY)
def update_config(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Change options of a domain's configuration."""
    req.enforce("identity:update_domain_config")
    domain_id = _domain(req)
    mgr = req.svc.domain_configs
    mgr.update(domain_id, _body(req))
    return {"config": mgr.get(domain_id)}


@router.patch("/v3/domains/{domain_id}/config/{group}", body=DOMAIN_CONFIG_BODY)
def update_group(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Change options of one group of a domain's configuration."""
    req.enforce("identity:update_domain_config")
    domain_id = _domain(req)
    mgr = req.svc.domain_configs
    mgr.update(domain_id, _body(req), req.params["group"])
    return {"config": mgr.get(domain_id)}


@router.patch("/v3/domains/{domain_id}/config/{group}/{option}", body=DOMAIN_CONFIG_BODY)
def update_option(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Change one option of a domain's configuration."""
    req.enforce("identity:update_domain_config")
    domain_id = _domain(req)
    mgr = req.svc.domain_configs
    mgr.update(domain_id, _body(req), req.params["group"], req.params["option"])
    return {"config": mgr.get(domain_id)}


@router.delete("/v3/domains/{domain_id}/config", status=204)
def delete_config(req: ApiRequest[IdentityState]) -> None:
    """Delete a domain's configuration."""
    req.enforce("identity:delete_domain_config")
    req.svc.domain_configs.delete(_domain(req))


@router.delete("/v3/domains/{domain_id}/config/{group}", status=204)
def delete_group(req: ApiRequest[IdentityState]) -> None:
    """Delete one group of a domain's configuration."""
    req.enforce("identity:delete_domain_config")
    req.svc.domain_configs.delete(_domain(req), req.params["group"])


@router.delete("/v3/domains/{domain_id}/config/{group}/{option}", status=204)
def delete_option(req: ApiRequest[IdentityState]) -> None:
    """Delete one option of a domain's configuration."""
    req.enforce("identity:delete_domain_config")
    req.svc.domain_configs.delete(_domain(req), req.params["group"], req.params["option"])
