"""The stores this cloud keeps image bytes in (Glance's multi-store), and which one is default.

Configured with ``image_stores`` (``id:driver`` pairs, comma-separated, highest weight first)
and ``image_default_store``. Without them a cloud that runs the object service gets two stores,
``file`` (the local filesystem, default) and ``object`` (Nimbus object storage); a cloud without
it gets ``image_store`` alone. When the web-download allow-list names any host, a read-only ``web``
store (driver ``http``) is added last, so images may have http(s) locations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nimbus.conf.image import ImageSettings
from nimbus.core.errors import BadRequest
from nimbus.image.drivers.base import ImageStore
from nimbus.image.drivers.fetch import allow_list

DESCRIPTIONS = {"file": "Local filesystem store", "object": "Nimbus object storage",
                "fake": "In-memory store (tests only)", "http": "Read-only HTTP store"}
WEB_STORE = "web"


@dataclass
class Store:
    id: str
    driver: ImageStore
    weight: int
    default: bool = False
    read_only: bool = False

    def info(self, detail: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "description": DESCRIPTIONS.get(
            self.driver.name, self.driver.description), "weight": self.weight}
        if self.default:
            out["default"] = True
        if self.read_only:
            out["read-only"] = "true"
        if detail:
            out["type"] = self.driver.name
            out["properties"] = self.driver.capabilities()
        return out


class Stores:
    """Stores by id, ordered by weight (highest first), one of them the default."""

    def __init__(self, stores: list[Store]) -> None:
        if not stores:
            raise ValueError("at least one image store is needed")
        self.ordered = sorted(stores, key=lambda s: -s.weight)
        self.by_id = {s.id: s for s in self.ordered}
        self.default = next((s for s in self.ordered if s.default), self.ordered[0])
        self.default.default = True

    def __len__(self) -> int:
        return len(self.ordered)

    @property
    def multi(self) -> bool:
        return len(self.ordered) > 1

    def get(self, store_id: str) -> Store:
        store = self.by_id.get(store_id)
        if store is None:
            raise BadRequest(f"Unknown store '{store_id}': the stores are "
                             f"{', '.join(self.by_id)}.")
        return store

    def owner(self, location: str) -> Store | None:
        """The store whose driver reads ``location`` (None: no store knows it)."""
        return next((s for s in self.ordered if s.driver.owns(location)), None)

    def writable(self) -> list[str]:
        return [s.id for s in self.ordered if not s.read_only]

    def sort(self, ids: list[str] | set[str]) -> list[str]:
        """``ids`` in weight order (the order image ``stores`` lists them)."""
        return [s.id for s in self.ordered if s.id in ids]


def configured(settings: ImageSettings, runs_object: bool) -> list[tuple[str, str]]:
    """The ``(id, driver)`` pairs the settings ask for, highest weight first."""
    if settings.stores:
        pairs = []
        for part in settings.stores:
            sid, _sep, drv = part.strip().partition(":")
            if sid:
                pairs.append((sid, drv or sid))
        return pairs
    pairs = [(settings.store, settings.store)]
    if settings.store == "file" and runs_object:
        pairs.append(("object", "object"))
    if allow_list(settings.web_download_allow):
        pairs.append((WEB_STORE, "http"))
    return pairs
