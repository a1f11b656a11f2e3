"""The allocation candidate query: providers that satisfy every request group, in SQL."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.placement.db.filters import RequestGroup, group_conditions, has_room, has_trait
from nimbus.placement.db.models import ResourceProvider


def single_providers(session: Session, groups: list[RequestGroup],
                     combined: dict[str, int] | None = None,
                     root_required: list[frozenset[str]] | None = None,
                     root_forbidden: set[str] | None = None,
                     limit: int | None = None) -> list[ResourceProvider]:
    """Providers that satisfy every group on their own, oldest first, at most ``limit``.

    ``combined`` are the summed amounts of several groups, which must also fit together;
    ``root_required``/``root_forbidden`` are traits the provider's root must (not) have.
    """
    query = select(ResourceProvider).order_by(ResourceProvider.id)
    for group in groups:
        query = query.where(*group_conditions(group))
    for resource_class, amount in sorted((combined or {}).items()):
        query = query.where(has_room(resource_class, amount, units=False))
    root = func.coalesce(ResourceProvider.root_provider_id, ResourceProvider.id)
    for any_of in root_required or []:
        query = query.where(has_trait(root, any_of))
    if root_forbidden:
        query = query.where(~has_trait(root, root_forbidden))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
