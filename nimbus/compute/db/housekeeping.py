"""What a compute agent looks for on its own, now and then or when it starts: soft-deleted
servers due to be reclaimed, resizes left unconfirmed too long, and servers evacuated from
its host while it was down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from nimbus.compute.db.models import Instance, Migration
from nimbus.compute.db.server_migrations import AWAITING_CONFIRM
from nimbus.compute.states import VmState
from nimbus.core.db.engine import Database

# The statuses of an evacuation whose source host may still hold the guest: asked for, being
# rebuilt elsewhere, or done (Nova's, as its source compute looks for them when it starts).
EVACUATED = ("accepted", "pre-migrating", "done")


def soft_deleted_before(db: Database, host: str, cutoff: dt.datetime) -> list[Instance]:
    """The idle soft-deleted servers of ``host`` whose delete was asked for before
    ``cutoff``, oldest first."""
    with db.reader() as s:
        stmt = select(Instance).where(
            Instance.host == host, Instance.vm_state == VmState.SOFT_DELETED,
            Instance.task_state.is_(None),
            (Instance.deleted_at.is_(None)) | (Instance.deleted_at <= cutoff))
        return list(s.scalars(stmt.order_by(Instance.deleted_at, Instance.id)))


def resizes_unconfirmed_before(db: Database, host: str,
                               cutoff: dt.datetime) -> list[Migration]:
    """The resizes and cold migrations to ``host`` that have waited for a confirm since
    before ``cutoff``, oldest first."""
    with db.reader() as s:
        since = func.coalesce(Migration.updated_at, Migration.created_at)
        stmt = select(Migration).where(
            Migration.dest_compute == host, Migration.status == AWAITING_CONFIRM,
            Migration.migration_type.in_(("resize", "migration")), since <= cutoff)
        return list(s.scalars(stmt.order_by(since, Migration.id)))


def evacuations_from(db: Database, host: str,
                     statuses: Sequence[str] = EVACUATED) -> list[Migration]:
    """The evacuations away from ``host`` in one of ``statuses``."""
    with db.reader() as s:
        stmt = select(Migration).where(
            Migration.source_compute == host, Migration.migration_type == "evacuation",
            Migration.status.in_(list(statuses)))
        return list(s.scalars(stmt.order_by(Migration.id)))
