"""Client for the Object Storage API (Swift), as other services keep their data in it.

Object bodies are streamed both ways: ``put_object`` sends an iterator with chunked transfer
encoding and ``get_object`` yields the body as it arrives, so no image or backup is ever held
whole in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

from nimbus.clients.base import _BY_STATUS, ServiceClient, fault_message
from nimbus.core import errors

CHUNK = 64 * 1024


def _path(container: str, name: str | None = None) -> str:
    path = "/" + quote(container, safe="")
    if name is not None:
        path += "/" + quote(name, safe="")
    return path


class ObjectClient(ServiceClient):
    """Objects in the calling service's own account (the service project)."""

    service_type = "object-store"

    def _raw(self, method: str, path: str, *, ok: tuple[int, ...] = (),
             **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {})
        resp = self.session.request(
            path, method, raise_exc=False,
            endpoint_filter={"service_type": self.service_type, "interface": "public",
                             "region_name": self.cloud.settings.region}, **kwargs)
        if resp.status_code >= 400 and resp.status_code not in ok:
            text = resp.text if not kwargs.get("stream") else resp.raw.read(2000).decode(
                "utf-8", "replace")
            resp.close()
            cls = _BY_STATUS.get(resp.status_code, errors.NimbusError)
            raise cls(fault_message(text))
        return resp

    def ensure_container(self, container: str) -> None:
        """``PUT /{container}``: create it, or leave the existing one as it is."""
        self._raw("PUT", _path(container)).close()

    def put_object(self, container: str, name: str, chunks: Iterable[bytes],
                   content_type: str = "application/octet-stream") -> dict[str, str]:
        """Stream ``chunks`` into ``container/name``; the response headers (etag...)."""
        resp = self._raw("PUT", _path(container, name), data=iter(chunks),
                         headers={"Content-Type": content_type,
                                  "Transfer-Encoding": "chunked"})
        headers = dict(resp.headers)
        resp.close()
        return headers

    def get_object(self, container: str, name: str,
                   byte_range: tuple[int, int | None] | None = None) -> Iterator[bytes]:
        """The object's body, chunk by chunk (``byte_range`` is first, last-or-None)."""
        headers = {}
        if byte_range is not None:
            first, last = byte_range
            headers["Range"] = f"bytes={first}-{'' if last is None else last}"
        resp = self._raw("GET", _path(container, name), headers=headers, stream=True)
        return self._body(resp)

    @staticmethod
    def _body(resp: Any) -> Iterator[bytes]:
        try:
            yield from resp.iter_content(CHUNK)
        finally:
            resp.close()

    def delete_object(self, container: str, name: str) -> None:
        """Remove the object; one that is already gone is not an error."""
        self._raw("DELETE", _path(container, name), ok=(404,)).close()

    def list_objects(self, container: str, prefix: str = "") -> list[str]:
        """The names of the container's objects that start with ``prefix`` (all pages)."""
        names: list[str] = []
        marker = ""
        while True:
            query = urlencode({"format": "json", "prefix": prefix, "marker": marker})
            resp = self._raw("GET", f"{_path(container)}?{query}", ok=(404,))
            page = [] if resp.status_code in (204, 404) else resp.json()
            resp.close()
            if not page:
                return names
            names.extend(str(item["name"]) for item in page)
            marker = names[-1]

    def head_object(self, container: str, name: str) -> dict[str, str] | None:
        """The object's headers, or None when there is no such object."""
        resp = self._raw("HEAD", _path(container, name), ok=(404,))
        resp.close()
        return None if resp.status_code == 404 else dict(resp.headers)
