"""Quota classes (``os-quota-class-sets``) and what the per-volume-type quotas count.

The ``default`` class holds the defaults every project starts from: Cinder's built-in values
until an operator changes them. The per-type resources (``volumes_<type>``, ``gigabytes_<type>``,
``snapshots_<type>``) are unlimited unless a class or a project says otherwise; they count the
volumes of that type, their snapshots, and the GiB of both.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.volume.constants import PER_TYPE_QUOTAS, QUOTA_DEFAULTS
from nimbus.volume.db.models import Snapshot, Volume, VolumeType
from nimbus.volume.db.operator_models import QuotaClass

DEFAULT_CLASS = "default"


def class_limits(s: Session, class_name: str) -> dict[str, int]:
    """The class's own limits, by resource."""
    stmt = select(QuotaClass).where(QuotaClass.class_name == class_name)
    return {row.resource: row.hard_limit for row in s.scalars(stmt)}


def defaults(s: Session) -> dict[str, int]:
    """What a project's limits are where it has none of its own."""
    return {**QUOTA_DEFAULTS, **class_limits(s, DEFAULT_CLASS)}


def set_class_limit(s: Session, class_name: str, resource: str, limit: int) -> None:
    row = s.scalar(select(QuotaClass).where(QuotaClass.class_name == class_name,
                                            QuotaClass.resource == resource))
    if row is None:
        s.add(QuotaClass(class_name=class_name, resource=resource, hard_limit=limit))
    else:
        row.hard_limit = limit
    s.flush()


def per_type_keys(type_names: list[str]) -> list[str]:
    return [f"{res}_{name}" for name in type_names for res in PER_TYPE_QUOTAS]


def per_type_usage(s: Session, project_id: str) -> dict[str, int]:
    """``volumes_<type>``, ``gigabytes_<type>`` and ``snapshots_<type>`` the project uses, for
    the types it has volumes of."""
    used: dict[str, int] = {}
    volumes = (select(VolumeType.name, func.count(Volume.id), func.coalesce(func.sum(Volume.size),
                                                                            0))
               .join(VolumeType, VolumeType.id == Volume.volume_type_id)
               .where(Volume.project_id == project_id).group_by(VolumeType.name))
    for name, number, size in s.execute(volumes).all():
        used[f"volumes_{name}"] = int(number)
        used[f"gigabytes_{name}"] = int(size)
    snapshots = (select(VolumeType.name, func.count(Snapshot.id),
                        func.coalesce(func.sum(Snapshot.size), 0))
                 .join(Volume, Volume.id == Snapshot.volume_id)
                 .join(VolumeType, VolumeType.id == Volume.volume_type_id)
                 .where(Snapshot.project_id == project_id).group_by(VolumeType.name))
    for name, number, size in s.execute(snapshots).all():
        used[f"snapshots_{name}"] = int(number)
        used[f"gigabytes_{name}"] = used.get(f"gigabytes_{name}", 0) + int(size)
    return used


def type_name(s: Session, volume_type_id: str | None) -> str | None:
    """The name a volume type's per-type quotas are keyed by."""
    if not volume_type_id:
        return None
    return s.scalar(select(VolumeType.name).where(VolumeType.id == volume_type_id))
