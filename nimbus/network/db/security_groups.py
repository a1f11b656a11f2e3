"""Queries on security groups, their rules and each project's ``default`` group."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db import rbac
from nimbus.network.db.listing import (
    Condition,
    Derived,
    Fixed,
    Flag,
    Listing,
    Number,
    Text,
    Time,
    matches_nothing,
    page_of,
    standard,
)
from nimbus.network.db.models import DefaultSecurityGroup, SecurityGroup, SecurityGroupRule

Rule = SecurityGroupRule

# ``sort_key=security_group_rules`` orders by the lowest rule id, as the rules' text starts.
FIRST_RULE = (select(func.min(Rule.id)).where(Rule.security_group_id == SecurityGroup.id)
              .scalar_subquery())

GROUPS = Listing({
    **standard(SecurityGroup),
    "stateful": Flag(SecurityGroup.stateful),
    "shared": Fixed(False),
    # An array of objects, from another table: it matches nothing.
    "security_group_rules": Derived(matches_nothing, FIRST_RULE),
}, tags=SecurityGroup.tags)

_prefix = Text(Rule.remote_ip_prefix)

RULES = Listing({
    "id": Text(Rule.id),
    "project_id": Text(Rule.project_id),
    "tenant_id": Text(Rule.project_id),
    "security_group_id": Text(Rule.security_group_id),
    "direction": Text(Rule.direction),
    "ethertype": Text(Rule.ethertype),
    "protocol": Text(Rule.protocol),
    "port_range_min": Number(Rule.port_range_min),
    "port_range_max": Number(Rule.port_range_max),
    "remote_ip_prefix": _prefix,
    "remote_group_id": Text(Rule.remote_group_id),
    "remote_address_group_id": Text(Rule.remote_address_group_id),
    # The prefix as a network; prefixes are nearly always given that way already.
    "normalized_cidr": Derived(_prefix.where, Rule.remote_ip_prefix),
    "description": Text(Rule.description),
    "created_at": Time(Rule.created_at),
    "updated_at": Time(Rule.updated_at),
    "revision_number": Number(Rule.revision_number),
})


def visible_groups(project_id: str | None, everything: bool) -> Condition:
    """A project's own groups, and those an RBAC policy shares with it."""
    if everything:
        return true()
    return or_(SecurityGroup.project_id == (project_id or ""),
               rbac.granted(SecurityGroup.id, "security_group", project_id))


def visible_rules(project_id: str | None, everything: bool) -> Condition:
    return true() if everything else Rule.project_id == (project_id or "")


def list_groups(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
                hidden: Collection[str], seen: Condition) -> Page[SecurityGroup]:
    return page_of(session, select(SecurityGroup).where(seen), GROUPS, query, filters, hidden)


def list_rules(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
               hidden: Collection[str], seen: Condition) -> Page[SecurityGroupRule]:
    return page_of(session, select(Rule).where(seen), RULES, query, filters, hidden)


def rules(session: Session, group_id: str) -> list[SecurityGroupRule]:
    return rules_of(session, [group_id])[group_id]


def rules_of(session: Session,
             group_ids: Collection[str]) -> dict[str, list[SecurityGroupRule]]:
    """The rules of many groups, in one query."""
    found: dict[str, list[SecurityGroupRule]] = {g: [] for g in group_ids}
    if group_ids:
        for rule in session.scalars(select(Rule).where(
                Rule.security_group_id.in_(list(group_ids)))):
            found[rule.security_group_id].append(rule)
    return found


def default_link(session: Session, project_id: str) -> DefaultSecurityGroup | None:
    return session.get(DefaultSecurityGroup, project_id)


def get(session: Session, group_id: str) -> SecurityGroup | None:
    return session.get(SecurityGroup, group_id)


def get_rule(session: Session, rule_id: str) -> SecurityGroupRule | None:
    return session.get(Rule, rule_id)
