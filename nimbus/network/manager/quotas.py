"""Per-project quota limits: Neutron's defaults unless an admin set others."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db import models
from nimbus.network.db import quotas as quota_db
from nimbus.network.errors import HTTPBadRequest
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import with_items


class QuotaManager:
    def __init__(self, db: Database, access: Access) -> None:
        self.db = db
        self.access = access

    @property
    def defaults(self) -> dict[str, int]:
        return dict(self.access.quota_defaults)

    def get_quota(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as session:
            return {r: self.access.quota_limit(session, project_id, r) for r in self.defaults}

    def quota_details(self, project_id: str) -> dict[str, dict[str, int]]:
        with self.db.reader() as session:
            return {r: {"limit": self.access.quota_limit(session, project_id, r),
                        "used": quota_db.usage(session, project_id, r), "reserved": 0}
                    for r in self.defaults}

    def list_quotas(self, query: PageQuery | None = None) -> Page[dict[str, Any]]:
        """The limits of every project that has limits of its own."""
        with self.db.reader() as session:
            page = quota_db.projects_page(session, query or PageQuery())
            limits = quota_db.limits_of(session, page.items)
        return with_items(page, [{**self.defaults, **limits[p], "project_id": p,
                                  "tenant_id": p} for p in page.items])

    @retry_on_lock()
    def update_quota(self, project_id: str, limits: dict[str, int],
                     check_limit: bool = False) -> dict[str, int]:
        """Set the limits given; with ``check_limit``, none may be below what is in use."""
        with self.db.writer() as session:
            for resource, limit in limits.items():
                if check_limit and limit >= 0:
                    used = quota_db.usage(session, project_id, resource)
                    if used > limit:
                        raise HTTPBadRequest(f"Quota limit {limit} for {resource} must be "
                                             f"greater than or equal to already used {used}")
                row = quota_db.limit_row(session, project_id, resource)
                if row is None:
                    session.add(models.Quota(project_id=project_id, resource=resource,
                                             limit=limit))
                else:
                    row.limit = limit
        return self.get_quota(project_id)

    @retry_on_lock()
    def delete_quota(self, project_id: str) -> None:
        with self.db.writer() as session:
            for row in quota_db.rows(session, project_id):
                session.delete(row)
