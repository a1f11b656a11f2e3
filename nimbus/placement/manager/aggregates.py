"""Aggregates: the groupings a provider belongs to, set as a whole."""

from __future__ import annotations

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement.db import aggregates as queries
from nimbus.placement.db import providers as provider_queries
from nimbus.placement.manager.common import check_generation_changed


class AggregateManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def of_provider(self, uuid: str) -> tuple[int, list[str]]:
        with self.db.reader() as s:
            rp = provider_queries.get(s, uuid)
            return rp.generation, queries.of_provider(s, rp.id)

    @retry_on_lock()
    def set_for_provider(self, uuid: str, generation: int | None,
                         aggregates: list[str]) -> tuple[int, list[str]]:
        """Replace a provider's aggregates; before 1.19 no generation is given or checked."""
        with self.db.writer() as s:
            rp = provider_queries.get(s, uuid)
            expected = rp.generation if generation is None else generation
            check_generation_changed(rp, expected)
            queries.replace_for_provider(s, rp.id, aggregates)
            provider_queries.bump_generation(s, rp, expected)
            return rp.generation, sorted(set(aggregates))
