"""Queries on address groups, their addresses and the security group rules that name them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import delete, or_, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db import rbac
from nimbus.network.db.listing import Condition, Listing, Number, Text, Time, page_of
from nimbus.network.db.models import AddressGroup, AddressGroupAddress, SecurityGroupRule

# The object_type RBAC policies name address groups by.
RBAC_TYPE = "address_group"

# Neutron filters and sorts by these; ``addresses`` (from another table) does neither, and
# ``shared`` is never shown.
LISTING = Listing({
    "id": Text(AddressGroup.id), "project_id": Text(AddressGroup.project_id),
    "tenant_id": Text(AddressGroup.project_id), "name": Text(AddressGroup.name),
    "description": Text(AddressGroup.description),
    "created_at": Time(AddressGroup.created_at), "updated_at": Time(AddressGroup.updated_at),
    "revision_number": Number(AddressGroup.revision_number),
})


def visible(project_id: str | None, everything: bool) -> Condition:
    """A project sees its own groups and those an RBAC policy shares with it."""
    if everything:
        return true()
    return or_(AddressGroup.project_id == (project_id or ""),
               rbac.granted(AddressGroup.id, RBAC_TYPE, project_id))


def get(session: Session, group_id: str) -> AddressGroup | None:
    return session.get(AddressGroup, group_id)


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[AddressGroup]:
    return page_of(session, select(AddressGroup).where(seen), LISTING, query, filters, hidden)


def addresses_of(session: Session, group_ids: Collection[str]) -> dict[str, list[str]]:
    """Each group's prefixes, in one query, in the text order Neutron's key gives them
    (sorted here: databases' collations order punctuation differently)."""
    found: dict[str, list[str]] = {g: [] for g in group_ids}
    if group_ids:
        for row in session.scalars(select(AddressGroupAddress).where(
                AddressGroupAddress.address_group_id.in_(list(group_ids)))):
            found[row.address_group_id].append(row.address)
    return {g: sorted(found[g]) for g in found}


def add_addresses(session: Session, group_id: str, addresses: Collection[str]) -> None:
    session.add_all(AddressGroupAddress(address_group_id=group_id, address=a)
                    for a in sorted(addresses))


def remove_addresses(session: Session, group_id: str, addresses: Collection[str]) -> None:
    session.execute(delete(AddressGroupAddress).where(
        AddressGroupAddress.address_group_id == group_id,
        AddressGroupAddress.address.in_(list(addresses))))


def groups_using(session: Session, group_id: str) -> list[str]:
    """The security groups with a rule whose remote end is the address group."""
    return list(session.scalars(select(SecurityGroupRule.security_group_id).where(
        SecurityGroupRule.remote_address_group_id == group_id).distinct()
        .order_by(SecurityGroupRule.security_group_id)))
