"""The image proxy (``/images`` and their ``metadata``): requests and Nova's views of the image
API's records.

An image reaches the views split as Nova splits it: the image API's own attributes, and
``properties`` (every custom property, which Nova calls the image's metadata).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.compute.schemas.common import METADATA, QUERY_INTEGER, body_of, links
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

# Nova stopped proxying images at 2.36, and their metadata at 2.39.
MAX_VERSION = "2.35"
METADATA_MAX_VERSION = "2.38"

# Nova's metadata: keys of letters, digits and ``-_:. ``, string values of at most 255.
_KEYED: Schema = {**METADATA, "propertyNames": {"pattern": "^[a-zA-Z0-9-_:. ]{1,255}$"}}
SET_METADATA = body_of("metadata", _KEYED)
SET_ITEM = body_of("meta", {**_KEYED, "minProperties": 1, "maxProperties": 1})

# The filters and paging Nova passes on; any other parameter is ignored. ``marker`` is the
# image API's to check (and to page by), so it is read as it comes.
LIST_QUERY = validation.query({"limit": QUERY_INTEGER, "page_size": QUERY_INTEGER,
                               "offset": QUERY_INTEGER})

_STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "deleted": "DELETED",
           "pending_delete": "DELETED", "killed": "ERROR"}
_PROGRESS = {"queued": 25, "saving": 50, "active": 100}
_TRUE = ("1", "t", "true", "on", "y", "yes")


def _when(value: Any) -> str | None:
    """A timestamp as Nova prints one (``2024-05-01T12:00:00Z``)."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _links(base_url: str, glance_url: str, image_id: str) -> list[dict[str, str]]:
    return [*links(base_url, "images", image_id),
            {"rel": "alternate", "type": "application/vnd.openstack.image",
             "href": f"{glance_url}/images/{image_id}"}]


def basic(base_url: str, glance_url: str, image: dict[str, Any]) -> dict[str, Any]:
    """An entry of ``GET /images``."""
    return {"id": image["id"], "name": image.get("name"),
            "links": _links(base_url, glance_url, image["id"])}


def detail(base_url: str, glance_url: str, image: dict[str, Any]) -> dict[str, Any]:
    """An image as ``GET /images/{id}`` and ``/images/detail`` show it."""
    properties = dict(image.get("properties") or {})
    status = str(image.get("status") or "")
    body: dict[str, Any] = {
        "id": image["id"],
        "name": image.get("name"),
        "minRam": int(image.get("min_ram") or 0),
        "minDisk": int(image.get("min_disk") or 0),
        "metadata": properties,
        "created": _when(image.get("created_at")),
        "updated": _when(image.get("updated_at")),
        "status": _STATUS.get(status, "UNKNOWN"),
        "progress": _PROGRESS.get(status, 0),
        # The image API's null size (no data yet) is 0 to Nova.
        "OS-EXT-IMG-SIZE:size": image.get("size") or 0,
        "links": _links(base_url, glance_url, image["id"]),
    }
    server = properties.get("instance_uuid")
    if server is not None:
        body["server"] = {"id": server, "links": links(base_url, "servers", str(server))}
    disk_config = properties.get("auto_disk_config")
    if disk_config is not None:
        body["OS-DCF:diskConfig"] = ("AUTO" if str(disk_config).strip().lower() in _TRUE
                                     else "MANUAL")
    return body
