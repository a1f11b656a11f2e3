"""Queries on roles, implied roles and role assignments."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.identity.constants import GLOBAL
from nimbus.identity.db.models import Assignment, ImpliedRole, Role


def role_by_name(s: Session, name: str, domain_id: str) -> Role | None:
    return s.scalar(select(Role).filter_by(name=name, domain_id=domain_id))


def list_roles(s: Session, domain_id: str, name: str | None = None) -> list[Role]:
    stmt = select(Role).filter_by(domain_id=domain_id).order_by(Role.name)
    if name:
        stmt = stmt.filter_by(name=name)
    return list(s.scalars(stmt))


def delete_role(s: Session, role: Role) -> None:
    """A role, its assignments and every implication it takes part in."""
    s.execute(delete(Assignment).where(Assignment.role_id == role.id))
    s.execute(delete(ImpliedRole).where(
        (ImpliedRole.prior_role_id == role.id) | (ImpliedRole.implied_role_id == role.id)))
    s.delete(role)


def domain_role_ids(s: Session) -> set[str]:
    return set(s.scalars(select(Role.id).where(Role.domain_id != GLOBAL)))


def implied_pairs(s: Session, prior: str | None = None) -> list[tuple[str, str]]:
    stmt = select(ImpliedRole.prior_role_id, ImpliedRole.implied_role_id)
    if prior:
        stmt = stmt.filter_by(prior_role_id=prior)
    return [(p, i) for p, i in s.execute(stmt)]


def list_assignments(s: Session, actor_ids: list[str] | None = None,
                     target_id: str | None = None, role_id: str | None = None,
                     types: list[str] | None = None) -> list[Assignment]:
    stmt = select(Assignment)
    if actor_ids is not None:
        stmt = stmt.where(Assignment.actor_id.in_(actor_ids))
    if target_id is not None:
        stmt = stmt.filter_by(target_id=target_id)
    if role_id is not None:
        stmt = stmt.filter_by(role_id=role_id)
    if types:
        stmt = stmt.where(Assignment.type.in_(types))
    return list(s.scalars(stmt))
