"""What only an account's owners see and set (Swift's ``swift_owner`` headers), and the account
ACL they set with ``X-Account-Access-Control``.

Owners are those policy names (``object:owner_headers``) and the ACL's ``admin`` entries. Anyone
else who may read an account or container (a reader, an ACL's read-only or read-write entry)
reads it without these headers, and a write of theirs that carries them has them dropped.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.object.api.common import View, account_access, authorize, project_of, reply
from nimbus.object.manager.account_acls import AclInvalid, Level, parse, render
from nimbus.object.state import ObjectState

ACL_HEADER = "x-account-access-control"
OWNER_HEADERS = ("x-account-meta-temp-url-key", "x-account-meta-temp-url-key-2",
                 "x-container-meta-temp-url-key", "x-container-meta-temp-url-key-2",
                 "x-container-read", "x-container-write", "x-container-sync-key",
                 "x-container-sync-to", ACL_HEADER)


def is_owner(req: ApiRequest[ObjectState], account: str) -> bool:
    return req.allowed("object:owner_headers", {"project_id": project_of(account) or ""}) or \
        account_access(req, account) >= Level.ADMIN


def owner_headers(req: ApiRequest[ObjectState], call_next: View) -> Response:
    """Keep the privileged headers to the owners, both ways; set and show the account ACL."""
    account = req.params.get("account")
    if not account or req.params.get("obj"):
        return call_next(req)
    container = req.params.get("container")
    writing = req.method in ("PUT", "POST")
    acl: dict[str, list[str]] | None = None
    if writing and not container and ACL_HEADER in req.headers:
        value = req.headers[ACL_HEADER]
        try:
            acl = parse(value)
        except AclInvalid as err:
            # Only those who may change the account hear what is wrong with their ACL.
            authorize(req, "object:account:post", account)
            return reply(400, body=f"X-Account-Access-Control invalid: {err}\n\nInput: {value}\n",
                         content_type="text/plain; charset=UTF-8")
    owner: bool | None = None
    if writing and any(h in req.headers for h in OWNER_HEADERS):
        owner = is_owner(req, account)
        if not owner:
            req.headers = Headers(raw=[(k, v) for k, v in req.headers.raw
                                       if k.decode("latin-1").lower() not in OWNER_HEADERS])
            acl = None
    response = call_next(req)
    if acl is not None and response.status_code < 300:
        req.svc.account_acls.set(account, acl)
    if req.method not in ("GET", "HEAD"):
        return response
    shown = req.svc.account_acls.get(account) if not container else {}
    present = [h for h in OWNER_HEADERS if h in response.headers]
    if present or shown:
        owner = is_owner(req, account) if owner is None else owner
        if not owner:
            for header in present:
                del response.headers[header]
        elif shown:
            response.headers["X-Account-Access-Control"] = render(shown)
    return response
