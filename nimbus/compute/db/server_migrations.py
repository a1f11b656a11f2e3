"""Migration records: each resize, cold or live migration of a server, and how it went."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import Migration
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import BadRequest

# Newest first, as Nova lists them; the marker is a migration's uuid.
_COLUMNS = {"created_at": Migration.created_at, "id": Migration.id, "uuid": Migration.uuid}

# The statuses of a move that is not over (Nova's ``migration`` states as its API shows them).
IN_PROGRESS = ("pre-migrating", "migrating", "post-migrating", "queued", "preparing",
               "running", "finished", "reverting")
# Which status lets a user confirm or revert a resize.
AWAITING_CONFIRM = "finished"


@retry_on_lock()
def create_migration(db: Database, **values: Any) -> Migration:
    with db.writer() as s:
        row = Migration(**values)
        s.add(row)
        s.flush()
        return row


@retry_on_lock()
def update_migration(db: Database, uuid: str, **values: Any) -> Migration | None:
    with db.writer() as s:
        row = s.scalar(select(Migration).filter_by(uuid=uuid))
        if row is None:
            return None
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        s.flush()
        return row


def find_migration(db: Database, uuid: str) -> Migration | None:
    with db.reader() as s:
        return s.scalar(select(Migration).filter_by(uuid=uuid))


def current_migration(db: Database, instance_uuid: str) -> Migration | None:
    """The server's move that is not over yet, if any (the newest)."""
    with db.reader() as s:
        stmt = select(Migration).where(Migration.instance_uuid == instance_uuid,
                                       Migration.status.in_(IN_PROGRESS))
        return s.scalar(stmt.order_by(Migration.id.desc()).limit(1))


def page_migrations(db: Database, query: PageQuery, *, max_limit: int,
                    **filters: str | None) -> Page[Migration]:
    """One page of moves, newest first, narrowed as ``list_migrations`` narrows them."""
    if query.marker is not None and not storable_id(query.marker, 36):
        raise BadRequest(f"Marker {query.marker} could not be found.")
    with db.reader() as s:
        return page(s, _filtered(**filters), query, columns=_COLUMNS, tiebreak="id",
                    default_sort=(("created_at", "desc"),),
                    marker_column=Migration.uuid, marker_stmt=select(Migration),
                    max_limit=max_limit,
                    bad_marker=lambda m: BadRequest(f"Marker {m} could not be found."))


def list_migrations(db: Database, *, limit: int = 1000, **filters: str | None) -> list[Migration]:
    """Moves, newest first, narrowed by each filter given."""
    with db.reader() as s:
        stmt = _filtered(**filters).order_by(Migration.id.desc()).limit(limit)
        return list(s.scalars(stmt))


def _filtered(*, instance_uuid: str | None = None, host: str | None = None,
              status: str | None = None, migration_type: str | None = None,
              project_id: str | None = None, user_id: str | None = None) -> Any:
    stmt = select(Migration)
    if instance_uuid:
        stmt = stmt.filter_by(instance_uuid=instance_uuid)
    if host:
        stmt = stmt.where((Migration.source_compute == host) | (Migration.dest_compute == host))
    if status:
        stmt = stmt.filter_by(status=status)
    if migration_type:
        stmt = stmt.filter_by(migration_type=migration_type)
    if project_id:
        stmt = stmt.filter_by(project_id=project_id)
    if user_id:
        stmt = stmt.filter_by(user_id=user_id)
    return stmt
