"""Queries on the default security group rules (the templates of new groups' rules)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Flag, Listing, Number, Text, Time, page_of
from nimbus.network.db.models import DefaultSecurityGroupRule as Rule
from nimbus.network.db.models import SecurityGroup, SecurityGroupRule

LISTING = Listing({
    "id": Text(Rule.id), "description": Text(Rule.description),
    "direction": Text(Rule.direction), "ethertype": Text(Rule.ethertype),
    "protocol": Text(Rule.protocol), "port_range_min": Number(Rule.port_range_min),
    "port_range_max": Number(Rule.port_range_max),
    "remote_ip_prefix": Text(Rule.remote_ip_prefix),
    "remote_group_id": Text(Rule.remote_group_id),
    "used_in_default_sg": Flag(Rule.used_in_default_sg),
    "used_in_non_default_sg": Flag(Rule.used_in_non_default_sg),
    "revision_number": Number(Rule.revision_number),
    "created_at": Time(Rule.created_at), "updated_at": Time(Rule.updated_at),
})


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str]) -> Page[Rule]:
    return page_of(session, select(Rule), LISTING, query, filters, hidden)


def get(session: Session, rule_id: str) -> Rule | None:
    return session.get(Rule, rule_id)


def every(session: Session) -> list[Rule]:
    return list(session.scalars(select(Rule).order_by(Rule.created_at, Rule.id)))


def for_group(session: Session, default: bool) -> list[Rule]:
    """The templates a new group gets: the project's ``default`` group, or another."""
    column = Rule.used_in_default_sg if default else Rule.used_in_non_default_sg
    return list(session.scalars(select(Rule).where(column.is_(True))
                                .order_by(Rule.created_at, Rule.id)))


# The template value that means "the new group itself".
PARENT = "PARENT"


def instantiate(session: Session, group: SecurityGroup, default: bool) -> None:
    """A new group's rules, from the templates it gets."""
    for template in for_group(session, default):
        remote = group.id if template.remote_group_id == PARENT else template.remote_group_id
        session.add(SecurityGroupRule(
            project_id=group.project_id, security_group_id=group.id,
            direction=template.direction, ethertype=template.ethertype,
            protocol=template.protocol, port_range_min=template.port_range_min,
            port_range_max=template.port_range_max,
            remote_ip_prefix=template.remote_ip_prefix, remote_group_id=remote,
            description=template.description, revision_number=0))
