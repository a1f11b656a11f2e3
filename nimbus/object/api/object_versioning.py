"""Object versioning through the API: ``X-Versions-Enabled`` on a container, ``?versions``
listings, ``version-id`` on object reads and deletes, and the PUTs and DELETEs that keep
versions."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import Conflict, NotFound
from nimbus.object.api.common import listing_query, reply, truthy
from nimbus.object.constants import CONTAINER_LISTING_LIMIT
from nimbus.object.manager.object_versioning import (
    ENABLED,
    HIDDEN,
    NULL,
    VERSION_ID,
    is_marker,
    version_id,
)
from nimbus.object.manager.records import ObjectInfo, PutRequest
from nimbus.object.manager.versioned_writes import LOCATION
from nimbus.object.schemas import dates, listing
from nimbus.object.state import ObjectState

LEGACY = ("Cannot enable object versioning on a container that is already using the legacy "
          "versioned writes feature.")
_STAMP = re.compile(r"^\d{10}\.\d{5}$")


def _sysmeta(req: ApiRequest[ObjectState], account: str, container: str) -> dict[str, str]:
    try:
        return req.svc.containers.container_info(account, container).sysmeta
    except NotFound:
        return {}


def enabled(sysmeta: dict[str, str]) -> bool:
    return sysmeta.get(ENABLED) == "True"


def container_change(req: ApiRequest[ObjectState], account: str,
                     container: str) -> bool | None | Response:
    """What a container PUT/POST asks of versioning (on, off, or None: nothing), or Swift's
    refusal when the container already keeps legacy versions."""
    value = req.headers.get("x-versions-enabled")
    if value is None:
        return None
    wanted = truthy(value)
    legacy = _sysmeta(req, account, container).get(LOCATION) or \
        req.headers.get("x-versions-location") or req.headers.get("x-history-location")
    if wanted and legacy:
        return reply(400, body=LEGACY)
    return wanted


def apply(req: ApiRequest[ObjectState], account: str, container: str,
          wanted: bool | None) -> None:
    if wanted is not None:
        req.svc.object_versions.set_enabled(account, container, wanted)


def container_headers(sysmeta: dict[str, str]) -> dict[str, str]:
    return {"X-Versions-Enabled": sysmeta[ENABLED]} if ENABLED in sysmeta else {}


def before_delete_container(req: ApiRequest[ObjectState], account: str, container: str) -> None:
    """A container is not empty while it keeps old versions; once gone, so are they."""
    if HIDDEN in _sysmeta(req, account, container) and \
            req.svc.object_versions.has_versions(account, container):
        raise Conflict("There was a conflict when trying to complete your request.")


def after_delete_container(req: ApiRequest[ObjectState], account: str, container: str) -> None:
    req.svc.object_versions.drop_hidden(account, container)


def _requested(req: ApiRequest[ObjectState]) -> str | None:
    vid = req.query.get("version-id")
    if vid is not None and vid != NULL and not _STAMP.match(vid):
        raise _bad("Invalid version-id")
    return vid


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _bad(text: str) -> _Refusal:
    return _Refusal(reply(400, body=text))


def before_put(req: ApiRequest[ObjectState], account: str, container: str, obj: str,
               request: PutRequest) -> Response | None:
    """Keep the version a write replaces; a new version gets its id (the moment it is taken)."""
    sysmeta = _sysmeta(req, account, container)
    if HIDDEN not in sysmeta:
        return None
    if "version-id" in req.query:
        return reply(400, body="Invalid version-id")
    versions = req.svc.object_versions
    current = versions.current(account, container, obj)
    if enabled(sysmeta):
        if current is not None:
            versions.archive(current)
        request.sysmeta = {**(request.sysmeta or {}), VERSION_ID: versions.new_id()}
    elif current is not None and version_id(current) != NULL:
        versions.archive(current)
    return None


def read(req: ApiRequest[ObjectState], account: str, container: str,
         obj: str) -> ObjectInfo | Response | None:
    """The version ``version-id`` names (or a refusal); None when the query names none."""
    try:
        vid = _requested(req)
    except _Refusal as refusal:
        return refusal.response
    if vid is None:
        return None
    sysmeta = _sysmeta(req, account, container)
    if HIDDEN not in sysmeta:
        return None if vid == NULL else reply(400, body="Invalid version-id")
    found = req.svc.object_versions.find(account, container, obj, vid)
    if found is None:
        raise NotFound(resource="object", id=obj)
    if is_marker(found):
        return reply(404, {"X-Object-Version-Id": vid})
    return found


def headers(info: ObjectInfo) -> dict[str, str]:
    """X-Object-Version-Id of a version read from a versioned container."""
    return {"X-Object-Version-Id": version_id(info)} if VERSION_ID in info.sysmeta else {}


def delete(req: ApiRequest[ObjectState], account: str, container: str,
           obj: str) -> Response | None:
    """A DELETE in a container that keeps versions; None for an ordinary one."""
    try:
        vid = _requested(req)
    except _Refusal as refusal:
        return refusal.response
    sysmeta = _sysmeta(req, account, container)
    if HIDDEN not in sysmeta:
        return None if vid in (None, NULL) else reply(400, body="Invalid version-id")
    versions = req.svc.object_versions
    if vid is not None:
        gone = versions.delete_version(account, container, obj, vid)
        return reply(204, {"X-Object-Version-Id": version_id(gone)})
    current = versions.current(account, container, obj)
    if not enabled(sysmeta):
        if current is not None and version_id(current) != NULL:
            versions.archive(current)
        return None
    if current is not None:
        versions.archive(current)
        req.svc.objects.delete(account, container, obj)
    marker = versions.mark_deleted(account, container, obj)
    return reply(204, {"X-Object-Version-Id": marker})


def listing_reply(req: ApiRequest[ObjectState], account: str, container: str,
                  base: dict[str, str]) -> Response | None:
    """``GET <container>?versions``: every version of every object, newest first by name."""
    # A container that never kept versions answers its plain listing, as Swift's does.
    if "versions" not in req.query or HIDDEN not in _sysmeta(req, account, container):
        return None
    query = listing_query(req, CONTAINER_LISTING_LIMIT)
    entries = req.svc.object_versions.listing(account, container, query.prefix or "")
    marker, vmarker = query.marker, req.query.get("version_marker")
    items: list[dict[str, Any]] = []
    past_marker = marker is None
    for entry in entries:
        info: ObjectInfo = entry["version"]
        if not past_marker:
            if entry["name"] < (marker or ""):
                continue
            if entry["name"] == marker and vmarker is not None and version_id(info) != vmarker:
                continue
            if entry["name"] == marker:
                past_marker = True
                if vmarker is None or version_id(info) == vmarker:
                    continue
            else:
                past_marker = True
        if query.end_marker is not None and entry["name"] >= query.end_marker:
            break
        items.append(_entry(entry["name"], info, bool(entry["is_latest"])))
        if len(items) >= query.limit:
            break
    if query.reverse:
        items.reverse()
    fmt = listing.choose_format(req.query.get("format"), req.headers.get("accept"))
    content_type = listing.CONTENT_TYPES[fmt]
    if not items and fmt == "plain":
        return reply(204, base, content_type=content_type)
    body = json.dumps(items) if fmt == "json" else \
        listing.render(items, fmt, "container", container, "object")
    return reply(200, base, body, content_type=content_type)


def _entry(name: str, info: ObjectInfo, latest: bool) -> dict[str, Any]:
    return {"name": name, "hash": info.etag, "bytes": info.size,
            "content_type": info.content_type,
            "last_modified": dates.listing_date(info.meta_ts),
            "version_id": version_id(info), "is_latest": latest}
