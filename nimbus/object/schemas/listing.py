"""Account and container listings in the three formats Swift serves: plain, JSON and XML."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from nimbus.object.db.listings import ListedContainer, ListedObject
from nimbus.object.schemas import dates, slo, symlink

CONTENT_TYPES = {
    "plain": "text/plain; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
}


def choose_format(given: str | None, accept: str | None) -> str:
    """``?format=`` wins; otherwise the Accept header; plain text by default."""
    wanted = (given or "").lower()
    if wanted in ("json", "xml", "plain"):
        return wanted
    if wanted in ("text/plain", "application/json", "application/xml", "text/xml"):
        accept = wanted
    for item in (accept or "").split(","):
        kind = item.split(";")[0].strip().lower()
        if kind == "application/json":
            return "json"
        if kind in ("application/xml", "text/xml"):
            return "xml"
        if kind in ("text/plain", "text/*", "*/*"):
            return "plain"
    return "plain"


def render(items: list[dict[str, Any]], fmt: str, root: str, name: str, element: str) -> str:
    """The body of a listing of ``items`` under ``root`` (``account``/``container``)."""
    if fmt == "json":
        return json.dumps(items)
    if fmt == "xml":
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root} name={quoteattr(name)}>"]
        for item in items:
            if "subdir" in item:
                sub = item["subdir"]
                lines.append(f"<subdir name={quoteattr(sub)}><name>{escape(sub)}</name></subdir>")
                continue
            fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in item.items())
            lines.append(f"<{element}>{fields}</{element}>")
        lines.append(f"</{root}>")
        return "\n".join(lines)
    return "".join(f"{item.get('name', item.get('subdir'))}\n" for item in items)


def container_entry(row: ListedContainer) -> dict[str, Any]:
    """An account listing's entry for a container row."""
    return {"name": row.name, "count": row.object_count, "bytes": row.bytes_used,
            "last_modified": dates.listing_date(row.put_ts)}


def object_entry(row: ListedObject) -> dict[str, Any]:
    """A container listing's entry for an object row."""
    entry: dict[str, Any] = {
        "name": row.name, "hash": row.etag, "bytes": row.size, "content_type": row.content_type,
        "last_modified": dates.listing_date(row.meta_ts)}
    if row.sysmeta:
        entry.update(symlink.listing_fields(row.sysmeta))
        entry.update(slo.listing_fields(row.etag, row.sysmeta))
    return entry
