"""A volume backend's frozen state (``os-services/freeze``): what lives on a frozen backend
may not be changed, and no new volume or group is placed there. And what a backend holds, by
the names its driver gives it and as each project's usage."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.volume.db.models import Snapshot, Volume
from nimbus.volume.db.operator_models import VolumeBackend
from nimbus.volume.db.volumes import on_host
from nimbus.volume.errors import InvalidInput

FROZEN_MESSAGE = "Modification operations are not allowed on frozen storage backends."


def backend_of(host: str | None) -> str:
    """``host@backend`` of a volume or group host ``host@backend#pool``."""
    return (host or "").split("#", 1)[0]


def frozen_hosts(s: Session) -> set[str]:
    return set(s.scalars(select(VolumeBackend.host).where(VolumeBackend.frozen.is_(True))))


def is_frozen(s: Session, host: str | None) -> bool:
    row = s.get(VolumeBackend, backend_of(host)) if host else None
    return bool(row is not None and row.frozen)


def assert_not_frozen(s: Session, host: str | None) -> None:
    """Cinder's refusal of a change to what lives on a frozen backend."""
    if is_frozen(s, host):
        raise InvalidInput(reason=FROZEN_MESSAGE)


def set_frozen(s: Session, host: str, frozen: bool) -> None:
    row = s.get(VolumeBackend, host)
    if row is None:
        row = VolumeBackend(host=host, frozen=frozen)
        s.add(row)
    row.frozen = frozen
    row.updated_at = utcnow()
    s.flush()


def volume_names(s: Session, backend: str) -> dict[str, str]:
    """The backend names (``volume-<id>``) of the volumes on ``backend``, to their ids."""
    return {f"volume-{vid}": vid for vid in s.scalars(select(Volume.id).where(on_host(backend)))}


def snapshot_names(s: Session, backend: str) -> dict[str, str]:
    """The backend names (``snapshot-<id>``) of the snapshots on ``backend``, to their ids."""
    stmt = select(Snapshot.id).join(Volume, Volume.id == Snapshot.volume_id).where(
        on_host(backend))
    return {f"snapshot-{sid}": sid for sid in s.scalars(stmt)}


def usage(s: Session, backend: str) -> dict[str, list[int]]:
    """Each project's [volumes, their GiB, snapshots, their GiB] on ``backend``."""
    per: dict[str, list[int]] = {}
    volumes = s.execute(select(Volume.project_id, func.count(Volume.id),
                               func.coalesce(func.sum(Volume.size), 0))
                        .where(on_host(backend)).group_by(Volume.project_id)).all()
    for project, number, size in volumes:
        per.setdefault(str(project), [0, 0, 0, 0])[0:2] = [int(number), int(size)]
    snaps = s.execute(select(Snapshot.project_id, func.count(Snapshot.id),
                             func.coalesce(func.sum(Snapshot.size), 0))
                      .join(Volume, Volume.id == Snapshot.volume_id)
                      .where(on_host(backend)).group_by(Snapshot.project_id)).all()
    for project, number, size in snaps:
        per.setdefault(str(project), [0, 0, 0, 0])[2:4] = [int(number), int(size)]
    return per
