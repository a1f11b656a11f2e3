"""Creating images from the dashboard: the record, then its data from the browser (streamed
to the image service as it arrives) or from a URL (the image service's web-download import)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nimbus.clients.user_session import UserSession
from nimbus.dashboard.schemas.forms import ImageForm


def create(user: UserSession, form: ImageForm) -> dict[str, Any]:
    body: dict[str, Any] = {"name": form.name, "disk_format": form.disk_format,
                            "container_format": form.container_format,
                            "visibility": form.visibility, "min_disk": form.min_disk,
                            "min_ram": form.min_ram, "protected": form.protected}
    image = dict(user.request("image", "POST", "/v2/images", body))
    if form.url:
        user.request("image", "POST", f"/v2/images/{image['id']}/import",
                     {"method": {"name": "web-download", "uri": form.url}})
    return image


def upload(user: UserSession, image_id: str, chunks: Iterable[bytes]) -> None:
    user.put_stream("image", f"/v2/images/{image_id}/file", chunks,
                    headers={"Content-Type": "application/octet-stream"})
