"""Helpers the Placement managers share: provider lookup, generations, usage and capacity."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.placement import standard
from nimbus.placement.db.models import (
    Allocation,
    CustomResourceClass,
    Inventory,
    ResourceProvider,
)
from nimbus.placement.errors import ProviderGenerationConflict


class RetryWrite(Exception):  # noqa: N818 - an internal signal, not an error users see
    """Raised inside a writer when a compare-and-swap lost a race; the unit of work is redone."""


def normalise_uuid(value: str) -> str:
    """Placement accepts UUIDs with or without dashes and answers with the dashed form."""
    try:
        return str(uuidlib.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise errors.BadRequest(f"Malformed UUID: '{value}'.") from None


def get_provider(session: Session, uuid: str, purpose: str = "") -> ResourceProvider:
    rp = session.scalars(select(ResourceProvider).where(ResourceProvider.uuid == uuid)).first()
    if rp is None:
        suffix = f" for {purpose}" if purpose else ""
        raise errors.NotFound(f"No resource provider with uuid {uuid} found{suffix}.")
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


def check_generation(rp: ResourceProvider, given: int) -> None:
    if rp.generation != given:
        raise ProviderGenerationConflict(uuid=rp.uuid)


def resource_class_exists(session: Session, name: str) -> bool:
    if name in standard.STANDARD_CLASSES:
        return True
    if not standard.is_custom(name):
        return False
    found = session.scalar(select(CustomResourceClass.id).where(CustomResourceClass.name == name))
    return found is not None


def require_resource_classes(session: Session, names: Iterable[str]) -> None:
    """A 400 naming the first resource class Placement does not know."""
    for name in sorted(set(names)):
        if not resource_class_exists(session, name):
            raise errors.BadRequest(f"No such resource class {name}.")


def usages(session: Session, provider_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """Used amounts keyed by (provider id, resource class)."""
    ids = list(provider_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Allocation.resource_provider_id, Allocation.resource_class,
               func.sum(Allocation.used))
        .where(Allocation.resource_provider_id.in_(ids))
        .group_by(Allocation.resource_provider_id, Allocation.resource_class)
    )
    return {(rp_id, rc): int(used or 0) for rp_id, rc, used in rows}


def capacity(inv: Inventory) -> int:
    """What a provider can hand out of one class: (total - reserved) * allocation_ratio."""
    return int((inv.total - inv.reserved) * inv.allocation_ratio)


@dataclass
class ProviderView:
    """A provider as the API shows it."""

    uuid: str
    name: str
    generation: int
    parent_provider_uuid: str | None
    root_provider_uuid: str


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
