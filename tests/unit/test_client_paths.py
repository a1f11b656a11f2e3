"""Cross-service clients never turn an empty or path-like id into another URL."""

from __future__ import annotations

import pytest

from nimbus.clients.base import item_path
from nimbus.core.errors import NotFound


def test_an_id_names_one_item() -> None:
    assert item_path("/snapshots", "abc") == "/snapshots/abc"
    # An empty id would otherwise be the collection (a list, not the item asked for).
    for bad in ("", "a/b", "x?limit=1", "y#z"):
        with pytest.raises(NotFound):
            item_path("/snapshots", bad)
