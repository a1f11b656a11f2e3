"""The image a volume is made from (``imageRef``), checked as the caller while their request is
served.

The image service is asked with the caller's own token (``ServiceClient.acting_for``), so it
answers only with what the caller may see: another project's private image is as unknown as an
id that names nothing. As Cinder does, a reference may be an image id, a link ending in one, or
an image name; whatever cannot be resolved to one image the caller can see is Cinder's 400
"Invalid image identifier or unable to access requested image.", before anything is written.
"""

from __future__ import annotations

import contextlib
import json
import math
import uuid
from typing import Any, Protocol
from urllib.parse import urlencode

from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound
from nimbus.volume.errors import InvalidImageRef, InvalidInput

# What a volume made from an image records of it (Cinder's volume_glance_metadata).
_KEPT = ("name", "checksum", "container_format", "disk_format", "min_disk", "min_ram", "size")
GIB = 1024 ** 3


class ImageReader(Protocol):
    """What is used of ``nimbus.clients.image.ImageClient``."""

    def acting_for(self, token: str | None, project_id: str | None) -> ImageReader: ...

    def get_image(self, image_id: str) -> dict[str, Any]: ...

    def get(self, path: str, **kw: Any) -> Any: ...

    def create_image(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def delete_image(self, image_id: str) -> None: ...


def image_id_of(ref: str) -> str | None:
    """The image id a reference names by id (``<id>`` or a link ending in it), canonical; None
    when its last part is no UUID."""
    try:
        return str(uuid.UUID(ref.split("/")[-1]))
    except ValueError:
        return None


class Images:
    def __init__(self, client: ImageReader) -> None:
        self.client = client

    def resolve(self, ref: str, token: str | None, project_id: str | None,
                size: int | None) -> dict[str, str]:
        """The image metadata a new volume of ``size`` GiB made from ``ref`` records; 400 when
        the caller cannot use that image for it."""
        client = self.client.acting_for(token, project_id)
        image = self._by_id(client, ref) or self._by_name(client, ref)
        if image is None:
            raise InvalidImageRef()
        if image.get("status") != "active":
            raise InvalidInput(reason=f"Image {image['id']} is not active.")
        if size is not None:
            min_disk = int(image.get("min_disk") or 0)
            if min_disk > size:
                raise InvalidInput(reason=f"Volume size {size}GB cannot be smaller than the "
                                          f"image minDisk size {min_disk}GB.")
            image_gb = math.ceil(int(image.get("size") or 0) / GIB)
            if image_gb > size:
                raise InvalidInput(reason=f"Size of specified image {image_gb}GB is larger than "
                                          f"volume size {size}GB.")
        kept = {"image_id": str(image["id"])}
        for key in _KEPT:
            if image.get(key) is not None:
                kept["image_name" if key == "name" else key] = str(image[key])
        return kept

    def boot_snapshot(self, ref: str, token: str | None, project_id: str | None) -> str | None:
        """The volume snapshot that compute's snapshot of a volume-backed server names for
        its root disk (the image has no data, only ``block_device_mapping``); None for any
        other image. From 3.46 Cinder makes a volume of such an image from that snapshot."""
        client = self.client.acting_for(token, project_id)
        image = self._by_id(client, ref) or self._by_name(client, ref)
        mappings: Any = (image or {}).get("block_device_mapping") or []
        if isinstance(mappings, str):
            try:
                mappings = json.loads(mappings)
            except ValueError:
                return None
        for bdm in mappings if isinstance(mappings, list) else []:
            if isinstance(bdm, dict) and bdm.get("source_type") == "snapshot" \
                    and str(bdm.get("boot_index")) == "0" and bdm.get("snapshot_id"):
                return str(bdm["snapshot_id"])
        return None

    @staticmethod
    def _by_id(client: ImageReader, ref: str) -> dict[str, Any] | None:
        image_id = image_id_of(ref)
        if image_id is None:
            return None
        try:
            return client.get_image(image_id)
        except (NotFound, Forbidden, BadRequest):
            return None

    @staticmethod
    def _by_name(client: ImageReader, ref: str) -> dict[str, Any] | None:
        if not ref.strip():
            return None
        try:
            found = client.get(f"/v2/images?{urlencode({'name': ref})}")
        except (NotFound, Forbidden, BadRequest):
            return None
        images = [i for i in (found or {}).get("images", []) if i.get("name") == ref]
        if len(images) > 1:
            raise Conflict(f"Multiple matches found for '{ref}', use an ID to be more specific.")
        return images[0] if images else None

    def create(self, spec: dict[str, Any], token: str | None,
               project_id: str | None) -> dict[str, Any]:
        """A queued image made as the caller, for a volume's upload."""
        return self.client.acting_for(token, project_id).create_image(spec)

    def delete(self, image_id: str, token: str | None, project_id: str | None) -> None:
        with contextlib.suppress(NotFound):
            self.client.acting_for(token, project_id).delete_image(image_id)
