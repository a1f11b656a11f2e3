"""A container's contents as the Object Store panel shows them: pseudo-folders (the names up to
the next ``/``) and objects, one level at a time, and objects sent and fetched as streams."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from nimbus.clients.user_session import UserSession

PAGE_SIZE = 200


@dataclass(frozen=True)
class Entry:
    name: str  # the full object name, or the folder's prefix (ending in "/")
    label: str  # what is shown: the part below the current folder
    folder: bool
    size: int = 0
    modified: str = ""


def _path(container: str, name: str = "") -> str:
    return f"/{quote(container, safe='')}" + (f"/{quote(name, safe='/')}" if name else "")


def listing(user: UserSession, container: str, prefix: str) -> list[Entry]:
    query = urlencode({"format": "json", "delimiter": "/", "prefix": prefix,
                       "limit": PAGE_SIZE})
    found: list[dict[str, Any]] = user.get("object-store", f"{_path(container)}?{query}") or []
    entries = []
    for item in found:
        if "subdir" in item:
            name = str(item["subdir"])
            entries.append(Entry(name, name[len(prefix):], True))
        elif item.get("name") != prefix:  # a folder's own marker object
            name = str(item["name"])
            entries.append(Entry(name, name[len(prefix):], False, int(item.get("bytes", 0)),
                                 str(item.get("last_modified", ""))))
    return entries


def create_folder(user: UserSession, container: str, prefix: str, name: str) -> None:
    user.request("object-store", "PUT", _path(container, f"{prefix}{name.strip('/')}/"),
                 headers={"Content-Length": "0"})


def upload(user: UserSession, container: str, name: str, chunks: Iterable[bytes],
           content_type: str) -> None:
    user.put_stream("object-store", _path(container, name), chunks,
                    headers={"Content-Type": content_type or "application/octet-stream"})


def download(user: UserSession, container: str, name: str) -> tuple[Iterator[bytes],
                                                                     dict[str, str]]:
    resp = user.get_stream("object-store", _path(container, name))

    def chunks() -> Iterator[bytes]:
        try:
            yield from resp.iter_content(64 * 1024)
        finally:
            resp.close()
    keep = {k: v for k, v in resp.headers.items()
            if k.lower() in ("content-type", "content-length", "etag", "last-modified")}
    return chunks(), keep


def delete(user: UserSession, container: str, name: str) -> None:
    user.request("object-store", "DELETE", _path(container, name))
