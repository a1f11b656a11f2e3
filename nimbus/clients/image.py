"""Client for the Image API (Glance v2), as the services that consume images call it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from nimbus.clients.base import ServiceClient, item_path

_PATCH_TYPE = "application/openstack-images-v2.1-json-patch"


class ImageClient(ServiceClient):
    service_type = "image"

    def get_image(self, image_id: str) -> dict[str, Any]:
        """``GET /v2/images/{id}``; raises NotFound when there is no such image."""
        return self.get(item_path("/v2/images", image_id))  # type: ignore[no-any-return]

    def create_image(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v2/images``: a queued image record (core fields and properties, flat)."""
        return self.post("/v2/images", body)  # type: ignore[no-any-return]

    def update_image(self, image_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Replace (or add) the top-level ``changes`` through a JSON-patch request."""
        ops = [{"op": "replace", "path": f"/{key}", "value": value}
               for key, value in changes.items()]
        return self.request("PATCH", f"/v2/images/{image_id}",  # type: ignore[no-any-return]
                            data=json.dumps(ops), headers={"Content-Type": _PATCH_TYPE})

    def list_images(self, **filters: Any) -> list[dict[str, Any]]:
        """Images matching ``filters`` (property filters included), newest first."""
        query = urlencode({**filters, "sort": "created_at:desc"})
        return self.get(f"/v2/images?{query}")["images"]  # type: ignore[no-any-return]

    def delete_image(self, image_id: str) -> None:
        self.delete(f"/v2/images/{image_id}")

    def image_page(self, params: list[tuple[str, str]]) -> dict[str, Any]:
        """One page of ``GET /v2/images`` as the image API answers it: ``images`` and, when
        more follow, ``next``. ``params`` are filters and paging, passed as they are."""
        query = f"?{urlencode(params)}" if params else ""
        return self.get(f"/v2/images{query}")  # type: ignore[no-any-return]

    def patch_image(self, image_id: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
        """Apply JSON-patch ``ops`` (``add``, ``replace``, ``remove``) in one request."""
        return self.request("PATCH", f"/v2/images/{image_id}",  # type: ignore[no-any-return]
                            data=json.dumps(ops), headers={"Content-Type": _PATCH_TYPE})

    def public_url(self) -> str:
        """The image API's public endpoint, as the catalog gives it ('' when it has none)."""
        from keystoneauth1 import exceptions as ks_exc

        try:
            url = self.session.get_endpoint(service_type=self.service_type, interface="public",
                                            region_name=self.cloud.settings.region)
        except ks_exc.ClientException:
            return ""
        return str(url or "").rstrip("/")

    def upload(self, image_id: str, chunks: Iterable[bytes]) -> None:
        """``PUT /v2/images/{id}/file``, streaming ``chunks``."""
        # A generator, so that requests streams it rather than form-encoding a list.
        self.request("PUT", f"/v2/images/{image_id}/file", data=(c for c in chunks),
                     headers={"Content-Type": "application/octet-stream"})

    def download(self, image_id: str, chunk: int = 1024 * 1024) -> Iterator[bytes]:
        """``GET /v2/images/{id}/file``, streamed in chunks (an image may be larger than
        memory)."""
        resp = self.stream(f"/v2/images/{image_id}/file")
        try:
            yield from resp.iter_content(chunk)
        finally:
            resp.close()

    def read_range(self, image_id: str, first: int | None, last: int | None) -> bytes:
        """Bytes ``first``..``last`` (inclusive) of the image's data; ``first=None`` asks for the
        last ``last`` bytes. The image API answers 206 with just that part."""
        spec = f"bytes={'' if first is None else first}-{'' if last is None else last}"
        data = self.get(f"/v2/images/{image_id}/file", headers={"Range": spec})
        return bytes(data or b"")
