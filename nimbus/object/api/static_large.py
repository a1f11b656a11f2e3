"""Static large objects through the API: ``?multipart-manifest=put`` stores a manifest,
``=get`` reads it back (``&format=raw`` as a client would PUT it), ``=delete`` removes it with
its segments and answers as Swift's bulk delete does."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import ClientDisconnect as StarletteDisconnect
from starlette.responses import Response

from nimbus.core.api.faults import negotiate_text
from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import BadRequest, NotFound
from nimbus.object.api import common
from nimbus.object.api.common import authorize_in_container, reply
from nimbus.object.errors import ClientDisconnect, UnprocessableEntity
from nimbus.object.manager.records import ObjectInfo, PutRequest
from nimbus.object.manager.static_large import is_static
from nimbus.object.schemas import dates
from nimbus.object.schemas.slo import (
    MANIFEST_ETAG,
    MANIFEST_SIZE,
    MAX_MANIFEST_SIZE,
    SLO,
    ManifestError,
    parse,
)
from nimbus.object.state import ObjectState

JSON_TYPE = "application/json; charset=utf-8"
RESERVED = ("X-Static-Large-Object is a reserved header. To create a static large object add "
            "query param multipart-manifest=put.")


def mode(req: ApiRequest[ObjectState]) -> str | None:
    value = req.args.get("multipart-manifest")
    return value.lower() if isinstance(value, str) else None


def headers(info: ObjectInfo) -> dict[str, str]:
    """What a manifest's GET and HEAD add to the object's headers."""
    return {"X-Static-Large-Object": "True"} if is_static(info) else {}


def authorize_segments(req: ApiRequest[ObjectState], info: ObjectInfo, owner: bool) -> None:
    """A caller let in only by an ACL must also be let into every container the segments are
    in, as Swift's SLO middleware reads each with the caller's own token (a dynamic large
    object's segments are listed as well: ``common.authorize_segments``)."""
    if not is_static(info):
        common.authorize_segments(req, info, owner)
        return
    if owner or not info.segments:
        return
    for container in sorted({seg.container for seg in info.segments} - {info.container}):
        authorize_in_container(req, "object:object:get", info.account, container, "read")


def check_plain_put(req: ApiRequest[ObjectState]) -> None:
    """Only a manifest PUT may say it is one: the flag is the middleware's, not the client's."""
    if "x-static-large-object" in req.headers:
        raise BadRequest(RESERVED)


def _read_body(req: ApiRequest[ObjectState]) -> bytes:
    data = bytearray()
    try:
        for chunk in req.stream():
            data.extend(chunk)
            if len(data) > MAX_MANIFEST_SIZE:
                break
    except StarletteDisconnect:
        raise ClientDisconnect() from None
    return bytes(data)


def put(req: ApiRequest[ObjectState], account: str, container: str, obj: str,
        request: PutRequest) -> Response:
    """Store the manifest the body lists, once every segment checks out."""
    try:
        manifest = req.svc.objects.large.static.build(account, parse(_read_body(req)))
    except ManifestError as err:
        return reply(err.status, body=err.body, content_type="text/plain; charset=UTF-8")
    expected = request.expected_etag
    if expected is not None and expected != manifest.etag:
        raise UnprocessableEntity(reason="the ETag given does not match the manifest's")
    request.expected_etag = None
    request.sysmeta = {**(request.sysmeta or {}), SLO: "True", MANIFEST_SIZE: str(len(manifest.body)),
                       MANIFEST_ETAG: hashlib.md5(manifest.body, usedforsecurity=False)
                       .hexdigest()}
    request.index_etag = manifest.etag
    request.index_size = manifest.size
    info = req.svc.objects.put(account, container, obj, iter([manifest.body]), request)
    return reply(201, {"ETag": f'"{manifest.etag}"', "Last-Modified":
                       dates.http_date(info.meta_ts), "X-Timestamp": info.meta_ts})


def read_manifest(req: ApiRequest[ObjectState], info: ObjectInfo,
                  headers_of: Callable[[ObjectInfo], dict[str, str]]) -> Response | None:
    """``multipart-manifest=get`` of a manifest: its stored list (or ``format=raw``)."""
    if mode(req) != "get" or not is_static(info):
        return None
    static = req.svc.objects.large.static
    size, etag = static.raw_size(info)
    body: bytes | None = None
    if (req.query.get("format") or "").lower() == "raw":
        body = json.dumps([_raw(entry) for entry in static.entries(info)]).encode()
        size, etag = len(body), hashlib.md5(body, usedforsecurity=False).hexdigest()
    out = dict(headers_of(info), **headers(info), ETag=etag)
    for name in ("Content-Length", "Content-Type", "Accept-Ranges"):
        out.pop(name, None)
    if req.method == "HEAD":
        return reply(200, out, content_type=JSON_TYPE, length=size)
    if body is None:
        body = b"".join(req.svc.objects.read(info))
    return reply(200, out, body, content_type=JSON_TYPE)


def _raw(entry: dict[str, Any]) -> dict[str, Any]:
    raw = {"path": entry["name"], "etag": entry["hash"], "size_bytes": entry["bytes"]}
    if entry.get("range"):
        raw["range"] = entry["range"]
    return raw


def delete(req: ApiRequest[ObjectState], account: str, container: str, obj: str) -> Response | None:
    """Delete the manifest and every segment it names; None for an object that is not one."""
    objects = req.svc.objects
    info = objects.info(account, container, obj)
    if not is_static(info):
        return None
    deleted = missing = 0
    errors: list[list[str]] = []
    for seg_container, seg_name in list(objects.large.static.segment_paths(info)):
        authorize_in_container(req, "object:object:delete", account, seg_container, "write")
        try:
            objects.delete(account, seg_container, seg_name)
            deleted += 1
        except NotFound:
            missing += 1
    objects.delete(account, container, obj)
    deleted += 1
    return _bulk_reply(req, deleted, missing, errors)


def _bulk_reply(req: ApiRequest[ObjectState], deleted: int, missing: int,
                errors: list[list[str]]) -> Response:
    """The report Swift's bulk delete gives, in the form the client accepts."""
    result: dict[str, Any] = {"Number Deleted": deleted, "Number Not Found": missing,
                              "Response Body": "", "Response Status": "200 OK", "Errors": errors}
    if negotiate_text(req.headers.get("accept", "")) == "application/json":
        return reply(200, body=json.dumps(result), content_type="application/json")
    lines = [f"{key}: {value}" for key, value in result.items() if key != "Errors"]
    lines.append("Errors:")
    lines.extend(", ".join(error) for error in errors)
    return reply(200, body="\n".join(lines) + "\n", content_type="text/plain")
