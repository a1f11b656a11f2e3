"""``/v3/auth/tokens``: issue, validate, check and revoke tokens."""

from __future__ import annotations

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest, NotFound
from nimbus.identity.errors import RECEIPT_HEADER, AuthReceiptRequired
from nimbus.identity.manager.auth_methods.base import request_headers
from nimbus.identity.schemas import queries
from nimbus.identity.schemas.auth import TOKEN_ISSUE_BODY
from nimbus.identity.state import IdentityState

router = Router()


@router.post("/v3/auth/tokens", public=True, status=201, body=TOKEN_ISSUE_BODY,
             query=queries.TOKEN_ISSUE, faults=(401, 403, 404, 503))
def issue_token(req: ApiRequest[IdentityState]) -> Reply:
    """Authenticate with one or more methods and get a token for a scope."""
    include_catalog = "nocatalog" not in req.query
    with request_headers(req.headers):
        try:
            issued = req.svc.auth.authenticate(req.json, include_catalog)
        except AuthReceiptRequired as exc:
            # Keystone answers a partial MFA login with the receipt itself, not an error body.
            return Reply(exc.body, status=401, headers={RECEIPT_HEADER: exc.receipt})
    return Reply({"token": issued.body}, headers={"X-Subject-Token": issued.token})


def _subject(req: ApiRequest[IdentityState]) -> str:
    subject = req.headers.get("x-subject-token")
    if not subject:
        raise BadRequest("X-Subject-Token header is required.")
    try:
        owner: str | None = req.svc.tokens.payload(subject).user_id
    except NotFound:
        owner = None
    req.enforce("identity:validate_token" if req.method == "GET" else
                "identity:check_token" if req.method == "HEAD" else "identity:revoke_token",
                {"target.token.user_id": owner})
    return subject


@router.get("/v3/auth/tokens", query=queries.TOKEN_CHECK)
def validate_token(req: ApiRequest[IdentityState]) -> Reply:
    """Validate the token in X-Subject-Token and show what it stands for."""
    subject = _subject(req)
    allow_expired = bool(req.query_bool("allow_expired", False))
    body = req.svc.tokens.validate(subject, allow_expired=allow_expired,
                                   include_catalog="nocatalog" not in req.query)
    return Reply({"token": body}, headers={"X-Subject-Token": subject})


@router.head("/v3/auth/tokens", query=queries.TOKEN_CHECK)
def check_token(req: ApiRequest[IdentityState]) -> Reply:
    """Check the token in X-Subject-Token."""
    subject = _subject(req)
    req.svc.tokens.validate(subject,
                            allow_expired=bool(req.query_bool("allow_expired", False)),
                            include_catalog=False)
    return Reply(None, status=200, headers={"X-Subject-Token": subject})


@router.delete("/v3/auth/tokens", status=204)
def revoke_token(req: ApiRequest[IdentityState]) -> None:
    """Revoke the token in X-Subject-Token."""
    subject = _subject(req)
    req.svc.tokens.revoke_token(subject)
