"""Writing objects: ``PUT`` (streamed, or ``X-Copy-From``), ``COPY``, ``POST``, ``DELETE``."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from urllib.parse import quote

from starlette.requests import ClientDisconnect as StarletteDisconnect
from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest, PayloadTooLarge
from nimbus.object.api import (
    containers,
    object_versioning,
    quotas,
    static_large,
    symlinks,
    versioned_writes,
)
from nimbus.object.api.common import (
    authorize,
    authorize_in_container,
    authorize_segments,
    reply,
    swift_view,
    truthy,
)
from nimbus.object.api.objects import PATH, names
from nimbus.object.errors import ClientDisconnect, LengthRequired, PreconditionFailed
from nimbus.object.manager.records import ObjectInfo, PutRequest
from nimbus.object.schemas import dates, expiry, metadata, queries
from nimbus.object.schemas.constraints import (
    MAX_CONTENT_TYPE_LENGTH,
    MAX_FILE_SIZE,
    check_container_name,
    check_object_name,
    strict_unquote,
)
from nimbus.object.state import ObjectState

router = Router()
DEFAULT_TYPE = "application/octet-stream"


def _content_length(req: ApiRequest[ObjectState]) -> int | None:
    value = req.headers.get("content-length")
    if value is None:
        if "chunked" not in req.headers.get("transfer-encoding", "").lower():
            raise LengthRequired()
        return None
    try:
        length = int(value)
    except ValueError:
        raise BadRequest("Invalid Content-Length header value") from None
    if length < 0:
        raise BadRequest("Invalid Content-Length header value")
    if length > MAX_FILE_SIZE:
        raise PayloadTooLarge(reason="Your request is too large.")
    return length


def _body(req: ApiRequest[ObjectState], length: int | None) -> Iterator[bytes]:
    """The request body, chunk by chunk; a short body is the client's disconnect (499)."""
    received = 0
    try:
        for chunk in req.stream():
            received += len(chunk)
            yield chunk
    except StarletteDisconnect:
        raise ClientDisconnect() from None
    if length is not None and received < length:
        raise ClientDisconnect()


def _content_type(req: ApiRequest[ObjectState], name: str, fallback: str | None = None) -> str:
    given = req.headers.get("content-type")
    if given is not None and len(given) > MAX_CONTENT_TYPE_LENGTH:
        raise BadRequest(f"Content-Type longer than {MAX_CONTENT_TYPE_LENGTH}")
    if given and not truthy(req.headers.get("x-detect-content-type")):
        return given
    if fallback and not given:
        return fallback
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or DEFAULT_TYPE


def _put_request(req: ApiRequest[ObjectState], content_type: str, meta: dict[str, str]) -> PutRequest:
    etag = req.headers.get("etag")
    if_none_match = req.headers.get("if-none-match")
    if if_none_match is not None and if_none_match.strip() != "*":
        raise BadRequest("If-None-Match only supports *")
    return PutRequest(content_type=content_type, meta=meta,
                      expected_etag=etag.strip().strip('"').lower() if etag else None,
                      if_none_match=if_none_match is not None)


def _created(info: ObjectInfo, extra: dict[str, str] | None = None) -> Response:
    headers = {"ETag": info.etag, "Last-Modified": dates.http_date(info.meta_ts),
               "X-Timestamp": info.meta_ts}
    headers.update(extra or {})
    return reply(201, headers)


def put(req: ApiRequest[ObjectState]) -> Response:
    """Store the object from the streamed body, or copy it from ``X-Copy-From``."""
    if not req.params["obj"]:
        return containers.create(req)
    account, container, obj = names(req)
    authorize_in_container(req, "object:object:put", account, container, "write")
    source = req.headers.get("x-copy-from")
    if source is not None:
        src_account = req.headers.get("x-copy-from-account") or account
        src_container, src_obj = _split(source, "X-Copy-From")
        return _copy(req, (src_account, src_container, src_obj), (account, container, obj))
    length = _content_length(req)
    refused = quotas.refusal(req, account, container, length)
    if refused is not None:
        return refused
    meta = metadata.fresh(req.headers, "object")
    request = _put_request(req, _content_type(req, obj), meta)
    request.delete_at = expiry.delete_at(req.headers)
    request.manifest = expiry.manifest(req.headers)
    if static_large.mode(req) != "put":
        static_large.check_plain_put(req)
    versioned_writes.before_write(req, account, container, obj)
    refused = object_versioning.before_put(req, account, container, obj, request)
    if refused is not None:
        return refused
    link = symlinks.put(req, account, container, obj, request, length)
    if link is not None:
        return link
    if static_large.mode(req) == "put":
        return static_large.put(req, account, container, obj, request)
    info = req.svc.objects.put(account, container, obj, _body(req, length), request)
    return _created(info)


def _split(value: str, header: str) -> tuple[str, str]:
    """``/container/object`` (percent-encoded, leading slash optional) into its two names.

    Header values arrive decoded as Latin-1, so their bytes are the ones the client sent."""
    container, _, obj = strict_unquote(value.encode("latin-1")).lstrip("/").partition("/")
    if not container or not obj:
        raise PreconditionFailed(
            reason=f"{header} header must be of the form <container name>/<object name>")
    check_container_name(container)
    check_object_name(obj)
    return container, obj


def _copy(req: ApiRequest[ObjectState], src: tuple[str, str, str], dst: tuple[str, str, str]) -> Response:
    # The source is read as the caller: another account's object needs its container's ACL.
    owner = authorize_in_container(req, "object:object:get", src[0], src[1], "read")
    authorize_in_container(req, "object:object:copy", dst[0], dst[1], "write")
    if req.headers.get("content-length") is not None and _content_length(req) != 0:
        raise BadRequest("Copy requests require a zero byte body")
    objects = req.svc.objects
    followed = symlinks.follow(req, objects.info(*src))
    if isinstance(followed, Response):
        return followed
    source = objects.resolve(followed[0])
    authorize_segments(req, source, owner)
    refused = quotas.refusal(req, *dst[:2], source.size)
    if refused is not None:
        return refused
    if truthy(req.headers.get("x-fresh-metadata")):
        meta = metadata.fresh(req.headers, "object")
    else:
        meta = metadata.object_merged(source.meta, req.headers)
    request = _put_request(req, _content_type(req, dst[2], source.content_type), meta)
    versioned_writes.before_write(req, *dst)
    refused = object_versioning.before_put(req, *dst, request)
    if refused is not None:
        return refused
    info = objects.copy(source, *dst, request)
    # Swift's answer to a copy shows the new object's metadata.
    extra = {**metadata.to_headers(info.meta, "object"),
             "X-Copied-From": quote(f"{src[1]}/{src[2]}"),
             "X-Copied-From-Last-Modified": dates.http_date(source.meta_ts)}
    if src[0] != dst[0]:
        extra["X-Copied-From-Account"] = quote(src[0])
    return _created(info, extra)


def copy(req: ApiRequest[ObjectState]) -> Response:
    """Copy the object to ``Destination`` (Swift's own COPY method)."""
    account, container, obj = names(req)
    destination = req.headers.get("destination")
    if destination is None:
        authorize(req, "object:object:copy", account)
        raise PreconditionFailed(reason="Destination header required")
    dst_account = req.headers.get("destination-account") or account
    dst_container, dst_obj = _split(destination, "Destination")
    return _copy(req, (account, container, obj), (dst_account, dst_container, dst_obj))


def post(req: ApiRequest[ObjectState]) -> Response:
    """Replace the object's metadata, expiry and manifest."""
    if not req.params["obj"]:
        return containers.update(req)
    account, container, obj = names(req)
    authorize_in_container(req, "object:object:post", account, container, "write")
    refused = symlinks.check_post(req)
    if refused is not None:
        return refused
    meta = metadata.fresh(req.headers, "object")
    content_type = req.headers.get("content-type")
    info = req.svc.objects.post(account, container, obj, meta, content_type,
                                expiry.delete_at(req.headers), expiry.manifest(req.headers))
    return symlinks.after_post(info) or reply(202)


def delete(req: ApiRequest[ObjectState]) -> Response:
    """Delete the object."""
    if not req.params["obj"]:
        return containers.delete(req)
    account, container, obj = names(req)
    authorize_in_container(req, "object:object:delete", account, container, "write")
    if static_large.mode(req) == "delete":
        bulk = static_large.delete(req, account, container, obj)
        if bulk is not None:
            return bulk
    versioned = versioned_writes.delete(req, account, container, obj) or \
        object_versioning.delete(req, account, container, obj)
    if versioned is not None:
        return versioned
    req.svc.objects.delete(account, container, obj)
    return reply(204)


# Any bytes at all: the Content-Type names what the object holds, not how the body is coded.
ANY_BYTES = ("application/octet-stream", "*/*")

# ``.../container/`` is the container: these also answer what the container routes do.
# Public: a temporary URL or a form post lets a caller in without a token (``api/pipeline``);
# the handlers still check everyone else, and ask a caller without a token for one (401).
router.put(PATH, status=201, also=(202,), stream=True, content_types=ANY_BYTES, public=True,
           query=queries.OBJECT_WRITE, faults=(411, 412, 422, 499))(swift_view(put))
router.route(PATH, ["COPY"], status=201, query=queries.OBJECT_WRITE,
             faults=(412, 422))(swift_view(copy))
# Swift reads no body on POST; streaming it means it is never buffered only to be ignored.
router.post(PATH, status=202, also=(204,), stream=True, content_types=ANY_BYTES,
            public=True)(swift_view(post))
router.delete(PATH, status=204, also=(200,), query=queries.OBJECT_WRITE, faults=(409,),
              public=True)(swift_view(delete))
