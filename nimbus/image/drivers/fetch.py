"""Where ``web-download`` and ``glance-download`` imports read their bytes from.

``web-download`` fetches a URL only when the operator's allow-list names its host (the
``image_web_download_allow`` setting: ``host`` or ``host:port`` entries; empty turns the method
off), and follows a redirect only to an allowed host too. ``glance-download`` reads an image
from an image service in another region through its public API, as the ``glance`` user.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from nimbus.core.errors import BadRequest
from nimbus.image.errors import FetchError

CHUNK = 64 * 1024
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
# Properties glance-download copies from the source image (prefixes and names).
COPIED_PROPERTIES = ("hw_", "trait:", "os_distro", "os_secure_boot", "os_type")


def allow_list(entries: Iterable[Any]) -> list[str]:
    """The ``image.web_download_allow`` entries, normalised for comparison."""
    return [str(i).strip().lower() for i in entries if str(i).strip()]


def check_uri(uri: Any, allowed: list[str]) -> str:
    """400 unless ``uri`` is an http(s) URL whose host (or host:port) is on the allow-list."""
    if not isinstance(uri, str) or not uri:
        raise BadRequest("The 'web-download' method needs a 'uri'.")
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise BadRequest(f"URI {uri} does not pass filtering: bad port.") from None
    if parts.scheme not in ("http", "https") or not host or \
            (host not in allowed and f"{host}:{port}" not in allowed):
        raise BadRequest(f"URI {uri} does not pass filtering: its host is not on the "
                         "web-download allow-list.")
    return uri


class RedirectCheck(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a host the allow-list names (400 otherwise)."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = allowed

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        check_uri(newurl, self.allowed)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def web(uri: str, allowed: list[str], timeout: float = 30) -> Iterator[bytes]:
    """The body at ``uri``, streamed; FetchError when it cannot be read."""
    opener = urllib.request.build_opener(RedirectCheck(allowed))
    try:
        resp = opener.open(urllib.request.Request(uri, headers={"User-Agent": "nimbus-image"}),
                           timeout=timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(reason=f"{uri}: {exc}") from exc
    return _drain(resp)


def _drain(resp: Any) -> Iterator[bytes]:
    with resp:
        while True:
            chunk = resp.read(CHUNK)
            if not chunk:
                return
            yield chunk


class RemoteImages:
    """``glance-download``'s source: image services of other regions, read through their
    public API with the ``glance`` service user's session (``session()`` gives it)."""

    def __init__(self, session: Callable[[], Any]) -> None:
        self.session = session

    def read(self, image_id: str, region: str,
             interface: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        return remote_image(self.session(), image_id, region, interface)


def remote_image(sess: Any, image_id: str, region: str,
                 interface: str) -> tuple[dict[str, Any], Iterator[bytes]]:
    """``glance-download``: the source image's record and its bytes, from ``region``."""
    from keystoneauth1 import exceptions as ks_exc

    where = {"service_type": "image", "interface": interface, "region_name": region}
    try:
        resp = sess.get(f"/v2/images/{image_id}", endpoint_filter=where, raise_exc=False)
        if resp.status_code != 200:
            raise FetchError(reason=f"image {image_id} in {region}: HTTP {resp.status_code}")
        record = resp.json()
        if record.get("status") != "active":
            raise FetchError(reason=f"image {image_id} in {region} is not active")
        data = sess.get(f"/v2/images/{image_id}/file", endpoint_filter=where,
                        raise_exc=False, stream=True)
    except ks_exc.ClientException as exc:
        raise FetchError(reason=f"{region}/{interface}: {exc}") from exc
    if data.status_code != 200:
        data.close()
        raise FetchError(reason=f"image {image_id} data in {region}: HTTP {data.status_code}")

    def body() -> Iterator[bytes]:
        try:
            yield from data.iter_content(CHUNK)
        finally:
            data.close()

    return record, body()


def copied_properties(record: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in record.items() if isinstance(v, str) and
            any(k == p or (p.endswith(("_", ":")) and k.startswith(p))
                for p in COPIED_PROPERTIES)}
