"""Usages: what is consumed, per provider or per project (and user, and consumer type)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.placement.db import providers as provider_queries
from nimbus.placement.db import usages as queries


class UsageManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def of_provider(self, uuid: str) -> tuple[int, dict[str, int]]:
        """Usage of every class the provider has inventory of (0 when unused)."""
        with self.db.reader() as s:
            rp = provider_queries.get(s, uuid)
            return rp.generation, queries.of_provider(s, rp.id)

    def totals(self, project_id: str, user_id: str | None = None,
               by_type: bool = False, consumer_type: str | None = None) -> dict[str, Any]:
        """Summed usage of a project's consumers; with ``by_type`` grouped as 1.38 shows it
        (``consumer_type=all`` sums every type under ``all``)."""
        only = consumer_type if by_type and consumer_type not in (None, "all") else None
        with self.db.reader() as s:
            rows = queries.of_project(s, project_id, user_id, only)
        if not by_type:
            flat: dict[str, int] = defaultdict(int)
            for _uuid, _type, rc, used in rows:
                flat[rc] += used
            return dict(flat)
        grouped: dict[str, dict[str, Any]] = {}
        consumers: dict[str, set[str]] = defaultdict(set)
        for uuid, kind, rc, used in rows:
            key = "all" if consumer_type == "all" else kind
            bucket = grouped.setdefault(key, {})
            bucket[rc] = bucket.get(rc, 0) + used
            consumers[key].add(uuid)
        for key, bucket in grouped.items():
            bucket["consumer_count"] = len(consumers[key])
        return grouped
