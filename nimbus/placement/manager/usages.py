"""Usages: what is consumed, per provider or per project (and user, and consumer type)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from nimbus.core.db.engine import Database
from nimbus.placement.db.models import Allocation, Consumer, Inventory
from nimbus.placement.manager.common import get_provider


class UsageManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def of_provider(self, uuid: str) -> tuple[int, dict[str, int]]:
        """Usage of every class the provider has inventory of (0 when unused)."""
        with self.db.reader() as s:
            rp = get_provider(s, uuid)
            found = {rc: 0 for rc in s.scalars(
                select(Inventory.resource_class).where(Inventory.resource_provider_id == rp.id))}
            for rc, used in s.execute(
                    select(Allocation.resource_class, func.sum(Allocation.used))
                    .where(Allocation.resource_provider_id == rp.id)
                    .group_by(Allocation.resource_class)):
                found[rc] = int(used or 0)
            return rp.generation, found

    def totals(self, project_id: str, user_id: str | None = None,
               by_type: bool = False, consumer_type: str | None = None) -> dict[str, Any]:
        """Summed usage of a project's consumers; with ``by_type`` grouped as 1.38 shows it."""
        with self.db.reader() as s:
            query = (select(Consumer.uuid, Consumer.consumer_type, Allocation.resource_class,
                            func.sum(Allocation.used))
                     .join(Allocation, Allocation.consumer_id == Consumer.uuid)
                     .where(Consumer.project_id == project_id)
                     .group_by(Consumer.uuid, Consumer.consumer_type, Allocation.resource_class))
            if user_id is not None:
                query = query.where(Consumer.user_id == user_id)
            rows = s.execute(query).all()
        if not by_type:
            flat: dict[str, int] = defaultdict(int)
            for _uuid, _type, rc, used in rows:
                flat[rc] += int(used or 0)
            return dict(flat)
        grouped: dict[str, dict[str, Any]] = {}
        consumers: dict[str, set[str]] = defaultdict(set)
        for uuid, ctype, rc, used in rows:
            kind = ctype or "unknown"
            if consumer_type not in (None, "all") and kind != consumer_type:
                continue
            key = "all" if consumer_type == "all" else kind
            bucket = grouped.setdefault(key, {})
            bucket[rc] = bucket.get(rc, 0) + int(used or 0)
            consumers[key].add(uuid)
        for key, bucket in grouped.items():
            bucket["consumer_count"] = len(consumers[key])
        return grouped
