"""Client for the Image API (Glance v2), as the services that consume images call it."""

from __future__ import annotations

from typing import Any

from nimbus.clients.base import ServiceClient


class ImageClient(ServiceClient):
    service_type = "image"

    def get_image(self, image_id: str) -> dict[str, Any]:
        """``GET /v2/images/{id}``; raises NotFound when there is no such image."""
        return self.get(f"/v2/images/{image_id}")  # type: ignore[no-any-return]
