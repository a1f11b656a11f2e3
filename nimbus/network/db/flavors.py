"""Queries on service flavors, service profiles and their associations."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Flag, Listing, Text, page_of
from nimbus.network.db.models import Flavor, FlavorServiceProfile, Router, ServiceProfile

FLAVORS = Listing({
    "id": Text(Flavor.id), "name": Text(Flavor.name),
    "description": Text(Flavor.description), "service_type": Text(Flavor.service_type),
    "enabled": Flag(Flavor.enabled),
})

PROFILES = Listing({
    "id": Text(ServiceProfile.id), "description": Text(ServiceProfile.description),
    "driver": Text(ServiceProfile.driver), "enabled": Flag(ServiceProfile.enabled),
    "metainfo": Text(ServiceProfile.metainfo),
})


def flavor(session: Session, flavor_id: str) -> Flavor | None:
    return session.get(Flavor, flavor_id)


def profile(session: Session, profile_id: str) -> ServiceProfile | None:
    return session.get(ServiceProfile, profile_id)


def list_flavors(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
                 hidden: Collection[str]) -> Page[Flavor]:
    return page_of(session, select(Flavor), FLAVORS, query, filters, hidden)


def list_profiles(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
                  hidden: Collection[str]) -> Page[ServiceProfile]:
    return page_of(session, select(ServiceProfile), PROFILES, query, filters, hidden)


def profiles_of(session: Session, flavor_ids: Collection[str]) -> dict[str, list[str]]:
    """The ids of each flavor's service profiles, in id order (one query for a page)."""
    found: dict[str, list[str]] = {f: [] for f in flavor_ids}
    if not flavor_ids:
        return found
    for flavor_id, profile_id in session.execute(
            select(FlavorServiceProfile.flavor_id, FlavorServiceProfile.service_profile_id)
            .where(FlavorServiceProfile.flavor_id.in_(list(flavor_ids)))
            .order_by(FlavorServiceProfile.service_profile_id)).tuples():
        found[flavor_id].append(profile_id)
    return found


def binding(session: Session, flavor_id: str, profile_id: str) -> FlavorServiceProfile | None:
    return session.get(FlavorServiceProfile, (flavor_id, profile_id))


def bindings_of(session: Session, flavor_id: str) -> list[FlavorServiceProfile]:
    return list(session.scalars(select(FlavorServiceProfile).where(
        FlavorServiceProfile.flavor_id == flavor_id)
        .order_by(FlavorServiceProfile.service_profile_id)))


def profile_bound(session: Session, profile_id: str) -> bool:
    return session.scalars(select(FlavorServiceProfile.flavor_id).where(
        FlavorServiceProfile.service_profile_id == profile_id).limit(1)).first() is not None


def flavor_used(session: Session, flavor_id: str) -> bool:
    """Whether a router was made with the flavor."""
    return session.scalars(select(Router.id).where(Router.flavor_id == flavor_id)
                           .limit(1)).first() is not None
