"""Who may use a private volume type, and which type is each project's default (3.62)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from nimbus.volume.db.models import DefaultType, VolumeType, VolumeTypeAccess


def visible_to(project_id: str) -> ColumnElement[bool]:
    """Types a project sees: the public ones and the private ones it was given (Cinder's
    filter for callers who are not admins)."""
    granted = select(VolumeTypeAccess.volume_type_id).where(
        VolumeTypeAccess.project_id == project_id)
    return or_(VolumeType.is_public.is_(True), VolumeType.id.in_(granted))


def find(s: Session, type_id: str, project_id: str) -> VolumeTypeAccess | None:
    return s.scalar(select(VolumeTypeAccess).where(VolumeTypeAccess.volume_type_id == type_id,
                                                   VolumeTypeAccess.project_id == project_id))


def projects(s: Session, type_id: str) -> list[str]:
    stmt = (select(VolumeTypeAccess.project_id).where(VolumeTypeAccess.volume_type_id == type_id)
            .order_by(VolumeTypeAccess.id))
    return list(s.scalars(stmt))


def grant(s: Session, type_id: str, project_id: str) -> None:
    s.add(VolumeTypeAccess(volume_type_id=type_id, project_id=project_id))
    s.flush()


def revoke(s: Session, row: VolumeTypeAccess) -> None:
    s.delete(row)


# -- default types -------------------------------------------------------------------------------
def default_of(s: Session, project_id: str) -> DefaultType | None:
    return s.get(DefaultType, project_id)


def defaults(s: Session) -> list[DefaultType]:
    return list(s.scalars(select(DefaultType).order_by(DefaultType.project_id)))


def projects_defaulting_to(s: Session, type_id: str) -> list[str]:
    stmt = select(DefaultType.project_id).where(DefaultType.volume_type_id == type_id)
    return list(s.scalars(stmt))
