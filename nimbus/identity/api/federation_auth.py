"""Federated sign-in: the OS-FEDERATION auth and WebSSO URLs, and what a token may scope to."""

from __future__ import annotations

import html
from typing import Any

from starlette.responses import HTMLResponse

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, NotFound, Unauthorized
from nimbus.identity.api.common import base, state
from nimbus.identity.auth_methods.mapped import request_headers
from nimbus.identity.federation.assertion import from_headers, settings
from nimbus.identity.managers.tokens import Issued
from nimbus.identity.schemas import views

router = Router()
AUTH = "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth"
WEBSSO = "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso"


def _federated_token(req: ApiRequest, idp_id: str, protocol_id: str) -> Issued:
    body = {"auth": {"identity": {"methods": [protocol_id], protocol_id: {
        "identity_provider": idp_id, "protocol": protocol_id}}, "scope": "unscoped"}}
    with request_headers(req.headers):
        return state(req).auth.authenticate(body)


@router.get(AUTH, public=True, status=201)
@router.post(AUTH, public=True, status=201)
def federated_auth(req: ApiRequest) -> Reply:
    issued = _federated_token(req, req.params["idp_id"], req.params["protocol_id"])
    return Reply({"token": issued.body}, status=201, headers={"X-Subject-Token": issued.token})


def _websso_page(req: ApiRequest, issued: Issued) -> HTMLResponse:
    """The form that hands the token to a trusted dashboard, as Keystone's template does."""
    origin = req.query.get("origin")
    if not origin:
        raise BadRequest("Request must have an origin query parameter.")
    trusted = settings(req.svc.cloud.settings.identity.federation).get("trusted_dashboard") or []
    if origin not in trusted:
        raise Unauthorized(f"{origin} is not a trusted dashboard host.")
    page = (
        "<!DOCTYPE html><html><head><title>Keystone WebSSO redirect</title></head><body>"
        f'<form id="sso" name="sso" action="{html.escape(origin)}" method="post">'
        "Please wait...<br/>"
        f'<input type="hidden" name="token" id="token" value="{html.escape(issued.token)}"/>'
        '<noscript><input type="submit" name="submit_no_javascript" '
        'id="submit_no_javascript" value="Submit"/></noscript></form>'
        '<script>window.onload = function() { document.forms["sso"].submit(); }</script>'
        "</body></html>")
    return HTMLResponse(page)


@router.get(WEBSSO, public=True)
@router.post(WEBSSO, public=True)
def websso_for_idp(req: ApiRequest) -> HTMLResponse:
    issued = _federated_token(req, req.params["idp_id"], req.params["protocol_id"])
    return _websso_page(req, issued)


@router.get("/v3/auth/OS-FEDERATION/websso/{protocol_id}", public=True)
@router.post("/v3/auth/OS-FEDERATION/websso/{protocol_id}", public=True)
def websso(req: ApiRequest) -> HTMLResponse:
    protocol_id = req.params["protocol_id"]
    st = state(req)
    attribute = settings(st.cloud.settings.identity.federation).get("remote_id_attribute")
    # The provider is the one whose remote id the front-end reports.
    remote = from_headers(req.headers).get(str(attribute).lower()) if attribute else None
    if not remote:
        raise BadRequest("Could not find Identity Provider identifier in environment.")
    try:
        idp = st.federation.idp_for_remote_id(remote)
    except NotFound:
        raise Unauthorized(f"Could not find Identity Provider: {remote}.") from None
    return _websso_page(req, _federated_token(req, idp.row.id, protocol_id))


# -- what a federated token may scope to (Keystone keeps the OS-FEDERATION spellings) ---------
@router.get("/v3/OS-FEDERATION/projects")
def federated_projects(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_auth_projects")
    st = state(req)
    user_id = req.ctx.user_id or ""
    ids = st.assignment.project_ids_for(user_id, st.tokens.group_ids(req.ctx.auth_token, user_id))
    rows = [p for p in st.resource.list_projects(ids=ids) if p.enabled]
    return views.collection(base(req), "OS-FEDERATION/projects", "projects",
                            [views.project(base(req), p) for p in rows])


@router.get("/v3/OS-FEDERATION/domains")
def federated_domains(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_auth_domains")
    st = state(req)
    user_id = req.ctx.user_id or ""
    ids = st.assignment.domain_ids_for(user_id, st.tokens.group_ids(req.ctx.auth_token, user_id))
    rows = [d for d in st.resource.list_domains() if d.id in ids and d.enabled]
    return views.collection(base(req), "OS-FEDERATION/domains", "domains",
                            [views.domain(base(req), d) for d in rows])
