"""Queries on QoS policies and their rules, and on what uses a policy."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db import rbac
from nimbus.network.db.listing import (
    Condition,
    Derived,
    Flag,
    Listing,
    matches_nothing,
    page_of,
    standard,
)
from nimbus.network.db.models import Network, Port, QosPolicy, QosRule

POLICIES = Listing({
    **standard(QosPolicy),
    "shared": Flag(QosPolicy.shared),
    "is_default": Flag(QosPolicy.is_default),
    # An array of objects, from another table: it matches nothing.
    "rules": Derived(matches_nothing, QosPolicy.id),
}, tags=QosPolicy.tags)


def visible(project_id: str | None, everything: bool) -> Condition:
    """A project sees its own policies and the shared ones."""
    if everything:
        return true()
    return or_(QosPolicy.project_id == (project_id or ""), QosPolicy.shared.is_(True),
               rbac.granted(QosPolicy.id, "qos_policy", project_id))


def get(session: Session, policy_id: str) -> QosPolicy | None:
    return session.get(QosPolicy, policy_id)


def list_policies(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
                  hidden: Collection[str], seen: Condition) -> Page[QosPolicy]:
    return page_of(session, select(QosPolicy).where(seen), POLICIES, query, filters, hidden)


def rules_of(session: Session, policy_ids: Iterable[str]) -> dict[str, list[QosRule]]:
    ids = list(policy_ids)
    found: dict[str, list[QosRule]] = {pid: [] for pid in ids}
    if ids:
        for rule in session.scalars(select(QosRule).where(QosRule.qos_policy_id.in_(ids))
                                    .order_by(QosRule.rule_type, QosRule.id)):
            found[rule.qos_policy_id].append(rule)
    return found


def rule(session: Session, policy_id: str, rule_id: str) -> QosRule | None:
    row = session.get(QosRule, rule_id)
    return row if row is not None and row.qos_policy_id == policy_id else None


def default_of(session: Session, project_id: str) -> QosPolicy | None:
    return session.scalar(select(QosPolicy).where(QosPolicy.project_id == project_id,
                                                  QosPolicy.is_default.is_(True)))


def users(session: Session, policy_id: str) -> list[tuple[str, str]]:
    """(kind, id) of the networks and ports that use the policy."""
    nets = session.scalars(select(Network.id).where(Network.qos_policy_id == policy_id))
    ports = session.scalars(select(Port.id).where(Port.qos_policy_id == policy_id))
    return [("network", n) for n in nets] + [("port", p) for p in ports]
