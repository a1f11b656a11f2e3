"""Reading objects: ``GET`` (streamed, ranges, conditionals) and ``HEAD``.

The object routes also see ``/v1/<account>/<container>/`` (an empty object name): Swift treats
that as the container, so these hand such requests to the container handlers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from starlette.responses import Response, StreamingResponse

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.object.api import containers, object_versioning, static_large, symlinks
from nimbus.object.api.common import (
    account_of,
    authorize_in_container,
    check_query,
    reply,
    swift_view,
)
from nimbus.object.manager.records import ObjectInfo
from nimbus.object.schemas import conditional, dates, metadata, queries, ranges
from nimbus.object.schemas.constraints import check_object_name
from nimbus.object.state import ObjectState

router = Router()
PATH = "/v1/{account}/{container}/{obj:path}"


def object_headers(info: ObjectInfo) -> dict[str, str]:
    headers = {
        "Content-Type": info.content_type,
        # A large object's etag is not the MD5 of its bytes; Swift quotes it to say so.
        "ETag": info.etag if info.segments is None else f'"{info.etag}"',
        "Last-Modified": dates.http_date(info.meta_ts),
        "X-Timestamp": info.meta_ts,
        "Accept-Ranges": "bytes",
    }
    if info.delete_at is not None:
        headers["X-Delete-At"] = str(info.delete_at)
    if info.manifest is not None:
        headers["X-Object-Manifest"] = info.manifest
    headers.update(metadata.to_headers(info.meta, "object"))
    headers.update(static_large.headers(info))
    headers.update(symlinks.headers(info))
    headers.update(object_versioning.headers(info))
    return headers


def names(req: ApiRequest[ObjectState]) -> tuple[str, str, str]:
    obj = req.params["obj"]
    check_object_name(obj)
    return account_of(req), req.params["container"], obj


def read(req: ApiRequest[ObjectState]) -> Response:
    """Read the object (whole, ranges, or conditionally), or (HEAD) only its headers."""
    if not req.params["obj"]:
        check_query(req, queries.HEAD if req.method == "HEAD" else queries.CONTAINER_LISTING)
        return containers.read(req)
    account, container, obj = names(req)
    owner = authorize_in_container(req, "object:object:get", account, container, "read")
    objects = req.svc.objects
    version = object_versioning.read(req, account, container, obj)
    if isinstance(version, Response):
        return version
    followed = symlinks.follow(req, version or objects.info(account, container, obj))
    if isinstance(followed, Response):
        return followed
    stored, location = followed
    raw = static_large.read_manifest(req, stored, object_headers)
    if raw is not None:
        return raw
    info = objects.resolve(stored)
    # Owning the link's container says nothing about the target's: check its segments too.
    static_large.authorize_segments(req, info, owner and location is None)
    headers = object_headers(info)
    if location is not None:
        headers["Content-Location"] = location
    if conditional.not_modified(req.headers, info.etag, info.meta_ts):
        return reply(304, headers, content_type=info.content_type, length=0)
    if req.method == "HEAD":
        return reply(200, headers, content_type=info.content_type, length=info.size)
    wanted = ranges.parse(req.headers.get("range"), info.size)
    if wanted is None:
        headers["Content-Length"] = str(info.size)
        return StreamingResponse(objects.read(info), status_code=200, headers=headers)
    if len(wanted) == 1:
        start, end = wanted[0]
        headers["Content-Length"] = str(end - start)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
        return StreamingResponse(objects.read(info, start, end), status_code=206,
                                 headers=headers)
    return _multipart(req, info, wanted, headers)


def _multipart(req: ApiRequest[ObjectState], info: ObjectInfo, wanted: list[tuple[int, int]],
               headers: dict[str, str]) -> Response:
    boundary = uuid.uuid4().hex
    parts: list[tuple[bytes, Iterator[bytes]]] = []
    length = 0
    for start, end in wanted:
        head = (f"--{boundary}\r\nContent-Type: {info.content_type}\r\n"
                f"Content-Range: bytes {start}-{end - 1}/{info.size}\r\n\r\n").encode()
        parts.append((head, req.svc.objects.read(info, start, end)))
        length += len(head) + (end - start) + 2
    tail = f"--{boundary}--".encode()
    length += len(tail)

    def body() -> Iterator[bytes]:
        for head, chunks in parts:
            yield head
            yield from chunks
            yield b"\r\n"
        yield tail

    headers["Content-Type"] = f"multipart/byteranges;boundary={boundary}"
    headers["Content-Length"] = str(length)
    return StreamingResponse(body(), status_code=206, headers=headers)


# Public: a container's read ACL may let anyone in (``.r:*``), which the handler checks; a
# caller it does not let in without a token gets Swift's 401.
router.route(PATH, ["GET", "HEAD"], status=200, also=(204, 206, 304), query=queries.OBJECT_READ,
             faults=(412, 416), public=True)(swift_view(read))
