"""``/v3/auth/{catalog,projects,domains,system}``: what the caller's token may see and scope to.

Keystone keeps the OS-FEDERATION spellings of the projects and domains lists for federated
tokens; both answer the same (a federated token's mapped groups count).
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.identity.api.common import base
from nimbus.identity.schemas import views
from nimbus.identity.state import IdentityState

router = Router()


def _groups(req: ApiRequest[IdentityState]) -> tuple[str, list[str]]:
    user_id = req.ctx.user_id or ""
    return user_id, req.svc.tokens.group_ids(req.ctx.auth_token, user_id)


def _projects(req: ApiRequest[IdentityState], path: str) -> dict[str, Any]:
    req.enforce("identity:get_auth_projects")
    st = req.svc
    ids = st.assignment.project_ids_for(*_groups(req))
    rows = [p for p in st.resource.list_projects(ids=ids) if p.enabled]
    return views.collection(base(req), path, "projects",
                            [views.project(base(req), p) for p in rows])


def _domains(req: ApiRequest[IdentityState], path: str) -> dict[str, Any]:
    req.enforce("identity:get_auth_domains")
    st = req.svc
    ids = st.assignment.domain_ids_for(*_groups(req))
    rows = [d for d in st.resource.list_domains(ids=ids) if d.enabled]
    return views.collection(base(req), path, "domains",
                            [views.domain(base(req), d) for d in rows])


@router.get("/v3/auth/catalog")
def auth_catalog(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The catalog of the caller's scope."""
    req.enforce("identity:get_auth_catalog")
    catalog = req.svc.catalog.catalog(req.ctx.project_id, req.ctx.user_id)
    return {"catalog": catalog, "links": {"self": f"{base(req)}/v3/auth/catalog",
                                          "previous": None, "next": None}}


@router.get("/v3/auth/projects")
def auth_projects(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The enabled projects the caller has a role on."""
    return _projects(req, "auth/projects")


@router.get("/v3/auth/domains")
def auth_domains(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The enabled domains the caller has a role on."""
    return _domains(req, "auth/domains")


@router.get("/v3/auth/system")
def auth_system(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Whether the caller has a role on the system."""
    req.enforce("identity:get_auth_system")
    user_id, groups = _groups(req)
    has = bool(req.svc.assignment.roles_for(user_id, groups, "system", None))
    return {"system": [{"all": True}] if has else [],
            "links": {"self": f"{base(req)}/v3/auth/system", "previous": None, "next": None}}


@router.get("/v3/OS-FEDERATION/projects")
def federated_projects(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The enabled projects a (federated) token may scope to."""
    return _projects(req, "OS-FEDERATION/projects")


@router.get("/v3/OS-FEDERATION/domains")
def federated_domains(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The enabled domains a (federated) token may scope to."""
    return _domains(req, "OS-FEDERATION/domains")
