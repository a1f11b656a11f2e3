"""Symlinks (``X-Symlink-Target``): a zero-byte object that reads as its target.

A GET or HEAD follows the link (and links it leads to, at most ``SYMLOOP_MAX`` of them) with
the caller's own rights on the target, and says where it went in ``Content-Location``;
``?symlink=get`` shows the link itself. A static link (``X-Symlink-Target-Etag``) is checked
against its target when written and whenever it is followed.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NimbusError, NotFound
from nimbus.object.api.common import authorize_in_container, reply
from nimbus.object.manager.records import ObjectInfo, PutRequest
from nimbus.object.schemas import dates
from nimbus.object.schemas.constraints import check_container_name, check_object_name, strict_unquote
from nimbus.object.schemas.symlink import PATH, TARGET, TARGET_ACCOUNT, TARGET_BYTES, TARGET_ETAG
from nimbus.object.state import ObjectState

SYMLOOP_MAX = 2
TEXT = "text/plain; charset=UTF-8"
FORM = "X-Symlink-Target header must be of the form <container name>/<object name>"
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def is_link(info: ObjectInfo) -> bool:
    return TARGET in info.sysmeta


def _path(account: str, container: str, obj: str) -> str:
    return f"/v1/{quote(account)}/{quote(container)}/{quote(obj)}"


def _target(info: ObjectInfo) -> tuple[str, str, str]:
    container, _, obj = info.sysmeta[TARGET].partition("/")
    return info.sysmeta.get(TARGET_ACCOUNT) or info.account, container, obj


def headers(info: ObjectInfo) -> dict[str, str]:
    """What a link shows of itself (its own GET/HEAD with ``symlink=get``)."""
    if not is_link(info):
        return {}
    out = {"X-Symlink-Target": quote(info.sysmeta[TARGET])}
    if TARGET_ACCOUNT in info.sysmeta:
        out["X-Symlink-Target-Account"] = quote(info.sysmeta[TARGET_ACCOUNT])
    if TARGET_ETAG in info.sysmeta:
        out["X-Symlink-Target-Etag"] = info.sysmeta[TARGET_ETAG]
        out["X-Symlink-Target-Bytes"] = info.sysmeta.get(TARGET_BYTES, "0")
    return out


def _refusal(status: int, body: str, location: str) -> Response:
    return reply(status, {"Content-Location": location}, body, content_type=TEXT)


def _lookup(req: ApiRequest[ObjectState], account: str, container: str, obj: str,
            location: str) -> ObjectInfo:
    """The target as the caller may read it; its errors say where the link points."""
    try:
        authorize_in_container(req, "object:object:get", account, container, "read")
        return req.svc.objects.info(account, container, obj)
    except NimbusError as err:
        err.headers["Content-Location"] = location
        raise


def _etag_mismatch(found: str, wanted: str, location: str) -> Response:
    return _refusal(409, f"Object Etag '{found}' does not match X-Symlink-Target-Etag header "
                         f"'{wanted}'", location)


def follow(req: ApiRequest[ObjectState],
           info: ObjectInfo) -> tuple[ObjectInfo, str | None] | Response:
    """The object a read answers with, and the ``Content-Location`` to add; or a refusal."""
    if not is_link(info) or (req.query.get("symlink") or "").lower() == "get":
        return info, None
    location = None
    for _hop in range(SYMLOOP_MAX + 1):
        if not is_link(info):
            return info, location
        wanted = info.sysmeta.get(TARGET_ETAG)
        account, container, obj = _target(info)
        location = _path(account, container, obj)
        info = _lookup(req, account, container, obj, location)
        if wanted is not None and info.etag != wanted:
            return _etag_mismatch(info.etag, wanted, location)
    if is_link(info):
        return _refusal(409, f"Too many levels of symbolic links, maximum allowed is "
                             f"{SYMLOOP_MAX}", location or "")
    return info, location


def put(req: ApiRequest[ObjectState], account: str, container: str, obj: str,
        request: PutRequest, length: int | None) -> Response | None:
    """Store a link when the PUT names a target; None for any other PUT."""
    raw = req.headers.get("x-symlink-target")
    if raw is None:
        if "x-symlink-target-etag" in req.headers or "x-symlink-target-account" in req.headers:
            return reply(400, body="X-Symlink-Target header required", content_type=TEXT)
        return None
    if length != 0:
        return reply(400, body="Symlink requests require a zero byte body", content_type=TEXT)
    target = strict_unquote(raw.encode("latin-1")).lstrip("/")
    t_container, _, t_obj = target.partition("/")
    if not t_container or not t_obj:
        return reply(412, body=FORM, content_type=TEXT)
    check_container_name(t_container)
    check_object_name(t_obj)
    t_account = req.headers.get("x-symlink-target-account")
    t_account = strict_unquote(t_account.encode("latin-1")) if t_account else None
    location = _path(t_account or account, t_container, t_obj)
    sysmeta = {TARGET: f"{t_container}/{t_obj}", PATH: location}
    if t_account:
        sysmeta[TARGET_ACCOUNT] = t_account
    wanted = req.headers.get("x-symlink-target-etag")
    if wanted is not None:
        wanted = wanted.strip().strip('"')
        try:
            found = _lookup(req, t_account or account, t_container, t_obj, location)
        except NotFound:
            return _refusal(409, "X-Symlink-Target does not exist", location)
        followed = follow(req, found)
        if isinstance(followed, Response):
            return followed
        found = followed[0]
        if found.etag != wanted:
            return _etag_mismatch(found.etag, wanted, location)
        sysmeta.update({TARGET_ETAG: wanted, TARGET_BYTES: str(found.size)})
        if "content-type" not in req.headers:
            request.content_type = found.content_type
    request.sysmeta = {**(request.sysmeta or {}), **sysmeta}
    info = req.svc.objects.put(account, container, obj, iter([b""]), request)
    out = {"ETag": EMPTY_MD5, "Last-Modified": dates.http_date(info.meta_ts),
           "X-Timestamp": info.meta_ts}
    if wanted is not None:
        out["X-Symlink-Target-Etag"] = wanted
    return reply(201, out)


def check_post(req: ApiRequest[ObjectState]) -> Response | None:
    if "x-symlink-target" in req.headers:
        return reply(400, body="A PUT request is required to set a symlink target",
                     content_type=TEXT)
    return None


def after_post(info: ObjectInfo) -> Response | None:
    """A POST to a link updates the link's metadata and sends the client on to the target."""
    if not is_link(info):
        return None
    out = {"Location": _path(*_target(info))}
    if TARGET_ETAG in info.sysmeta:
        out["X-Symlink-Target-Etag"] = info.sysmeta[TARGET_ETAG]
    return reply(307, out, "The requested POST was applied to a symlink. POST directly to "
                           "the target to apply requested metadata.", content_type=TEXT)
