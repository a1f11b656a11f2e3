"""Queries on quota limits and on what each project uses."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.network.db.listing import marker_missing
from nimbus.network.db.models import (
    FloatingIP,
    Network,
    Port,
    Quota,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)

# The rows each quota resource counts.
COUNTED: dict[str, type[Any]] = {
    "network": Network,
    "subnet": Subnet,
    "port": Port,
    "router": Router,
    "floatingip": FloatingIP,
    "security_group": SecurityGroup,
    "security_group_rule": SecurityGroupRule,
}


def usage(session: Session, project_id: str, resource: str) -> int:
    model = COUNTED[resource]
    stmt = select(func.count()).select_from(model).where(model.project_id == project_id)
    return int(session.scalar(stmt) or 0)


def limit_row(session: Session, project_id: str, resource: str) -> Quota | None:
    return session.get(Quota, (project_id, resource))


def rows(session: Session, project_id: str) -> list[Quota]:
    return list(session.scalars(select(Quota).where(Quota.project_id == project_id)))


def limits_of(session: Session, project_ids: Collection[str]) -> dict[str, dict[str, int]]:
    """The limits set for each of ``project_ids``, in one query."""
    found: dict[str, dict[str, int]] = {p: {} for p in project_ids}
    if project_ids:
        for row in session.scalars(select(Quota).where(Quota.project_id.in_(list(project_ids)))):
            found[row.project_id][row.resource] = row.limit
    return found


def projects_page(session: Session, query: PageQuery) -> Page[str]:
    """The projects that have limits of their own, by id."""
    stmt = select(Quota.project_id).distinct()
    return page(session, stmt, query, columns={"project_id": Quota.project_id.expression},
                tiebreak="project_id", bad_marker=marker_missing)
