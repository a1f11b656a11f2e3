"""The deprecated image proxy: ``/images`` and ``/images/{id}/metadata``, through the image API.

Every call carries the caller's own token, as Nova's did, so the image API decides what the
caller may see, change and delete; Nova checks no rule of its own here. Nova calls an image's
custom properties its ``metadata``; the image API's own attributes stay out of it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.compute.manager.quotas import QuotaManager
from nimbus.core.api.context import RequestContext
from nimbus.core.errors import Forbidden, NotFound, PayloadTooLarge

# The image API's own attributes (its schema's base properties); the rest are properties.
BASE_ATTRIBUTES = frozenset({
    "id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo",
    "os_hash_value", "owner", "size", "virtual_size", "container_format", "disk_format",
    "created_at", "updated_at", "tags", "direct_url", "min_ram", "min_disk", "self", "file",
    "stores", "schema", "locations",
})
# Properties that hold JSON, which Nova shows decoded.
_JSON_PROPERTIES = ("block_device_mapping", "mappings")
# Nova's names for the filters it passes on, and the image API's for them.
_FILTERS = {"name": "name", "status": "status", "changes-since": "updated_at",
            "server": "instance_uuid", "type": "image_type", "minRam": "min_ram",
            "minDisk": "min_disk"}


def image_not_found() -> NotFound:
    return NotFound("Image not found.", resource="image", id="")


def split(image: dict[str, Any]) -> dict[str, Any]:
    """The image as Nova holds it: its own attributes, and ``properties``."""
    record: dict[str, Any] = {"properties": {}}
    for key, value in image.items():
        if key in BASE_ATTRIBUTES:
            record[key] = value
        else:
            record["properties"][key] = value
    for key in _JSON_PROPERTIES:
        value = record["properties"].get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                record["properties"][key] = json.loads(value)
    return record


def filters_of(query: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The image API's filters for Nova's: ``server`` (an id or a link to the server) and
    ``type`` are properties, ``changes-since`` an update time, ``property-<name>`` any
    property. A parameter given twice counts once, its last value."""
    found: dict[str, str] = {}
    for name, value in query:
        if name in _FILTERS:
            found[_FILTERS[name]] = value
        elif name.startswith("property-") and len(name) > len("property-"):
            found[name[len("property-"):]] = value
    if "instance_uuid" in found:
        found["instance_uuid"] = found["instance_uuid"].rstrip("/").rsplit("/", 1)[-1]
    if "status" in found:
        found["status"] = found["status"].lower()
    if "updated_at" in found:
        found["updated_at"] = f"gte:{found['updated_at']}"
    return sorted(found.items())


class ImageProxy:
    def __init__(self, images: ImageClient, quotas: QuotaManager, max_limit: int) -> None:
        self.images = images
        self.quotas = quotas
        self.max_limit = max_limit

    def _as(self, ctx: RequestContext) -> ImageClient:
        return self.images.acting_for(ctx.auth_token, ctx.project_id)

    def glance_url(self) -> str:
        """Where the image API is, for each image's ``alternate`` link."""
        return self.images.public_url()

    # -- images ----------------------------------------------------------------------------
    def list_images(self, ctx: RequestContext, filters: list[tuple[str, str]],
                    limit: int | None, page_size: int | None,
                    marker: str | None) -> list[dict[str, Any]]:
        """The images the caller sees that match ``filters``, newest first: ``limit`` of them
        after ``marker`` (no limit: all, up to the most a page holds), read from the image API
        ``page_size`` at a time."""
        wanted = min(limit or self.max_limit, self.max_limit)
        client = self._as(ctx)
        found: list[dict[str, Any]] = []
        after = marker
        while len(found) < wanted:
            batch = min(page_size or wanted, wanted - len(found))
            params = [*filters, ("limit", str(batch))]
            if after:
                params.append(("marker", after))
            page = client.image_page(params)
            images = list(page.get("images") or [])
            found.extend(images)
            if not images or "next" not in page:
                break
            after = str(images[-1]["id"])
        return [split(i) for i in found[:wanted]]

    def get_image(self, ctx: RequestContext, image_id: str) -> dict[str, Any]:
        try:
            return split(self._as(ctx).get_image(image_id))
        except NotFound:
            raise image_not_found() from None

    def delete_image(self, ctx: RequestContext, image_id: str) -> None:
        try:
            self._as(ctx).delete_image(image_id)
        except NotFound:
            raise image_not_found() from None
        except Forbidden:
            raise Forbidden("You are not allowed to delete the image.") from None

    # -- metadata --------------------------------------------------------------------------
    def metadata(self, ctx: RequestContext, image_id: str) -> dict[str, Any]:
        return dict(self.get_image(ctx, image_id)["properties"])

    def update_metadata(self, ctx: RequestContext, image_id: str, items: dict[str, str],
                        replace: bool) -> dict[str, Any]:
        """Merge ``items`` into the image's metadata (or, ``replace``, make them all of it);
        the metadata it then has."""
        current = self.metadata(ctx, image_id)
        wanted = dict(items) if replace else {**current, **items}
        self._check_quota(ctx, wanted)
        self._write(ctx, image_id, current, wanted)
        return wanted

    def delete_item(self, ctx: RequestContext, image_id: str, key: str) -> None:
        current = self.metadata(ctx, image_id)
        if key not in current:
            raise NotFound("Invalid metadata key", resource="image metadata", id=key)
        wanted = {k: v for k, v in current.items() if k != key}
        self._write(ctx, image_id, current, wanted)

    def _check_quota(self, ctx: RequestContext, wanted: dict[str, Any]) -> None:
        """An image holds no more metadata items than a server may (``metadata_items``)."""
        limit = self.quotas.limits(str(ctx.project_id))["metadata_items"]
        if wanted and 0 <= limit < len(wanted):
            raise Forbidden("Image metadata limit exceeded")

    def _write(self, ctx: RequestContext, image_id: str, current: dict[str, Any],
               wanted: dict[str, Any]) -> None:
        """Make the image's properties ``wanted``, in one update of the image API."""
        ops: list[dict[str, Any]] = [{"op": "remove", "path": f"/{_pointer(key)}"}
                                     for key in current if key not in wanted]
        for key, value in wanted.items():
            if key not in current:
                ops.append({"op": "add", "path": f"/{_pointer(key)}", "value": _text(value)})
            elif current[key] != value:
                ops.append({"op": "replace", "path": f"/{_pointer(key)}",
                            "value": _text(value)})
        if not ops:
            return
        try:
            self._as(ctx).patch_image(image_id, ops)
        except NotFound:
            raise image_not_found() from None
        except Forbidden:
            raise Forbidden(f"Not authorized for image {image_id}.") from None
        except PayloadTooLarge:
            raise Forbidden("Image metadata limit exceeded") from None


def _pointer(key: str) -> str:
    """``key`` as a JSON-pointer segment."""
    return key.replace("~", "~0").replace("/", "~1")


def _text(value: Any) -> Any:
    """The image API keeps property values as text: what Nova decoded is encoded again."""
    return value if value is None or isinstance(value, str) else json.dumps(value)
