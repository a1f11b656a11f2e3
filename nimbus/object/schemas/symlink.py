"""Symlinks as the index keeps them: system metadata naming the target, and the fields a
container listing shows for a link (``symlink_path``, and a static link's etag and size)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TARGET = "symlink-target"
TARGET_ACCOUNT = "symlink-target-account"
TARGET_ETAG = "symlink-target-etag"
TARGET_BYTES = "symlink-target-bytes"
# The target's full path (``/v1/<account>/<container>/<object>``, quoted), as listings show it.
PATH = "symlink-path"


def listing_fields(sysmeta: Mapping[str, Any] | None) -> dict[str, Any]:
    if not sysmeta or PATH not in sysmeta:
        return {}
    fields: dict[str, Any] = {"symlink_path": sysmeta[PATH]}
    if TARGET_ETAG in sysmeta:
        fields["symlink_etag"] = sysmeta[TARGET_ETAG]
        fields["symlink_bytes"] = int(sysmeta.get(TARGET_BYTES, 0))
    return fields
