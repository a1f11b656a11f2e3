"""Federated sign-in: the OS-FEDERATION auth and WebSSO URLs."""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest, NotFound, Unauthorized
from nimbus.identity.manager.auth_methods.base import request_headers
from nimbus.identity.manager.federation.assertion import from_headers, settings
from nimbus.identity.manager.tokens import Issued
from nimbus.identity.schemas import queries
from nimbus.identity.state import IdentityState

router = Router()
AUTH = "/v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/auth"
WEBSSO = "/v3/auth/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}/websso"


def _federated_token(req: ApiRequest[IdentityState], idp_id: str, protocol_id: str) -> Issued:
    body = {"auth": {"identity": {"methods": [protocol_id], protocol_id: {
        "identity_provider": idp_id, "protocol": protocol_id}}, "scope": "unscoped"}}
    with request_headers(req.headers):
        return req.svc.auth.authenticate(body)


@router.get(AUTH, public=True, status=201, faults=(401, 403))
@router.post(AUTH, public=True, status=201, faults=(401, 403))
def federated_auth(req: ApiRequest[IdentityState]) -> Reply:
    """Trade a front-end's assertion for an unscoped federated token."""
    issued = _federated_token(req, req.params["idp_id"], req.params["protocol_id"])
    return Reply({"token": issued.body}, status=201, headers={"X-Subject-Token": issued.token})


def _websso_page(req: ApiRequest[IdentityState], issued: Issued) -> HTMLResponse:
    """The form that hands the token to a trusted dashboard, as Keystone's template does."""
    origin = req.query.get("origin")
    if not origin:
        raise BadRequest("Request must have an origin query parameter.")
    trusted = [*req.svc.federation_settings.trusted_dashboard, req.svc.own_dashboard]
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


@router.get(WEBSSO, public=True, query=queries.WEBSSO, faults=(401, 403))
@router.post(WEBSSO, public=True, query=queries.WEBSSO, faults=(401, 403))
def websso_for_idp(req: ApiRequest[IdentityState]) -> HTMLResponse:
    """Sign in through a provider and hand the token to a trusted dashboard."""
    issued = _federated_token(req, req.params["idp_id"], req.params["protocol_id"])
    return _websso_page(req, issued)


@router.get("/v3/auth/OS-FEDERATION/websso/{protocol_id}", public=True, query=queries.WEBSSO,
            faults=(401, 403))
@router.post("/v3/auth/OS-FEDERATION/websso/{protocol_id}", public=True, query=queries.WEBSSO,
             faults=(401, 403))
def websso(req: ApiRequest[IdentityState]) -> HTMLResponse:
    """Sign in through the provider the front-end names, for a trusted dashboard."""
    protocol_id = req.params["protocol_id"]
    st = req.svc
    attribute = settings(st.federation_settings).get("remote_id_attribute")
    # The provider is the one whose remote id the front-end reports.
    remote = from_headers(req.headers).get(str(attribute).lower()) if attribute else None
    if not remote:
        raise BadRequest("Could not find Identity Provider identifier in environment.")
    try:
        idp = st.federation.idp_for_remote_id(remote)
    except NotFound:
        raise Unauthorized(f"Could not find Identity Provider: {remote}.") from None
    return _websso_page(req, _federated_token(req, idp.row.id, protocol_id))
