"""Trait queries: the custom traits, which traits providers carry, and a provider's set."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from nimbus.placement.db.models import CustomTrait, ProviderTrait


def custom(session: Session, names: Iterable[str] | None = None,
           prefix: str | None = None) -> set[str]:
    """Custom trait names, narrowed to ``names`` and to those starting with ``prefix``."""
    query = select(CustomTrait.name)
    if names is not None:
        query = query.where(CustomTrait.name.in_(set(names)))
    if prefix is not None:
        query = query.where(CustomTrait.name.startswith(prefix, autoescape=True))
    return set(session.scalars(query))


def associated(session: Session, names: Iterable[str] | None = None,
               prefix: str | None = None) -> set[str]:
    """Traits at least one provider carries, narrowed like ``custom``."""
    query = select(ProviderTrait.trait).distinct()
    if names is not None:
        query = query.where(ProviderTrait.trait.in_(set(names)))
    if prefix is not None:
        query = query.where(ProviderTrait.trait.startswith(prefix, autoescape=True))
    return set(session.scalars(query))


def custom_row(session: Session, name: str) -> CustomTrait | None:
    return session.scalars(select(CustomTrait).where(CustomTrait.name == name)).first()


def add_custom(session: Session, name: str) -> None:
    session.add(CustomTrait(name=name))


def remove_custom(session: Session, row: CustomTrait) -> None:
    session.delete(row)


def in_use(session: Session, name: str) -> bool:
    return bool(session.scalar(select(exists().where(ProviderTrait.trait == name))))


def of_provider(session: Session, provider_id: int) -> list[str]:
    return sorted(session.scalars(select(ProviderTrait.trait)
                                  .where(ProviderTrait.resource_provider_id == provider_id)))


def of_providers(session: Session, ids: Iterable[int]) -> dict[int, set[str]]:
    wanted = set(ids)
    if not wanted:
        return {}
    found: dict[int, set[str]] = defaultdict(set)
    for rp_id, trait in session.execute(
            select(ProviderTrait.resource_provider_id, ProviderTrait.trait)
            .where(ProviderTrait.resource_provider_id.in_(wanted))):
        found[rp_id].add(trait)
    return found


def replace_for_provider(session: Session, provider_id: int, names: Iterable[str]) -> None:
    session.execute(delete(ProviderTrait).where(ProviderTrait.resource_provider_id == provider_id))
    for name in sorted(set(names)):
        session.add(ProviderTrait(resource_provider_id=provider_id, trait=name))
    session.flush()
