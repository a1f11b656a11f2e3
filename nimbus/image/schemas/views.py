"""Response shapes: an image, a list page, a member and a task, as Glance prints them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from nimbus.core.db.base import iso

# Custom properties used internally and never shown (Glance hides the same kind).
HIDDEN_PROPERTIES = frozenset({"os_glance_stage_host", "os_glance_import_task"})


def image(record: dict[str, Any],
          store_order: Callable[[set[str]], list[str]] | None = None,
          locations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One image: custom properties first, then the core attributes win on any clash.

    ``stores`` lists the stores holding the bytes, highest weight first (``store_order``);
    ``locations`` (``url`` and ``metadata`` each) is shown when given, even empty.
    """
    view: dict[str, Any] = {k: v for k, v in record["properties"].items()
                            if k not in HIDDEN_PROPERTIES}
    for key in ("name", "disk_format", "container_format", "visibility", "size",
                "virtual_size", "status", "checksum", "protected", "min_ram", "min_disk",
                "owner", "os_hidden", "os_hash_algo", "os_hash_value", "id"):
        view[key] = record[key]
    view["created_at"] = iso(record["created_at"])
    view["updated_at"] = iso(record["updated_at"])
    view["tags"] = list(record["tags"])
    held = set(record.get("locations") or {})
    if held:
        view["stores"] = ",".join(store_order(held) if store_order else sorted(held))
    if locations is not None:
        view["locations"] = locations
    view["self"] = f"/v2/images/{record['id']}"
    view["file"] = f"/v2/images/{record['id']}/file"
    view["schema"] = "/v2/schemas/image"
    return view


def image_page(records: list[dict[str, Any]], params: list[tuple[str, str]],
               next_marker: str | None,
               store_order: Callable[[set[str]], list[str]] | None = None,
               shown_locations: Callable[[dict[str, Any]], list[dict[str, Any]] | None]
               | None = None) -> dict[str, Any]:
    """``GET /v2/images``: the page plus ``first``/``next`` links that keep the filters."""
    links = collection("/v2/images", params, next_marker)
    body: dict[str, Any] = {
        "images": [image(r, store_order, shown_locations(r) if shown_locations else None)
                   for r in records],
        "first": links["first"],
        "schema": "/v2/schemas/images",
    }
    if "next" in links:
        body["next"] = links["next"]
    return body


def member(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "image_id": record["image_id"],
        "member_id": record["member"],
        "status": record["status"],
        "created_at": iso(record["created_at"]),
        "updated_at": iso(record["updated_at"]),
        "schema": "/v2/schemas/member",
    }


def task(record: dict[str, Any], with_image: bool = False) -> dict[str, Any]:
    """One task as ``/v2/tasks`` shows it (``with_image``: as an image's task list does)."""
    out = {"id": record["id"], "type": record["type"], "status": record["status"],
           "owner": record["owner"], "input": record["input"], "result": record["result"],
           "message": record["message"], "created_at": iso(record["created_at"]),
           "updated_at": iso(record["updated_at"]), "self": f"/v2/tasks/{record['id']}",
           "schema": "/v2/schemas/task"}
    if record["expires_at"] is not None:
        out["expires_at"] = iso(record["expires_at"])
    if with_image:
        out.update(image_id=record["image_id"], request_id=record["request_id"],
                   user_id=record["user_id"])
    return out


def collection(base: str, params: list[tuple[str, str]], next_marker: str | None) -> dict[str, str]:
    """Glance's ``first`` and ``next`` links of a list: the request's own parameters, the
    marker replaced (``next`` only when a marker is given)."""
    kept = [(k, v) for k, v in params if k != "marker"]
    links = {"first": base + (f"?{urlencode(kept)}" if kept else "")}
    if next_marker is not None:
        links["next"] = f"{base}?{urlencode([*kept, ('marker', next_marker)])}"
    return links
