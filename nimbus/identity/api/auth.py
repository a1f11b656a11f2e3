"""``/v3/auth``: tokens, and what a token may see (catalog, projects, domains, system)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.errors import BadRequest, NotFound
from nimbus.identity.api.common import base, state
from nimbus.identity.auth_methods.mapped import request_headers
from nimbus.identity.fernet import decode
from nimbus.identity.receipts import HEADER, AuthReceiptRequired
from nimbus.identity.schemas import views

router = Router()


@router.post("/v3/auth/tokens", public=True, status=201)
def issue_token(req: ApiRequest) -> Reply:
    include_catalog = "nocatalog" not in req.query
    with request_headers(req.headers):
        try:
            issued = state(req).auth.authenticate(req.json, include_catalog)
        except AuthReceiptRequired as exc:
            # Keystone answers a partial MFA login with the receipt itself, not an error body.
            return Reply(exc.body, status=401, headers={HEADER: exc.receipt})
    return Reply({"token": issued.body}, headers={"X-Subject-Token": issued.token})


def _subject(req: ApiRequest) -> str:
    subject = req.headers.get("x-subject-token")
    if not subject:
        raise BadRequest("X-Subject-Token header is required.")
    try:
        owner = decode(state(req).keys, subject).user_id
    except NotFound:
        owner = None
    req.enforce("identity:validate_token" if req.method == "GET" else
                "identity:check_token" if req.method == "HEAD" else "identity:revoke_token",
                {"target.token.user_id": owner})
    return subject


@router.get("/v3/auth/tokens")
def validate_token(req: ApiRequest) -> Reply:
    subject = _subject(req)
    allow_expired = bool(req.query_bool("allow_expired", False))
    body = state(req).tokens.validate(subject, allow_expired=allow_expired,
                                      include_catalog="nocatalog" not in req.query)
    return Reply({"token": body}, headers={"X-Subject-Token": subject})


@router.head("/v3/auth/tokens")
def check_token(req: ApiRequest) -> Reply:
    subject = _subject(req)
    state(req).tokens.validate(subject, allow_expired=bool(req.query_bool("allow_expired", False)),
                               include_catalog=False)
    return Reply(None, status=200, headers={"X-Subject-Token": subject})


@router.delete("/v3/auth/tokens", status=204)
def revoke_token(req: ApiRequest) -> None:
    subject = _subject(req)
    state(req).tokens.revoke_token(subject)


@router.get("/v3/auth/catalog")
def auth_catalog(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_auth_catalog")
    catalog = state(req).catalog.catalog(req.ctx.project_id, req.ctx.user_id)
    return {"catalog": catalog, "links": {"self": f"{base(req)}/v3/auth/catalog",
                                          "previous": None, "next": None}}


@router.get("/v3/auth/projects")
def auth_projects(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_auth_projects")
    st = state(req)
    user_id = req.ctx.user_id or ""
    ids = st.assignment.project_ids_for(user_id, st.tokens.group_ids(req.ctx.auth_token, user_id))
    rows = [p for p in st.resource.list_projects(ids=ids) if p.enabled]
    return views.collection(base(req), "auth/projects", "projects",
                            [views.project(base(req), p) for p in rows])


@router.get("/v3/auth/domains")
def auth_domains(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_auth_domains")
    st = state(req)
    user_id = req.ctx.user_id or ""
    ids = st.assignment.domain_ids_for(user_id, st.tokens.group_ids(req.ctx.auth_token, user_id))
    rows = [d for d in st.resource.list_domains() if d.id in ids and d.enabled]
    return views.collection(base(req), "auth/domains", "domains",
                            [views.domain(base(req), d) for d in rows])


@router.get("/v3/auth/system")
def auth_system(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_auth_system")
    st = state(req)
    user_id = req.ctx.user_id or ""
    has = bool(st.assignment.roles_for(user_id, st.tokens.group_ids(req.ctx.auth_token, user_id),
                                       "system", None))
    return {"system": [{"all": True}] if has else [],
            "links": {"self": f"{base(req)}/v3/auth/system", "previous": None, "next": None}}
