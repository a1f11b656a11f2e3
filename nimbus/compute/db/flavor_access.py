"""Which projects may use which private flavors."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from nimbus.compute.db.models import Flavor, FlavorProject
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Conflict


def granted_to(project_id: str) -> ColumnElement[bool]:
    """The flavor (in a query on flavors) is granted to ``project_id``."""
    return exists().where(FlavorProject.flavor_id == Flavor.id,
                          FlavorProject.project_id == project_id)


def projects(db: Database, flavor_row_id: int) -> list[str]:
    with db.reader() as s:
        stmt = (select(FlavorProject.project_id).filter_by(flavor_id=flavor_row_id)
                .order_by(FlavorProject.id))
        return list(s.scalars(stmt))


def has_access(db: Database, flavor_row_id: int, project_id: str) -> bool:
    with db.reader() as s:
        stmt = select(FlavorProject.id).filter_by(flavor_id=flavor_row_id, project_id=project_id)
        return s.scalar(stmt) is not None


@retry_on_lock()
def grant(db: Database, flavor_row_id: int, flavorid: str, project_id: str) -> None:
    exists_error = Conflict(f"Flavor access already exists for flavor {flavorid} and project "
                            f"{project_id} combination.")
    try:
        with db.writer() as s:
            found = s.scalar(select(FlavorProject.id).filter_by(flavor_id=flavor_row_id,
                                                               project_id=project_id))
            if found is not None:
                raise exists_error
            s.add(FlavorProject(flavor_id=flavor_row_id, project_id=project_id))
    except IntegrityError:
        raise exists_error from None


@retry_on_lock()
def revoke(db: Database, flavor_row_id: int, project_id: str) -> bool:
    """Take the grant back; False when there was none."""
    with db.writer() as s:
        gone = s.execute(delete(FlavorProject).filter_by(flavor_id=flavor_row_id,
                                                         project_id=project_id))
        return bool(getattr(gone, "rowcount", 0))
