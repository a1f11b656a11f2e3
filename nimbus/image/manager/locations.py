"""Image locations as clients manage them: JSON-patch ``add``/``replace``/``remove`` on
``/locations``, and the listing ``GET /locations`` and image views show.

The patch form is Glance's older API: a location added to a ``queued`` image makes it active at
once with whatever checksums the client vouches for (nothing is read). ``replace`` may only
change metadata, never drop or swap a URL; ``remove`` never takes the last location. The newer
``POST /locations`` lives in ``location_import`` and reads the bytes to hash them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, Forbidden
from nimbus.image import states
from nimbus.image.constants import HASH_ALGO
from nimbus.image.db import locations as loc
from nimbus.image.manager import location_rules as rules
from nimbus.image.manager.images import ImageManager
from nimbus.image.manager.stores import Stores
from nimbus.image.schemas.requests import Change

EDITABLE = (states.QUEUED, states.ACTIVE)


@dataclass
class _Pending:
    """A URL checked before the transaction (reading its size may take a network round trip)."""

    store: str
    size: int | None


class LocationManager:
    def __init__(self, manager: ImageManager, allowed: list[str]) -> None:
        self.manager = manager
        self.db = manager.db
        self.stores: Stores = manager.stores
        # The web-download allow-list: the hosts an http(s) location may name.
        self.allowed = allowed

    def entries(self, image_id: str) -> list[dict[str, Any]]:
        """The image's locations as the API shows them: ``url`` and ``metadata``."""
        with self.db.reader() as session:
            return [{"url": e.url, "metadata": dict(e.metadata)}
                    for e in loc.listing(session, image_id)]

    def check_url(self, ctx: RequestContext, url: Any) -> str:
        """The store id that reads ``url`` (400/403 when none may)."""
        return rules.store_for(url, self.stores, self.allowed, ctx.is_admin).id

    def _pending(self, ctx: RequestContext, url: Any) -> _Pending:
        sid = self.check_url(ctx, url)
        try:
            size = self.stores.get(sid).driver.size(url)
        except Exception as exc:  # noqa: BLE001 - any read failure means "not usable"
            raise BadRequest(f"Location {url} could not be read: {exc}") from exc
        return _Pending(sid, size)

    # -- JSON patch ----------------------------------------------------------------------

    def patch(self, ctx: RequestContext, image_id: str, changes: list[Change]) -> None:
        """Apply the ``/locations`` operations of one PATCH, all or nothing."""
        pending: dict[str, _Pending] = {}
        for change in changes:
            if change.op == "remove":
                continue
            if (change.op == "replace") != (len(change.path) == 1):
                raise BadRequest("Replace '/locations' as a whole; add at '/locations/-' or at "
                                 "a position.")
            values = change.value if len(change.path) == 1 else [change.value]
            if not isinstance(values, list):
                raise BadRequest("'/locations' must be replaced with a list of locations.")
            for value in values:
                new = rules.parse_legacy(value)
                if new.url not in pending:
                    pending[new.url] = self._pending(ctx, new.url)
        dropped = self._apply(ctx, image_id, changes, pending)
        for entry in dropped:
            store = self.stores.by_id.get(entry.store)
            if store is not None:
                store.driver.delete(entry.url)

    @retry_on_lock()
    def _apply(self, ctx: RequestContext, image_id: str, changes: list[Change],
               pending: dict[str, _Pending]) -> list[loc.Entry]:
        with self.db.writer() as session:
            image = self.manager.visible(session, ctx, image_id)
            entries = loc.listing(session, image_id)
            before = {(e.kind, e.key) for e in entries}
            claims: list[dict[str, str]] = []
            for change in changes:
                if change.op == "remove":
                    self._remove(image.status, entries, change)
                    continue
                if image.status not in EDITABLE:
                    raise Conflict(f"It's not allowed to {change.op} locations if image status "
                                   f"is {image.status}.")
                values = change.value if len(change.path) == 1 else [change.value]
                news = [rules.parse_legacy(v) for v in values]
                claims += [n.validation for n in news if n.validation]
                if change.op == "replace":
                    self._replace(entries, news, pending)
                else:
                    self._add(entries, news[0], pending, change.path[1])
            current = {"checksum": image.checksum, "os_hash_algo": image.os_hash_algo,
                       "os_hash_value": image.os_hash_value}
            for key, value in rules.legacy_values(current, image.status, claims,
                                                  HASH_ALGO).items():
                setattr(image, key, value)
            kept = {(e.kind, e.key) for e in entries}
            dropped = [e for e in loc.listing(session, image_id) if (e.kind, e.key) not in kept]
            for entry in dropped:
                loc.remove_entry(session, image_id, entry)
            session.flush()
            loc.save(session, image_id, entries)
            if entries and image.status == states.QUEUED:
                states.IMAGE_STATUS.move(image, states.ACTIVE)
                first = pending.get(entries[0].url)
                if image.size is None and first is not None:
                    image.size = first.size
            # An active image keeps reading the bytes it was hashed from: a location added in
            # front of it is listed first but never swaps the data under the checksums.
            if entries and image.location not in {e.url for e in entries}:
                image.location = entries[0].url
            image.updated_at = utcnow()
            return [e for e in dropped if e.kind == "copy" and (e.kind, e.key) in before]

    @staticmethod
    def _index(raw: str, size: int, op: str) -> int | None:
        if raw == "-" and op == "add":
            return None
        if not (raw.isascii() and raw.isdigit()) or int(raw) > (size if op == "add" else size - 1):
            raise BadRequest(f"Invalid position for {'adding' if op == 'add' else 'removing'} "
                             "a location.")
        return int(raw)

    def _add(self, entries: list[loc.Entry], new: rules.NewLocation,
             pending: dict[str, _Pending], position: str) -> None:
        if any(e.url == new.url for e in entries):
            raise BadRequest(f"The location {new.url} is already on this image.")
        index = self._index(position, len(entries), "add")
        entry = loc.Entry(new.url, pending[new.url].store, new.metadata, "new")
        entries.insert(len(entries) if index is None else index, entry)

    @staticmethod
    def _replace(entries: list[loc.Entry], news: list[rules.NewLocation],
                 pending: dict[str, _Pending]) -> None:
        if not entries:
            entries.extend(loc.Entry(n.url, pending[n.url].store, n.metadata, "new")
                           for n in news)
            return
        if [n.url for n in news] != [e.url for e in entries]:
            raise BadRequest("Replacing the locations may only change their metadata; add or "
                             "remove a location to change the list itself.")
        for entry, new in zip(entries, news, strict=True):
            entry.metadata = dict(new.metadata)

    def _remove(self, status: str, entries: list[loc.Entry], change: Change) -> None:
        if len(change.path) != 2:
            raise BadRequest("Remove a location by its position, e.g. '/locations/0'.")
        if status != states.ACTIVE:
            raise Conflict(f"It's not allowed to remove locations if image status is {status}.")
        if len(entries) == 1:
            raise Forbidden("Cannot remove last location in the image.")
        index = self._index(change.path[1], len(entries), "remove")
        assert index is not None
        entries.pop(index)
