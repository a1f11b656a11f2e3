"""Per-project limits on volumes, snapshots and gigabytes, with Cinder's defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.volume.constants import QUOTA_DEFAULTS
from nimbus.volume.db import backups as db_backups
from nimbus.volume.db import groups as db_groups
from nimbus.volume.db import quota_classes as db_quota_classes
from nimbus.volume.db import quotas as db_quotas
from nimbus.volume.db import snapshots as db_snapshots
from nimbus.volume.db import types as db_types
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.errors import (
    BackupLimitExceeded,
    BackupSizeExceedsQuota,
    GroupLimitExceeded,
    InvalidInput,
    VolumeLimitExceeded,
    VolumeSizeExceedsQuota,
)


class QuotaManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    def limits(self, s: Session, project_id: str) -> dict[str, int]:
        # The ``default`` quota class (os-quota-class-sets) moves every project's defaults.
        return {**db_quota_classes.defaults(s), **db_quotas.overrides(s, project_id)}

    def get(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as s:
            return self.limits(s, project_id)

    def usage(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as s:
            return self._usage(s, project_id)

    def _usage(self, s: Session, project_id: str) -> dict[str, int]:
        count, gigs = db_volumes.totals(s, project_id)
        snaps, snap_gigs = db_snapshots.totals(s, project_id)
        backups, backup_gigs = db_backups.totals(s, project_id)
        return {"volumes": count, "snapshots": snaps, "gigabytes": gigs + snap_gigs,
                "backups": backups, "backup_gigabytes": backup_gigs,
                "groups": db_groups.count(s, project_id), "per_volume_gigabytes": 0,
                **db_quota_classes.per_type_usage(s, project_id)}

    def check(self, s: Session, project_id: str, volumes: int = 0, snapshots: int = 0,
              gigabytes: int = 0, backups: int = 0, backup_gigabytes: int = 0,
              groups: int = 0, volume_type: str | None = None) -> None:
        """Raise a 413 when adding these to the project's usage would pass a limit (and, with
        the name of the ``volume_type`` they are of, that type's own limits).

        Runs inside the caller's write transaction, so the usage it sums is the one the new
        row joins."""
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
        if groups and 0 <= limits["groups"] < used["groups"] + groups:
            raise GroupLimitExceeded(limit=limits["groups"])
        if volume_type:
            _check_type(limits, used, volume_type, volumes, snapshots, gigabytes)
        if backups and 0 <= limits["backups"] < used["backups"] + backups:
            raise BackupLimitExceeded(limit=limits["backups"])
        if backup_gigabytes and \
                0 <= limits["backup_gigabytes"] < used["backup_gigabytes"] + backup_gigabytes:
            raise BackupSizeExceedsQuota(requested=backup_gigabytes,
                                         limit=limits["backup_gigabytes"],
                                         consumed=used["backup_gigabytes"])

    @retry_on_lock()
    def update(self, project_id: str, values: dict[str, Any],
               validate: bool = False) -> dict[str, int]:
        """Set the project's limits; with ``validate``, a limit below what it already uses is
        refused, as Cinder does when told not to skip validation."""
        with self.db.writer() as s:
            if validate:
                used = self._usage(s, project_id)
                for resource, limit in values.items():
                    if resource != "per_volume_gigabytes" and 0 <= limit < used.get(resource, 0):
                        raise InvalidInput(reason=f"Quota {resource} limit must be equal or "
                                                  f"greater than existing resources. Current "
                                                  f"usage is {used[resource]} and the requested "
                                                  f"limit is {limit}.")
            for resource, limit in values.items():
                db_quotas.set_limit(s, project_id, resource, limit)
            return self.limits(s, project_id)

    # -- quota classes (os-quota-class-sets) --------------------------------------------------
    def resource_names(self) -> set[str]:
        """Every resource a quota set or class may name: Cinder's, and the per-type ones of
        the volume types there are."""
        with self.db.reader() as s:
            return {*QUOTA_DEFAULTS, *db_quota_classes.per_type_keys(db_types.names(s))}

    def class_limits(self, class_name: str) -> dict[str, int]:
        """Every limit of the class: its own, else Cinder's default (unlimited per type)."""
        with self.db.reader() as s:
            own = db_quota_classes.class_limits(s, class_name)
            keys = [*QUOTA_DEFAULTS, *db_quota_classes.per_type_keys(db_types.names(s))]
        return {key: own.get(key, QUOTA_DEFAULTS.get(key, -1)) for key in keys}

    @retry_on_lock()
    def update_class(self, class_name: str, values: dict[str, int]) -> dict[str, int]:
        with self.db.writer() as s:
            for resource, limit in values.items():
                db_quota_classes.set_class_limit(s, class_name, resource, limit)
        return self.class_limits(class_name)

    @retry_on_lock()
    def reset(self, project_id: str) -> None:
        with self.db.writer() as s:
            db_quotas.reset(s, project_id)


def _check_type(limits: dict[str, int], used: dict[str, int], type_name: str, volumes: int,
                snapshots: int, gigabytes: int) -> None:
    """The per-volume-type limits (``volumes_<type>``...), unlimited unless set."""
    for resource, wanted in (("volumes", volumes), ("snapshots", snapshots),
                             ("gigabytes", gigabytes)):
        key = f"{resource}_{type_name}"
        limit = limits.get(key, -1)
        if not wanted or not 0 <= limit < used.get(key, 0) + wanted:
            continue
        if resource == "gigabytes":
            raise VolumeSizeExceedsQuota(
                f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed "
                f"{key} quota. Requested {wanted}G, quota is {limit}G and {used.get(key, 0)}G "
                f"has been consumed.", requested=wanted, limit=limit, consumed=used.get(key, 0))
        raise VolumeLimitExceeded(
            f"{'SnapshotLimitExceeded' if resource == 'snapshots' else 'VolumeLimitExceeded'}: "
            f"Maximum number of {resource} allowed ({limit}) exceeded for quota '{key}'.",
            limit=limit)
