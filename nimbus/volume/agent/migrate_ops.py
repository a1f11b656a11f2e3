"""A volume's move to another backend, run by the agent of the backend it leaves.

Cinder's generic migration, host-assisted: the new backend makes a volume of the same size
and name, the old backend's data is copied into it as a guest sees it (``read_volume`` into
``write_volume``, so the two drivers need not share a format), and the record is pointed at
the copy before the old data is deleted. A failure at any step deletes the copy and leaves the
volume where it was, with ``migration_status`` ``error``; a crash before the record moved
leaves it the same way (``recovery.py``), so data is never lost, only a copy may be left over.

Both backends must be served by this agent (Cinder's ``enabled_backends`` of one volume
service); a move between agents on different hosts is refused, saying so.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.volume import constants, states
from nimbus.volume.agent.work import VolumeWork
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import messages as db_messages
from nimbus.volume.db import records
from nimbus.volume.db import types as db_types
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.manager.extra_specs import is_multiattach

LOG = logging.getLogger(__name__)
# Bytes copied per piece: large enough to stream well, small enough to hold in memory.
CHUNK = 4 * 1024 * 1024


class MigrateOps:
    def __init__(self, work: VolumeWork, siblings: dict[str, VolumeWork]) -> None:
        self.work = work
        # Every backend of this agent, by ``host@backend`` (this one too).
        self.siblings = siblings

    def migrate(self, volume_id: str, dest_host: str, new_type_id: str | None,
                request_id: str | None = None) -> None:
        with self.work.claims.holding(volume_id, "migrate") as mine:
            if not mine:
                LOG.info("volume %s: its move is already in hand here", volume_id)
                return
            volume = self._start(volume_id)
            if volume is None:
                return
            dest = self.siblings.get(db_backends.backend_of(dest_host))
            if dest is None:
                LOG.warning("volume %s cannot move to %s: that backend is not served by this "
                            "volume agent", volume_id, dest_host)
                self._end(volume_id, None, None, request_id)
                return
            target = {**volume, "host": dest_host, "provider_location": None}
            try:
                update = dest.driver.create_volume(target) or {}
                target["provider_location"] = update.get("provider_location")
                dest.driver.write_volume(target, self.work.driver.read_volume(volume, CHUNK))
            except Exception as exc:  # any failure of either backend: the volume stays
                LOG.warning("moving volume %s to %s failed: %s", volume_id, dest_host, exc)
                self._discard(dest, target)
                self._end(volume_id, None, None, request_id)
                return
            if not self._end(volume_id, target, new_type_id, request_id):
                self._discard(dest, target)
                return
            try:
                self.work.driver.delete_volume(volume)
            except Exception as exc:  # the volume is safe on its new backend
                LOG.warning("volume %s moved, but its old data on %s was not deleted: %s",
                            volume_id, self.work.host, exc)
            self.work.emit("volume.migrate.end", {"volume_id": volume_id, "host": dest_host})

    @staticmethod
    def _discard(dest: VolumeWork, target: dict[str, Any]) -> None:
        try:
            dest.driver.delete_volume(target)
        except Exception as exc:  # logged: a leftover copy, never the volume's own data
            LOG.warning("the copy of volume %s on %s was not deleted: %s", target["id"],
                        dest.host, exc)

    @retry_on_lock()
    def _start(self, volume_id: str) -> dict[str, Any] | None:
        with self.work.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            if row is None or row.migration_status != "starting":
                LOG.info("dropping the move of volume %s: it is %s", volume_id,
                         "gone" if row is None else f"migration {row.migration_status}")
                return None
            row.migration_status = "migrating"
            row.updated_at = utcnow()
            return records.driver_volume(row)

    @retry_on_lock()
    def _end(self, volume_id: str, target: dict[str, Any] | None, new_type_id: str | None,
             request_id: str | None) -> bool:
        """Point the record at ``target`` (None: the move failed); False when the volume went
        away meanwhile."""
        with self.work.db.writer() as s:
            row = db_volumes.find(s, volume_id)
            if row is None or row.migration_status != "migrating":
                return False
            if row.status in (states.RETYPING, states.MAINTENANCE):
                states.VOLUME_STATUS.move(row, states.AVAILABLE)
            row.updated_at = utcnow()
            if target is None:
                row.migration_status = "error"
                db_messages.record(s, project_id=row.project_id,
                                   resource_type=constants.RESOURCE_VOLUME, resource_uuid=row.id,
                                   fault=constants.MIGRATE_FAILED, request_id=request_id)
                return True
            row.host = target["host"]
            row.provider_location = target["provider_location"]
            row.migration_status = "success"
            if new_type_id is not None:
                new_type = db_types.find(s, new_type_id)
                row.volume_type_id = new_type_id
                row.multiattach = is_multiattach(
                    new_type.extra_specs if new_type is not None else None)
            return True
