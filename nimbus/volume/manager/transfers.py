"""Volume transfers: a volume offered by its project and taken by whichever project shows the
offer's auth key. The key is handed out once, at creation, and kept only as a salted HMAC.

While offered the volume is ``awaiting-transfer``; taking it moves the volume (and, unless the
offer said ``no_snapshots``, its snapshots) with their encryption keys to the new project, whose
quotas must hold them. Quota usage is counted from the rows, so the giving project's falls
by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume import states
from nimbus.volume.db import keys as db_keys
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import transfers as db_transfers
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.models import Transfer, Volume
from nimbus.volume.errors import InvalidAuthKey, InvalidSnapshot, InvalidVolume
from nimbus.volume.manager.quotas import QuotaManager

Record = dict[str, Any]

# Cinder's lengths: an 8-character salt and a 16-character key.
SALT_LENGTH = 8
KEY_LENGTH = 16


def _hash(salt: str, auth_key: str) -> str:
    return hmac.new(salt.encode(), auth_key.encode(), hashlib.sha256).hexdigest()


def record(row: Transfer) -> Record:
    return {"id": row.id, "volume_id": row.volume_id, "name": row.name,
            "source_project_id": row.source_project_id, "destination_project_id": None,
            "accepted": False, "no_snapshots": row.no_snapshots, "created_at": row.created_at}


class TransferManager:
    def __init__(self, database: Database, quotas: QuotaManager) -> None:
        self.db = database
        self.quotas = quotas

    def get(self, transfer_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return record(db_transfers.get(s, transfer_id, project_id))

    def listing(self, project_id: str | None, name: str | None, query: PageQuery,
                newest_first: bool = False) -> Page[Record]:
        """Unsorted lists come oldest first, or newest first (v3 from 3.59, as Cinder)."""
        order = db_transfers.NEWEST_FIRST if newest_first else db_transfers.OLDEST_FIRST
        with self.db.reader() as s:
            found = db_transfers.listing(s, project_id, name, query, order)
            return Page([record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    @retry_on_lock()
    def create(self, volume_id: str, project_id: str | None, name: str | None,
               no_snapshots: bool, allow_encrypted: bool) -> Record:
        """Offer the volume; the record carries the ``auth_key`` (never shown again)."""
        with self.db.writer() as s:
            volume = db_volumes.get(s, volume_id, project_id, lock=True)
            if volume.status != states.AVAILABLE:
                raise InvalidVolume(reason="status must be available")
            if volume.encryption_key_id:
                if not allow_encrypted:
                    raise InvalidVolume(reason="transferring encrypted volume is not supported")
                if no_snapshots:
                    # Its snapshots hold data only its keys open: they go with it.
                    raise InvalidVolume(reason="transferring an encrypted volume without its "
                                               "snapshots is not supported")
            if not no_snapshots:
                for snap in db_snapshots.of_volume(s, volume.id):
                    if snap.status != states.AVAILABLE:
                        raise InvalidSnapshot(reason=f"snapshot: {snap.id} status must be "
                                                     f"available")
            salt = secrets.token_hex(SALT_LENGTH // 2)
            auth_key = secrets.token_hex(KEY_LENGTH // 2)
            row = db_transfers.insert(s, volume_id=volume.id, name=name,
                                      source_project_id=volume.project_id, salt=salt,
                                      crypt_hash=_hash(salt, auth_key),
                                      no_snapshots=no_snapshots)
            states.VOLUME_STATUS.move(volume, states.AWAITING_TRANSFER)
            volume.updated_at = utcnow()
            return {**record(row), "auth_key": auth_key}

    @retry_on_lock()
    def delete(self, transfer_id: str, project_id: str | None) -> None:
        """Withdraw the offer: the volume is available to its project again."""
        with self.db.writer() as s:
            row = db_transfers.get(s, transfer_id, project_id)
            volume = db_volumes.get(s, row.volume_id, lock=True)
            if volume.status == states.AWAITING_TRANSFER:
                states.VOLUME_STATUS.move(volume, states.AVAILABLE)
                volume.updated_at = utcnow()
            db_transfers.remove(s, row)

    @retry_on_lock()
    def accept(self, transfer_id: str, auth_key: str, project_id: str,
               user_id: str | None) -> Record:
        """Take the volume into ``project_id`` (any project may, knowing id and key)."""
        with self.db.writer() as s:
            row = db_transfers.get(s, transfer_id)
            if not hmac.compare_digest(row.crypt_hash, _hash(row.salt, auth_key)):
                raise InvalidAuthKey(reason=f"Attempt to transfer {transfer_id} with invalid "
                                            f"auth key.")
            volume = db_volumes.get(s, row.volume_id, lock=True)
            if volume.status != states.AWAITING_TRANSFER:
                raise InvalidVolume(reason=f"Volume {volume.id} status must be "
                                           f"awaiting-transfer, but it is {volume.status}.")
            snapshots = [] if row.no_snapshots else db_snapshots.of_volume(s, volume.id)
            if project_id != volume.project_id:
                self.quotas.check(s, project_id, volumes=1, gigabytes=volume.size)
                if snapshots:
                    self.quotas.check(s, project_id, snapshots=len(snapshots),
                                      gigabytes=volume.size + sum(x.size for x in snapshots))
            self._move(s, volume, snapshots, project_id, user_id)
            done = {"id": row.id, "name": row.name, "volume_id": volume.id}
            db_transfers.remove(s, row)
            return done

    @staticmethod
    def _move(s: Session, volume: Volume, snapshots: list[Any], project_id: str,
              user_id: str | None) -> None:
        now = utcnow()
        for item in (volume, *snapshots):
            item.project_id = project_id
            item.user_id = user_id
            item.updated_at = now
            key = db_keys.find(s, item.encryption_key_id) if item.encryption_key_id else None
            if key is not None:
                key.project_id = project_id
        states.VOLUME_STATUS.move(volume, states.AVAILABLE)
