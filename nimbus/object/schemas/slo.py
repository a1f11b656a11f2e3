"""A static large object's manifest as a client PUTs it (``?multipart-manifest=put``): a JSON
list of segments, each ``{"path": "/container/object", "etag": ..., "size_bytes": ...,
"range": ...}``, checked the way Swift's SLO middleware checks it, with its wording."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

# Swift's defaults, as /info advertises them.
MAX_MANIFEST_SEGMENTS = 1000
MAX_MANIFEST_SIZE = 8 * 1024 * 1024
MIN_SEGMENT_SIZE = 1
YIELD_FREQUENCY = 10
# System metadata of a manifest: the flag, and the stored JSON's own size and MD5.
SLO = "slo"
MANIFEST_SIZE = "slo-manifest-size"
MANIFEST_ETAG = "slo-manifest-etag"
_KEYS = {"path", "etag", "size_bytes", "range"}


class ManifestError(Exception):
    """The manifest is refused: ``status`` and Swift's body."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class SegmentSpec:
    container: str
    name: str
    etag: str | None
    size: int | None
    range: str | None

    @property
    def path(self) -> str:
        return f"/{self.container}/{self.name}"


def listing_fields(whole_etag: str, sysmeta: Mapping[str, Any] | None) -> dict[str, Any]:
    """A manifest's listing entry, as Swift's: ``hash`` is the stored JSON's MD5 and
    ``slo_etag`` (quoted) the whole's."""
    if not sysmeta or sysmeta.get(SLO) != "True":
        return {}
    return {"hash": sysmeta.get(MANIFEST_ETAG, whole_etag), "slo_etag": f'"{whole_etag}"'}


def parse_range(text: str, size: int) -> tuple[int, int] | None:
    """``first-last``, ``first-`` or ``-suffix`` within ``size`` bytes as ``[start, end)``;
    None when it selects nothing or is malformed."""
    first, sep, last = text.strip().partition("-")
    if not sep or (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:
        if not last or int(last) == 0:
            return None
        return max(size - int(last), 0), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if last and int(last) < start or start >= size:
        return None
    return start, end


def parse(body: bytes) -> list[SegmentSpec]:
    """The segments ``body`` lists; ``ManifestError`` with Swift's words when it is not one."""
    if len(body) > MAX_MANIFEST_SIZE:
        raise ManifestError(413, f"Manifest File > {MAX_MANIFEST_SIZE} bytes")
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ManifestError(400, "Manifest must be valid JSON.\n") from None
    if not isinstance(items, list):
        raise ManifestError(400, "Manifest must be a list.\n")
    if len(items) > MAX_MANIFEST_SEGMENTS:
        raise ManifestError(413, f"Number of segments must be <= {MAX_MANIFEST_SEGMENTS}\n")
    errors: list[str] = []
    specs: list[SegmentSpec] = []
    for index, item in enumerate(items):
        problem = _check(item)
        if problem:
            errors.append(f"Index {index}: {problem}")
            continue
        path = unquote(item["path"]).lstrip("/")
        container, _, name = path.partition("/")
        size = item.get("size_bytes")
        specs.append(SegmentSpec(container, name, item.get("etag") or None,
                                 None if size is None else int(size), item.get("range")))
    if errors:
        raise ManifestError(400, "\n".join(errors) + "\n")
    if not specs:
        raise ManifestError(400, "Manifest must have at least one segment.\n")
    return specs


def _check(item: object) -> str | None:
    if not isinstance(item, dict):
        return "not a JSON object"
    extra = sorted(set(item) - _KEYS)
    if extra:
        return "extraneous keys " + ", ".join(f'"{key}"' for key in extra)
    path = item.get("path")
    if not isinstance(path, str):
        return 'no "path" given' if path is None else '"path" must be a string'
    container, _, name = unquote(path).lstrip("/").partition("/")
    if not container or not name:
        return '"path" must be of the form /container/object'
    size = item.get("size_bytes")
    whole = isinstance(size, int) and not isinstance(size, bool)
    if size is not None and not whole and not (isinstance(size, str) and size.isdigit()):
        return '"size_bytes" must be an integer or null'
    etag = item.get("etag")
    if etag is not None and not isinstance(etag, str):
        return '"etag" must be a string or null'
    rng = item.get("range")
    if rng is not None and (not isinstance(rng, str) or "," in rng or "-" not in rng):
        return '"range" must be a string like "first-last"'
    return None
