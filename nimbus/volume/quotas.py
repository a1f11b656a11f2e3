"""Per-project limits on volumes, snapshots and gigabytes, with Cinder's defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.volume.db.models import Quota, Snapshot, Volume
from nimbus.volume.errors import InvalidInput, VolumeLimitExceeded, VolumeSizeExceedsQuota

DEFAULTS: dict[str, int] = {
    "volumes": 10,
    "snapshots": 10,
    "gigabytes": 1000,
    "backups": 10,
    "backup_gigabytes": 1000,
    "groups": 10,
    "per_volume_gigabytes": -1,
}


class QuotaManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    def limits(self, s: Session, project_id: str) -> dict[str, int]:
        values = dict(DEFAULTS)
        for row in s.scalars(select(Quota).filter_by(project_id=project_id)):
            values[row.resource] = row.hard_limit
        return values

    def get(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as s:
            return self.limits(s, project_id)

    def usage(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as s:
            return self._usage(s, project_id)

    def _usage(self, s: Session, project_id: str) -> dict[str, int]:
        count, gigs = s.execute(
            select(func.count(Volume.id), func.coalesce(func.sum(Volume.size), 0))
            .filter_by(project_id=project_id)
        ).one()
        snaps, snap_gigs = s.execute(
            select(func.count(Snapshot.id), func.coalesce(func.sum(Snapshot.size), 0))
            .filter_by(project_id=project_id)
        ).one()
        return {"volumes": int(count), "snapshots": int(snaps),
                "gigabytes": int(gigs) + int(snap_gigs), "backups": 0, "backup_gigabytes": 0,
                "groups": 0, "per_volume_gigabytes": 0}

    def check(self, s: Session, project_id: str, volumes: int = 0, snapshots: int = 0,
              gigabytes: int = 0) -> None:
        """Raise a 413 when adding these to the project's usage would pass a limit."""
        limits = self.limits(s, project_id)
        used = self._usage(s, project_id)
        per_volume = limits["per_volume_gigabytes"]
        if volumes and per_volume >= 0 and gigabytes > per_volume:
            raise InvalidInput(reason=f"Volume size '{gigabytes}' must be an integer and greater "
                                      f"than 0 and at most the per volume limit {per_volume}.")
        if volumes and 0 <= limits["volumes"] < used["volumes"] + volumes:
            raise VolumeLimitExceeded(limit=limits["volumes"])
        if snapshots and 0 <= limits["snapshots"] < used["snapshots"] + snapshots:
            raise VolumeLimitExceeded(
                f"SnapshotLimitExceeded: Maximum number of snapshots allowed "
                f"({limits['snapshots']}) exceeded", limit=limits["snapshots"])
        if gigabytes and 0 <= limits["gigabytes"] < used["gigabytes"] + gigabytes:
            raise VolumeSizeExceedsQuota(requested=gigabytes, limit=limits["gigabytes"],
                                         consumed=used["gigabytes"])

    @retry_on_lock()
    def update(self, project_id: str, values: dict[str, Any]) -> dict[str, int]:
        with self.db.writer() as s:
            for resource, limit in values.items():
                row = s.scalar(select(Quota).filter_by(project_id=project_id, resource=resource))
                if row is None:
                    s.add(Quota(project_id=project_id, resource=resource, hard_limit=limit))
                else:
                    row.hard_limit = limit
            s.flush()
            return self.limits(s, project_id)

    @retry_on_lock()
    def reset(self, project_id: str) -> None:
        with self.db.writer() as s:
            for row in s.scalars(select(Quota).filter_by(project_id=project_id)):
                s.delete(row)
