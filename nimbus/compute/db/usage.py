"""What usage reports read: the servers there are and the ones deleted, which leave a record
behind so that the time they ran is still counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import null, or_, select, union_all
from sqlalchemy.orm import Session

from nimbus.compute.db.models import DeletedInstance, Instance
from nimbus.core.db.base import UTCDateTime, utcnow
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery, keyset_condition, page
from nimbus.core.errors import BadRequest


def record_deleted(s: Session, uuid: str) -> None:
    """Keep what usage needs of a server about to be deleted (in the deleting transaction)."""
    row = s.scalar(select(Instance).filter_by(uuid=uuid))
    if row is None or s.scalar(select(DeletedInstance.id).filter_by(uuid=uuid)) is not None:
        return
    s.add(DeletedInstance(uuid=row.uuid, name=row.name, project_id=row.project_id,
                          user_id=row.user_id, flavor=dict(row.flavor or {}),
                          vm_state=row.vm_state, host=row.host, launched_at=row.launched_at,
                          terminated_at=utcnow(), created_at=row.created_at))


def deleted_owner(db: Database, uuid: str) -> tuple[str, str] | None:
    """The (project, user) of a deleted server whose record is kept; None if there is none."""
    with db.reader() as s:
        found = s.execute(select(DeletedInstance.project_id, DeletedInstance.user_id)
                          .filter_by(uuid=uuid)).first()
    return (str(found[0]), str(found[1])) if found is not None else None


def _both(project_id: str | None, begin: dt.datetime | None,
          end: dt.datetime | None) -> Any:
    """Live and deleted servers as one subquery; with a window, those that ran in it (Nova's
    ``get_active_by_window``: not ended before it began, launched before it ended)."""
    live = select(Instance.uuid, Instance.name, Instance.project_id, Instance.flavor,
                  Instance.vm_state, Instance.launched_at,
                  null().cast(UTCDateTime()).label("terminated_at"))
    gone = select(DeletedInstance.uuid, DeletedInstance.name, DeletedInstance.project_id,
                  DeletedInstance.flavor, DeletedInstance.vm_state, DeletedInstance.launched_at,
                  DeletedInstance.terminated_at)
    if project_id is not None:
        live = live.where(Instance.project_id == project_id)
        gone = gone.where(DeletedInstance.project_id == project_id)
    if end is not None:
        live = live.where(Instance.launched_at < end)
        gone = gone.where(DeletedInstance.launched_at < end)
    if begin is not None:
        gone = gone.where(or_(DeletedInstance.terminated_at.is_(None),
                              DeletedInstance.terminated_at > begin))
    return union_all(live, gone).subquery("usage")


def page_window(db: Database, begin: dt.datetime, end: dt.datetime, project_id: str | None,
                query: PageQuery, max_limit: int) -> Page[Any]:
    """One page (by project, then uuid) of the servers that ran between ``begin`` and ``end``.
    The marker may be any server, live or deleted, in the window or not (as Nova finds it)."""
    window = _both(project_id, begin, end)
    columns = [window.c.project_id, window.c.uuid]
    stmt = select(window)
    with db.reader() as s:
        if query.marker is not None:
            anyone = _both(None, None, None)
            found = s.execute(select(anyone.c.project_id, anyone.c.uuid)
                              .where(anyone.c.uuid == query.marker).limit(1)).first()
            if found is None:
                raise BadRequest(f"Marker {query.marker} could not be found.")
            stmt = stmt.where(keyset_condition(columns, list(found), ["asc", "asc"]))
        return page(s, stmt, PageQuery(limit=query.limit),
                    columns={"project_id": columns[0], "uuid": columns[1]}, tiebreak="uuid",
                    default_sort=(("project_id", "asc"), ("uuid", "asc")),
                    max_limit=max_limit, scalars=False)
