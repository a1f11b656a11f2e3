"""Temporary URLs (Swift's tempurl): an object's URL signed with the account's or container's
``Temp-URL-Key`` lets anyone holding it use the object until it expires, with no token.

A URL names its method, its expiry and its path (or a ``temp_url_prefix`` of object names), and
may be bound to client addresses (``temp_url_ip_range``). A HEAD may use a URL signed for GET,
PUT or POST as well. The signed path is Swift's ``/v1/<account>/<container>/<object>``; the
same path under this service's mount point (the path the client sends) is accepted too.
"""

from __future__ import annotations

import ipaddress
import posixpath
from urllib.parse import quote

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NimbusError, NotFound
from nimbus.object.api.common import View, project_of, reply
from nimbus.object.api.grants import Grant, granting
from nimbus.object.manager.signatures import (
    DEPRECATED_DIGESTS,
    DIGESTS,
    ScopedKey,
    expires_at,
    keys_of,
    matching,
    parse_signature,
    url_hmac,
)
from nimbus.object.schemas import dates
from nimbus.object.state import ObjectState

METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
# Headers a temporary URL may not set: they would point the object at other objects.
DISALLOWED = ("x-object-manifest", "x-symlink-target")
INVALID = "401 Unauthorized: Temp URL invalid\n"
PARAMS = ("temp_url_sig", "temp_url_expires")
# Set by staticweb on the pages it makes: a URL for a prefix may show those inline.
GENERATOR = "x-backend-content-generator"


def capabilities() -> dict[str, object]:
    """The ``tempurl`` section of ``/info``."""
    return {"methods": list(METHODS),
            "incoming_remove_headers": ["x-timestamp", "x-open-expired"],
            "incoming_allow_headers": [],
            "outgoing_remove_headers": ["x-object-meta-*"],
            "outgoing_allow_headers": ["x-object-meta-public-*"],
            "allowed_digests": sorted(DIGESTS),
            "deprecated_digests": sorted(DEPRECATED_DIGESTS)}


def _invalid(req: ApiRequest[ObjectState]) -> Response:
    # The policy decision is the signature's: the request is answered, never left unchecked.
    req.ctx.enforced = True
    return reply(401, body=b"" if req.method == "HEAD" else INVALID.encode())


def _keys(req: ApiRequest[ObjectState], account: str, container: str) -> list[ScopedKey]:
    svc = req.svc
    found = [ScopedKey(k, None) for k in keys_of(svc.accounts.account_info(account).meta)]
    try:
        meta = svc.containers.container_info(account, container).meta
    except NotFound:
        meta = {}
    return found + [ScopedKey(k, container) for k in keys_of(meta)]


def _client_allowed(req: ApiRequest[ObjectState], ip_range: str) -> bool:
    client = req.client_host
    if client is None:
        return False
    try:
        return ipaddress.ip_address(client) in ipaddress.ip_network(ip_range)
    except ValueError:
        return False


def _signed_paths(req: ApiRequest[ObjectState], account: str, container: str, name: str,
                  prefix: str | None) -> list[str]:
    tail = f"/v1/{account}/{container}/{name if prefix is None else prefix}"
    paths = [tail, req.prefix + tail] if req.prefix else [tail]
    return paths if prefix is None else [f"prefix:{p}" for p in paths]


def tempurl(req: ApiRequest[ObjectState], call_next: View) -> Response:
    """Check a temporary URL's signature and run the request on its grant."""
    query = req.query
    if req.method == "OPTIONS" or not any(p in query for p in PARAMS):
        return call_next(req)
    sig, expires = query.get("temp_url_sig"), expires_at(query.get("temp_url_expires"))
    prefix, ip_range = query.get("temp_url_prefix"), query.get("temp_url_ip_range")
    parsed = parse_signature(sig) if sig else None
    account, container = req.params.get("account"), req.params.get("container")
    name = req.params.get("obj")
    root_allowed = req.method in ("GET", "HEAD") and prefix == ""
    if parsed is None or not expires or req.method not in METHODS or not account or \
            not container or name is None or (not name.strip("/") and not root_allowed):
        return _invalid(req)
    if ip_range and not _client_allowed(req, ip_range):
        return _invalid(req)
    if prefix is not None and not name.startswith(prefix):
        return _invalid(req)
    digest, signature = parsed
    keys = _keys(req, account, container)
    methods = ("HEAD", "GET", "POST", "PUT") if req.method == "HEAD" else (req.method,)
    paths = _signed_paths(req, account, container, name, prefix)
    found = matching(signature, ((url_hmac(k.key, m, expires, p, digest, ip_range), k)
                                 for k in keys for m in methods for p in paths))
    if found is None:
        return _invalid(req)
    req.enforce("object:tempurl", {"project_id": project_of(account) or ""})
    if req.method not in ("GET", "HEAD", "OPTIONS"):
        for header in DISALLOWED:
            if header in req.headers:
                title = "-".join(part.capitalize() for part in header.split("-"))
                return reply(400, body=f"The header {title!r} is not allowed in this tempurl")
    with granting(Grant(account, found.container)):
        try:
            response = call_next(req)
        except NimbusError as err:
            if err.code == 401:
                return _invalid(req)
            raise
    return _dress(req, response, name, expires)


def _dress(req: ApiRequest[ObjectState], response: Response, name: str,
           expires: int) -> Response:
    """What a temporary URL's answer shows: no private object metadata, and (GET/HEAD) how a
    browser saves it and until when the URL works."""
    for header in list(response.headers.keys()):
        lowered = header.lower()
        if lowered.startswith("x-object-meta-") and \
                not lowered.startswith("x-object-meta-public-"):
            del response.headers[header]
    if req.method not in ("GET", "HEAD") or not 200 <= response.status_code < 300:
        return response
    generated = response.headers.get(GENERATOR) == "staticweb"
    if GENERATOR in response.headers:
        del response.headers[GENERATOR]
    if not name and not generated:
        return _invalid(req)
    filename = req.query.get("filename")
    if "inline" in req.query or generated:
        value = _disposition("inline", filename) if filename else "inline"
    elif filename:
        value = _disposition("attachment", filename)
    elif "content-disposition" in response.headers:
        value = response.headers["content-disposition"]
    else:
        value = _disposition("attachment", posixpath.basename(name.rstrip("/")))
    response.headers["Content-Disposition"] = value.replace("\n", "%0A")
    response.headers["Expires"] = dates.http_date(str(expires))
    return response


def _disposition(kind: str, filename: str) -> str:
    return f"{kind}; filename=\"{quote(filename, safe=' /')}\"; filename*=UTF-8''{quote(filename)}"

