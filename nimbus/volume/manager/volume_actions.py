"""Smaller volume operations: metadata, extend, bootable and read-only flags, status resets."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound
from nimbus.volume import states
from nimbus.volume.db import backends as db_backends
from nimbus.volume.db import quota_classes as db_quota_classes
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.errors import GlanceMetadataNotFound, InvalidInput
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.rpcapi import VolumeAgentAPI


class VolumeActions:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, quotas: QuotaManager) -> None:
        self.db = database
        self.rpc = rpc
        self.quotas = quotas

    # -- metadata -------------------------------------------------------------------------------
    def metadata(self, volume_id: str, project_id: str | None) -> dict[str, str]:
        with self.db.reader() as s:
            return dict(db_volumes.get(s, volume_id, project_id).metadata_ or {})

    def metadata_item(self, volume_id: str, project_id: str | None, key: str) -> str:
        value = self.metadata(volume_id, project_id).get(key)
        if value is None:
            raise NotFound(f"Metadata key {key} for volume {volume_id} could not be found.")
        return str(value)

    @retry_on_lock()
    def set_metadata(self, volume_id: str, project_id: str | None, values: dict[str, str],
                     replace: bool) -> dict[str, str]:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id, lock=True)
            states.require("update", row.id, row.status)
            row.metadata_ = dict(values) if replace else {**(row.metadata_ or {}), **values}
            row.updated_at = utcnow()
            return dict(row.metadata_)

    @retry_on_lock()
    def delete_metadata_item(self, volume_id: str, project_id: str | None, key: str) -> None:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id, lock=True)
            current = dict(row.metadata_ or {})
            if key not in current:
                raise NotFound(f"Metadata key {key} for volume {volume_id} could not be found.")
            current.pop(key)
            row.metadata_ = current
            row.updated_at = utcnow()

    # -- actions --------------------------------------------------------------------------------
    def extend(self, ctx: dict[str, Any], volume_id: str, project_id: str | None, new_size: int,
               attached_allowed: bool) -> None:
        host = self._begin_extend(volume_id, project_id, new_size, attached_allowed)
        self.rpc.extend_volume(ctx, host, volume_id, new_size)

    @retry_on_lock()
    def _begin_extend(self, volume_id: str, project_id: str | None, new_size: int,
                      attached_allowed: bool) -> str:
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id, lock=True)
            states.require("extend_attached" if attached_allowed else "extend", row.id, row.status)
            if new_size <= row.size:
                raise InvalidInput(reason=f"New size for extend must be greater than current "
                                          f"size. (current: {row.size}, extended: {new_size}).")
            self.quotas.check(s, row.project_id, gigabytes=new_size - row.size,
                              volume_type=db_quota_classes.type_name(s, row.volume_type_id))
            if not row.host:
                raise InvalidInput(reason=f"Volume {row.id} has no backend host.")
            db_backends.assert_not_frozen(s, row.host)
            states.VOLUME_STATUS.move(row, states.EXTENDING)
            row.updated_at = utcnow()
            return row.host

    @retry_on_lock()
    def set_flag(self, volume_id: str, project_id: str | None, flag: str, value: bool) -> None:
        """``bootable`` or ``readonly``."""
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id, lock=True)
            states.require("update", row.id, row.status)
            setattr(row, flag, value)
            row.updated_at = utcnow()

    @retry_on_lock()
    def image_metadata(self, volume_id: str, project_id: str | None,
                       merge: dict[str, str] | None = None,
                       remove: str | None = None) -> dict[str, str]:
        """A volume's ``volume_image_metadata``: merged into, one key taken out, or read."""
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, project_id, lock=merge is not None
                                 or remove is not None)
            found = {str(k): str(v) for k, v in (row.image_metadata or {}).items()}
            if merge is None and remove is None:
                return found
            states.require("update", row.id, row.status)
            if remove is not None:
                if remove not in found:
                    raise GlanceMetadataNotFound(id=row.id)
                del found[remove]
            found.update(merge or {})
            row.image_metadata = found
            row.updated_at = utcnow()
            return found

    @retry_on_lock()
    def reset_status(self, volume_id: str, status: str | None, attach_status: str | None,
                     migration_status: str | None = None) -> None:
        """os-reset_status: the operator's override (the request schema names the statuses)."""
        with self.db.writer() as s:
            row = db_volumes.get(s, volume_id, lock=True)
            if migration_status:
                # Cinder's "none" clears it.
                row.migration_status = None if migration_status == "none" else migration_status
            if status:
                states.VOLUME_STATUS_RESET.move(row, status)
            if attach_status:
                states.VOLUME_ATTACH_STATUS_RESET.move(row, attach_status)
            row.updated_at = utcnow()
