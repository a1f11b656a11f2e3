"""Per-project quota limits: Neutron's defaults unless an admin set others."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from nimbus.core.db.engine import retry_on_lock
from nimbus.network import constants as c
from nimbus.network.db import models
from nimbus.network.manager.base import ManagerBase


class QuotaOps(ManagerBase):
    def get_quota(self, project_id: str) -> dict[str, int]:
        with self.db.reader() as session:
            return {r: self.quota_limit(session, project_id, r) for r in c.DEFAULT_QUOTAS}

    def quota_details(self, project_id: str) -> dict[str, dict[str, int]]:
        with self.db.reader() as session:
            return {r: {"limit": self.quota_limit(session, project_id, r),
                        "used": self.usage(session, project_id, r), "reserved": 0}
                    for r in c.DEFAULT_QUOTAS}

    def list_quotas(self) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            projects = sorted(set(session.scalars(select(models.Quota.project_id)).all()))
        return [{**self.get_quota(p), "project_id": p, "tenant_id": p} for p in projects]

    @retry_on_lock()
    def update_quota(self, project_id: str, limits: dict[str, int]) -> dict[str, int]:
        with self.db.writer() as session:
            for resource, limit in limits.items():
                row = session.get(models.Quota, (project_id, resource))
                if row is None:
                    session.add(models.Quota(project_id=project_id, resource=resource,
                                             limit=limit))
                else:
                    row.limit = limit
        return self.get_quota(project_id)

    @retry_on_lock()
    def delete_quota(self, project_id: str) -> None:
        with self.db.writer() as session:
            for row in session.scalars(select(models.Quota).where(
                    models.Quota.project_id == project_id)):
                session.delete(row)
