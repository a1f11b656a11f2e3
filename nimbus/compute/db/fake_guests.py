"""The fake driver's guests, one row each per host (and one more for what a resize keeps aside
on its source host until it is confirmed or reverted).

The driver sees a guest as a plain dict (``name``, ``power``, ``vcpus``, ``ram``, ``disk``,
``image``, ``volumes``, ``ports``, ``booted``, and ``rescued``, ``password_changes``,
``crash_dumps``); this module turns rows into those dicts and back. A change to a guest is
read, made and written in one transaction, so that two operations on one guest at once
(two volumes attached together) never lose one another's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select

from nimbus.compute.db.models import FakeGuest
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock

Guest = dict[str, Any]


def _as_dict(row: FakeGuest) -> Guest:
    guest: Guest = {
        "name": row.name, "power": int(row.power_state), "vcpus": int(row.vcpus),
        "ram": int(row.memory_mb), "disk": int(row.disk_gb), "image": row.image_id,
        "volumes": dict(row.volumes or {}), "ports": list(row.ports or []),
        "booted": row.booted_at.replace(tzinfo=dt.UTC).timestamp() if row.booted_at
        else None,
        "password_changes": int(row.password_changes or 0),
        "crash_dumps": int(row.crash_dumps or 0),
    }
    if row.rescue_image:
        guest["rescued"] = row.rescue_image
    if row.rescue_device:
        guest["rescue_device"] = dict(row.rescue_device)
    return guest


def _write(row: FakeGuest, guest: Guest) -> None:
    row.name = guest.get("name")
    row.power_state = int(guest.get("power") or 0)
    row.vcpus = int(guest.get("vcpus") or 0)
    row.memory_mb = int(guest.get("ram") or 0)
    row.disk_gb = int(guest.get("disk") or 0)
    row.image_id = guest.get("image")
    row.rescue_image = guest.get("rescued")
    row.rescue_device = dict(guest["rescue_device"]) if guest.get("rescue_device") else None
    row.volumes = dict(guest.get("volumes") or {})
    row.ports = list(guest.get("ports") or [])
    row.password_changes = int(guest.get("password_changes") or 0)
    row.crash_dumps = int(guest.get("crash_dumps") or 0)
    booted = guest.get("booted")
    row.booted_at = (dt.datetime.fromtimestamp(float(booted), dt.UTC).replace(tzinfo=None)
                     if booted else utcnow())


class GuestRecords:
    """The guests of one host."""

    def __init__(self, db: Database, host: str) -> None:
        self.db = db
        self.host = host

    def _select(self, uuid: str | None, kept: bool) -> Any:
        stmt = select(FakeGuest).filter_by(host=self.host, kept=kept)
        return stmt if uuid is None else stmt.filter_by(instance_uuid=uuid)

    def all(self, kept: bool = False) -> dict[str, Guest]:
        """{instance uuid: guest}, in the order they came to the host."""
        with self.db.reader() as s:
            rows = s.scalars(self._select(None, kept).order_by(FakeGuest.id))
            return {row.instance_uuid: _as_dict(row) for row in rows}

    def uuids(self) -> list[str]:
        with self.db.reader() as s:
            stmt = select(FakeGuest.instance_uuid).filter_by(host=self.host, kept=False)
            return list(s.scalars(stmt.order_by(FakeGuest.id)))

    def get(self, uuid: str, kept: bool = False) -> Guest | None:
        with self.db.reader() as s:
            row = s.scalar(self._select(uuid, kept))
            return None if row is None else _as_dict(row)

    @retry_on_lock()
    def put(self, uuid: str, guest: Guest, kept: bool = False) -> None:
        """Record ``guest`` as the host's (replacing one it had under that uuid)."""
        with self.db.writer() as s:
            row = s.scalar(self._select(uuid, kept))
            if row is None:
                row = FakeGuest(host=self.host, instance_uuid=uuid, kept=kept)
                s.add(row)
            _write(row, guest)

    @retry_on_lock()
    def change(self, uuid: str, change: Callable[[Guest], None],
               kept: bool = False) -> Guest | None:
        """Apply ``change`` to the guest and write it back; the guest as it is now, or None
        when the host has no such guest."""
        with self.db.writer() as s:
            row = s.scalar(self._select(uuid, kept))
            if row is None:
                return None
            guest = _as_dict(row)
            change(guest)
            _write(row, guest)
            return guest

    @retry_on_lock()
    def pop(self, uuid: str, kept: bool = False) -> Guest | None:
        """Remove the guest; what it was, or None when there was none."""
        with self.db.writer() as s:
            row = s.scalar(self._select(uuid, kept))
            if row is None:
                return None
            guest = _as_dict(row)
            s.execute(delete(FakeGuest).where(FakeGuest.id == row.id))
            return guest

    def totals(self) -> tuple[int, int, int]:
        """The vCPUs, MB of RAM and GB of disk the host's guests use."""
        with self.db.reader() as s:
            found = s.execute(select(func.coalesce(func.sum(FakeGuest.vcpus), 0),
                                     func.coalesce(func.sum(FakeGuest.memory_mb), 0),
                                     func.coalesce(func.sum(FakeGuest.disk_gb), 0))
                              .filter_by(host=self.host, kept=False)).one()
            return int(found[0]), int(found[1]), int(found[2])
