"""Reading migrations: every move for administrators (``os-migrations``), and a server's live
migration in progress (``/servers/{id}/migrations``)."""

from __future__ import annotations

from nimbus.compute.db import flavors as flavors_db
from nimbus.compute.db import server_migrations as db
from nimbus.compute.db.models import Migration
from nimbus.compute.db.server_migrations import IN_PROGRESS
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import NotFound

__all__ = ["IN_PROGRESS", "Migration", "MigrationManager"]


class MigrationManager:
    def __init__(self, db: Database, max_limit: int) -> None:
        self.db = db
        self.max_limit = max_limit

    def page(self, query: PageQuery, **filters: str | None) -> Page[Migration]:
        return db.page_migrations(self.db, query, max_limit=self.max_limit, **filters)

    def flavor_ids(self, rows: list[Migration]) -> dict[str, int]:
        """The instance type ids Nova shows for the flavors these moves name."""
        return flavors_db.internal_ids(
            self.db, [f for m in rows for f in (m.old_flavor_id, m.new_flavor_id) if f])

    def live_in_progress(self, instance_uuid: str) -> list[Migration]:
        return [m for m in db.list_migrations(self.db, instance_uuid=instance_uuid,
                                              migration_type="live-migration")
                if m.status in db.IN_PROGRESS]

    def live_one(self, instance_uuid: str, migration_id: str) -> Migration:
        for migration in self.live_in_progress(instance_uuid):
            if str(migration.id) == migration_id:
                return migration
        raise NotFound(f"Migration {migration_id} for instance {instance_uuid} could not be "
                       "found.")
