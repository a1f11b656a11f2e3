"""What every resource manager's list takes and gives."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from nimbus.core.db.paging import Page

# ``name=a&name=b&tags-any=x``: attribute (or tag filter) -> the texts asked for.
Filters = Mapping[str, Sequence[str]]
# Attributes the caller may not see: they neither filter nor sort.
Hidden = Collection[str]
T = TypeVar("T")


def with_items(page: Page[Any], items: list[T]) -> Page[T]:
    """The same page, its rows shown as ``items``."""
    return Page(items, more=page.more, previous=page.previous, sort=page.sort)
