"""A read-only store over http(s): it serves images whose location is a URL, streamed.

Nothing is ever written here. A URL is read only when its host is on the operator's
web-download allow-list (``image_web_download_allow``), and so is every redirect it leads to,
so an image location can't be used to make the cloud fetch from its own private network.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

from nimbus.core.errors import BadRequest, Forbidden
from nimbus.image.drivers import fetch
from nimbus.image.drivers.base import ImageDataNotFound, ImageStore, StoredImage, StoreError

CHUNK = 64 * 1024
SCHEMES = ("http://", "https://")


class HttpStore(ImageStore):
    name = "http"
    description = "Read-only HTTP store"
    supports_range = True
    read_only = True

    def __init__(self, settings: Any, allowed: list[str] | None = None,
                 timeout: float = 30) -> None:
        super().__init__(settings)
        self.allowed = (fetch.allow_list(settings.image.web_download_allow) if allowed is None
                        else allowed)
        self.timeout = timeout

    def owns(self, location: str) -> bool:
        return location.lower().startswith(SCHEMES)

    def _open(self, location: str, method: str = "GET",
              headers: dict[str, str] | None = None) -> Any:
        if not self.owns(location):
            raise ImageDataNotFound(id=location)
        try:
            fetch.check_uri(location, self.allowed)
        except BadRequest as exc:
            # The allow-list may have shrunk since the location was registered.
            raise Forbidden(f"Location {location} is not on the web-download allow-list.") \
                from exc
        opener = urllib.request.build_opener(fetch.RedirectCheck(self.allowed))
        request = urllib.request.Request(location, method=method, headers={
            "User-Agent": "nimbus-image", **(headers or {})})
        try:
            return opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (404, 410):
                raise ImageDataNotFound(id=location) from None
            raise StoreError(reason=f"{location}: HTTP {exc.code}") from None
        except BadRequest as exc:
            raise StoreError(reason=f"{location} redirects to a host that is not allowed") \
                from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise StoreError(reason=f"{location}: {exc}") from exc

    def size(self, location: str) -> int | None:
        with self._open(location, "HEAD") as resp:
            length = resp.headers.get("Content-Length")
        try:
            return int(length) if length is not None else None
        except ValueError:
            return None

    def add(self, image_id: str, chunks: Iterable[bytes]) -> StoredImage:
        raise Forbidden("The http store is read-only.")

    def get(self, location: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        if length == 0:
            return iter(())
        headers = {}
        if offset or length is not None:
            end = "" if length is None else str(offset + length - 1)
            headers["Range"] = f"bytes={offset}-{end}"
        resp = self._open(location, headers=headers)
        # A server that ignores Range answers 200 with everything: skip and cut here.
        skip = offset if headers and resp.status != 206 else 0
        return _read(resp, skip, length)

    def delete(self, location: str) -> None:
        """The bytes belong to the remote server; forgetting the location is all there is."""


def _read(resp: Any, skip: int, length: int | None) -> Iterator[bytes]:
    with resp:
        left = length
        while left is None or left > 0:
            chunk = resp.read(CHUNK)
            if not chunk:
                return
            if skip:
                cut = min(skip, len(chunk))
                chunk, skip = chunk[cut:], skip - cut
                if not chunk:
                    continue
            if left is not None:
                chunk, left = chunk[:left], left - min(left, len(chunk))
            yield chunk


DRIVER = HttpStore
