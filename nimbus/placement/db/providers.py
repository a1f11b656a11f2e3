"""Provider queries: lookup, the generation compare-and-swap, the tree and the filtered list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.placement.db.filters import RequestGroup, group_conditions
from nimbus.placement.db.models import (
    Allocation,
    Inventory,
    ProviderAggregate,
    ProviderTrait,
    ResourceProvider,
)
from nimbus.placement.errors import ProviderGenerationConflict, RetryWrite


@dataclass
class ProviderView:
    """A provider as the API shows it: its parent and root named by uuid."""

    uuid: str
    name: str
    generation: int
    parent_provider_uuid: str | None
    root_provider_uuid: str


def find(session: Session, uuid: str) -> ResourceProvider | None:
    return session.scalars(select(ResourceProvider).where(ResourceProvider.uuid == uuid)).first()


def get(session: Session, uuid: str, purpose: str = "") -> ResourceProvider:
    """The provider ``uuid``; a 404 (naming ``purpose``, as Placement does) when there is none."""
    rp = find(session, uuid)
    if rp is None:
        suffix = f" for {purpose}" if purpose else ""
        raise errors.NotFound(f"No resource provider with uuid {uuid} found{suffix}.")
    return rp


def name_taken(session: Session, name: str, other_than: int | None = None) -> bool:
    query = select(ResourceProvider.id).where(ResourceProvider.name == name)
    if other_than is not None:
        query = query.where(ResourceProvider.id != other_than)
    return session.scalar(query) is not None


def uuid_taken(session: Session, uuid: str) -> bool:
    return session.scalar(select(ResourceProvider.id)
                          .where(ResourceProvider.uuid == uuid)) is not None


def uuid_of(session: Session, provider_id: int) -> str | None:
    return session.scalar(select(ResourceProvider.uuid).where(ResourceProvider.id == provider_id))


def add(session: Session, uuid: str, name: str, parent: ResourceProvider | None) -> ResourceProvider:
    """A new provider; a root is its own root, a child shares its parent's."""
    rp = ResourceProvider(uuid=uuid, name=name, generation=0)
    if parent is not None:
        rp.parent_provider_id = parent.id
        rp.root_provider_id = parent.root_provider_id or parent.id
    session.add(rp)
    session.flush()
    if rp.root_provider_id is None:
        rp.root_provider_id = rp.id
        session.flush()
    return rp


def bump_generation(session: Session, rp: ResourceProvider, expected: int,
                    retry: bool = False) -> int:
    """Compare-and-swap ``rp``'s generation from ``expected``; the row lock serialises writers.

    A lost race raises a 409 (the client sent a stale generation) or, with ``retry``, the internal
    signal that makes the caller redo its whole transaction.
    """
    result = session.execute(
        update(ResourceProvider)
        .where(ResourceProvider.id == rp.id, ResourceProvider.generation == expected)
        .values(generation=expected + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if retry:
            raise RetryWrite(rp.uuid)
        raise ProviderGenerationConflict(uuid=rp.uuid)
    rp.generation = expected + 1
    return rp.generation


def subtree(session: Session, rp: ResourceProvider) -> list[ResourceProvider]:
    """``rp`` and every provider below it, one query per level."""
    found = [rp]
    frontier = [rp.id]
    while frontier:
        children = list(session.scalars(select(ResourceProvider)
                                        .where(ResourceProvider.parent_provider_id.in_(frontier))))
        found.extend(children)
        frontier = [c.id for c in children]
    return found


def has_allocations(session: Session, provider_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        Allocation.resource_provider_id == provider_id))))


def has_children(session: Session, provider_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        ResourceProvider.parent_provider_id == provider_id))))


def remove(session: Session, rp: ResourceProvider) -> None:
    """Delete the provider with its inventories, traits and aggregate memberships."""
    for model in (Inventory, ProviderTrait, ProviderAggregate):
        session.execute(delete(model).where(model.resource_provider_id == rp.id))
    session.delete(rp)


def views(session: Session, rps: list[ResourceProvider]) -> list[ProviderView]:
    """Resolve parent and root ids to uuids with one query."""
    ids = {rp.parent_provider_id for rp in rps} | {rp.root_provider_id for rp in rps}
    ids.discard(None)
    known = {rp.id: rp.uuid for rp in rps}
    missing = [i for i in ids if i not in known]
    if missing:
        rows = session.execute(select(ResourceProvider.id, ResourceProvider.uuid)
                               .where(ResourceProvider.id.in_(missing)))
        known.update({rp_id: rp_uuid for rp_id, rp_uuid in rows})
    return [
        ProviderView(
            uuid=rp.uuid, name=rp.name, generation=rp.generation,
            parent_provider_uuid=known.get(rp.parent_provider_id) if rp.parent_provider_id
            else None,
            root_provider_uuid=known.get(rp.root_provider_id or rp.id, rp.uuid),
        )
        for rp in rps
    ]


def listing(session: Session, name: str | None = None, uuid: str | None = None,
            group: RequestGroup | None = None) -> list[ProviderView]:
    """GET /resource_providers: every filter is a condition of the one query, oldest first."""
    query = select(ResourceProvider).order_by(ResourceProvider.id)
    if name is not None:
        query = query.where(ResourceProvider.name == name)
    if uuid is not None:
        query = query.where(ResourceProvider.uuid == uuid)
    if group is not None:
        query = query.where(*group_conditions(group))
    return views(session, list(session.scalars(query)))
