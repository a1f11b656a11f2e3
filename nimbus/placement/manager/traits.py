"""Traits (qualitative facts about providers) and aggregates (groupings of providers)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from nimbus.core import errors
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement import standard
from nimbus.placement.db.models import CustomTrait, ProviderAggregate, ProviderTrait
from nimbus.placement.manager.common import bump_generation, check_generation, get_provider


class TraitManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, names: set[str] | None = None, prefix: str | None = None,
             associated: bool | None = None) -> list[str]:
        with self.db.reader() as s:
            everything = set(standard.TRAITS) | set(s.scalars(select(CustomTrait.name)))
            if associated is not None:
                used = set(s.scalars(select(ProviderTrait.trait).distinct()))
                everything = everything & used if associated else everything - used
        if names is not None:
            everything &= names
        if prefix is not None:
            everything = {t for t in everything if t.startswith(prefix)}
        return sorted(everything)

    def exists(self, name: str) -> bool:
        if name in standard.STANDARD_TRAITS:
            return True
        with self.db.reader() as s:
            return s.scalar(select(CustomTrait.id).where(CustomTrait.name == name)) is not None

    @retry_on_lock()
    def create(self, name: str) -> bool:
        """Make a custom trait; True when it was new (201), False when it existed (204)."""
        if self.exists(name):
            return False
        try:
            with self.db.writer() as s:
                s.add(CustomTrait(name=name))
        except IntegrityError:
            return False
        return True

    @retry_on_lock()
    def delete(self, name: str) -> None:
        if name in standard.STANDARD_TRAITS:
            raise errors.BadRequest(f"Cannot delete standard trait {name}.")
        with self.db.writer() as s:
            row = s.scalars(select(CustomTrait).where(CustomTrait.name == name)).first()
            if row is None:
                raise errors.NotFound(f"No such trait(s): {name}.")
            if s.scalar(select(func.count()).select_from(ProviderTrait)
                        .where(ProviderTrait.trait == name)):
                raise errors.Conflict(f"The trait {name} is in use by a resource provider.",
                                      error_code="placement.undefined_code")
            s.delete(row)

    def unknown(self, names: Iterable[str]) -> list[str]:
        wanted = set(names) - standard.STANDARD_TRAITS
        if not wanted:
            return []
        with self.db.reader() as s:
            known = set(s.scalars(select(CustomTrait.name).where(CustomTrait.name.in_(wanted))))
        return sorted(wanted - known)

    def of_provider(self, uuid: str) -> tuple[int, list[str]]:
        with self.db.reader() as s:
            rp = get_provider(s, uuid)
            names = s.scalars(select(ProviderTrait.trait)
                              .where(ProviderTrait.resource_provider_id == rp.id))
            return rp.generation, sorted(names)

    @retry_on_lock()
    def set_for_provider(self, uuid: str, generation: int | None,
                         names: list[str]) -> tuple[int, list[str]]:
        """Replace a provider's traits; ``generation`` None skips the check (DELETE)."""
        missing = self.unknown(names)
        if missing:
            raise errors.BadRequest(f"No such trait(s): {', '.join(missing)}.")
        with self.db.writer() as s:
            rp = get_provider(s, uuid)
            expected = rp.generation if generation is None else generation
            check_generation(rp, expected)
            s.execute(delete(ProviderTrait).where(ProviderTrait.resource_provider_id == rp.id))
            for name in sorted(set(names)):
                s.add(ProviderTrait(resource_provider_id=rp.id, trait=name))
            s.flush()
            bump_generation(s, rp, expected)
            return rp.generation, sorted(set(names))


class AggregateManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def of_provider(self, uuid: str) -> tuple[int, list[str]]:
        with self.db.reader() as s:
            rp = get_provider(s, uuid)
            aggs = s.scalars(select(ProviderAggregate.aggregate_uuid)
                             .where(ProviderAggregate.resource_provider_id == rp.id))
            return rp.generation, sorted(aggs)

    @retry_on_lock()
    def set_for_provider(self, uuid: str, generation: int | None,
                         aggregates: list[str]) -> tuple[int, list[str]]:
        """Replace a provider's aggregates; before 1.19 no generation is given or checked."""
        with self.db.writer() as s:
            rp = get_provider(s, uuid)
            expected = rp.generation if generation is None else generation
            check_generation(rp, expected)
            s.execute(delete(ProviderAggregate)
                      .where(ProviderAggregate.resource_provider_id == rp.id))
            for agg in sorted(set(aggregates)):
                s.add(ProviderAggregate(resource_provider_id=rp.id, aggregate_uuid=agg))
            s.flush()
            bump_generation(s, rp, expected)
            return rp.generation, sorted(set(aggregates))
