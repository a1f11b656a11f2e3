"""Expanding an uploaded tar into containers and objects, read as it arrives (``bulk``)."""

from __future__ import annotations

import mimetypes
import tarfile
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NimbusError, NotFound, PayloadTooLarge, Unauthorized
from nimbus.object.api.common import authorize, authorize_in_container, truthy
from nimbus.object.manager.records import PutRequest
from nimbus.object.schemas import expiry, metadata
from nimbus.object.schemas.constraints import (
    MAX_FILE_SIZE,
    MAX_OBJECT_NAME_LENGTH,
    check_container_name,
    check_object_name,
)
from nimbus.object.state import ObjectState

MAX_QUOTED_NAME = MAX_OBJECT_NAME_LENGTH + 258
# Extended attributes GNU tar and libarchive keep in pax headers, as Swift maps them.
_XATTR_PREFIXES = ("SCHILY.xattr.user.", "LIBARCHIVE.xattr.user.")


class StreamFile:
    """The request body as the file ``tarfile`` reads in stream mode (``r|``)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class _Stop(Exception):
    """The whole extraction stops (a caller that may not write here at all)."""


def _failure(failed: list[list[str]], path: str, status: str) -> None:
    failed.append([quote(path.encode("utf-8", "surrogateescape")[:MAX_QUOTED_NAME]), status])


def _pax_headers(info: tarfile.TarInfo) -> tuple[str | None, dict[str, str]]:
    content_type, meta = None, {}
    for key, value in info.pax_headers.items():
        for prefix in _XATTR_PREFIXES:
            if not key.startswith(prefix):
                continue
            attr = key[len(prefix):]
            if attr == "mime_type":
                content_type = value
            elif attr.startswith("meta."):
                meta[attr[len("meta."):].lower()] = value
    return content_type, meta


def _chunks(handle: IO[bytes] | None) -> Iterator[bytes]:
    if handle is None:
        return
    while True:
        data = handle.read(64 * 1024)
        if not data:
            return
        yield data


def extract(req: ApiRequest[ObjectState], source: StreamFile, compression: str, base: str,
            failed: list[list[str]], max_containers: int,
            max_failures: int) -> tuple[int, bool]:
    """Store every regular file of the archive; (files created, whether a failure was the
    server's). Failures are added to ``failed`` as ``[quoted path, status line]``."""
    with tarfile.open(mode="r|" + compression, fileobj=source) as tar:  # type: ignore[call-overload]
        return _members(req, tar, base, failed, max_containers, max_failures)


def _members(req: ApiRequest[ObjectState], tar: tarfile.TarFile, base: str,
             failed: list[list[str]], max_containers: int, max_failures: int) -> tuple[int, bool]:
    account = req.params["account"]
    created = containers_made = 0
    seen: set[str] = set()
    server_error = False
    given_type = req.headers.get("content-type")
    detect = truthy(req.headers.get("x-detect-content-type"))
    user_meta = metadata.updates(req.headers, "object")
    timing = {k: v for k, v in req.headers.items()
              if k.lower() in ("x-delete-at", "x-delete-after")}
    for info in tar:
        if len(failed) >= max_failures:
            break
        if not info.isfile():
            continue
        path = info.name
        if path.startswith("./"):
            path = path[2:]
        path = path.lstrip("/")
        if base:
            path = f"{base}/{path}"
        if "/" not in path:
            continue  # a file at the top level has no container to go into
        container, _, name = path.partition("/")
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            _failure(failed, path, "412 Precondition Failed")
            continue
        if info.size > MAX_FILE_SIZE:
            _failure(failed, path, f"{PayloadTooLarge.code} {PayloadTooLarge.title}")
            continue
        if container not in seen:
            try:
                check_container_name(container)
                if _ensure_container(req, account, container):
                    containers_made += 1
                    if containers_made > max_containers:
                        raise TooManyContainers(max_containers)
            except NimbusError as err:
                if isinstance(err, Unauthorized | TooManyContainers):
                    raise
                _failure(failed, path, f"{err.code} {err.title}")
                continue
        xattr_type, xattr_meta = _pax_headers(info)
        content_type = xattr_type or (given_type if given_type and not detect else None) or \
            mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
        try:
            check_object_name(name)
            authorize_in_container(req, "object:object:put", account, container, "write")
            if req.svc.quotas.exceeded(account, container, info.size):
                raise PayloadTooLarge(reason="Upload exceeds quota.")
            meta = metadata.merged(user_meta, xattr_meta, "object")
            request = PutRequest(content_type=content_type, meta=meta,
                                 delete_at=expiry.delete_at(timing))
            req.svc.objects.put(account, container, name, _chunks(tar.extractfile(info)),
                                request)
        except NimbusError as err:
            seen.add(container)
            if isinstance(err, Unauthorized):
                _failure(failed, path, "401 Unauthorized")
                raise
            server_error = server_error or err.code >= 500
            _failure(failed, path, f"{err.code} {err.title}")
            continue
        seen.add(container)
        created += 1
    return created, server_error


class TooManyContainers(NimbusError):
    code = 400
    title = "Bad Request"
    message_format = "More than {count} containers to create from tar."

    def __init__(self, count: int) -> None:
        super().__init__(count=count)


def _ensure_container(req: ApiRequest[ObjectState], account: str, container: str) -> bool:
    """Create the container when it does not exist; True when this made it."""
    try:
        req.svc.containers.container_info(account, container)
        return False
    except NotFound:
        pass
    authorize(req, "object:container:put", account)
    return req.svc.containers.create_container(account, container, {}, {})
