"""Queries on projects and domains (a domain is a project row with ``is_domain``) and tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, not_, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.identity.constants import ROOT_DOMAIN
from nimbus.identity.db import listing
from nimbus.identity.db.models import (
    Assignment,
    Group,
    GroupMembership,
    ImpliedRole,
    Project,
    ProjectTag,
    Role,
    User,
)

# The filters a project listing takes, each an exact match on its column.
EXACT = ("name", "domain_id", "enabled", "parent_id")
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")


def domain_by_name(s: Session, name: str) -> Project | None:
    return s.scalar(select(Project).filter_by(domain_id=ROOT_DOMAIN, name=name))


def project_by_name(s: Session, domain_id: str, name: str,
                    projects_only: bool = False) -> Project | None:
    stmt = select(Project).filter_by(domain_id=domain_id, name=name)
    if projects_only:
        stmt = stmt.filter_by(is_domain=False)
    return s.scalar(stmt)


def _tagged(names: list[str]) -> ColumnElement[bool]:
    return exists().where(ProjectTag.project_id == Project.id, ProjectTag.name.in_(names))


def _with_tags(stmt: Select[Any], key: str, text: str) -> Select[Any]:
    """Keystone's tag filters: every tag, any tag, not every tag, none of the tags."""
    tags = list(dict.fromkeys(text.split(",")))
    every = and_(*[_tagged([t]) for t in tags])
    if key == "tags":
        return stmt.where(every)
    if key == "tags-any":
        return stmt.where(_tagged(tags))
    if key == "not-tags":
        return stmt.where(not_(every))
    return stmt.where(not_(_tagged(tags)))


def listing_stmt(filters: dict[str, Any], ids: set[str] | None = None) -> Select[Any]:
    """Projects (or, with ``is_domain`` true, the domains) matching ``filters``."""
    stmt = select(Project).filter_by(is_domain=bool(filters.get("is_domain")))
    for key in EXACT:
        if filters.get(key) is not None:
            stmt = stmt.filter_by(**{key: filters[key]})
    for key in TAG_FILTERS:
        if filters.get(key):  # an empty filter is no filter
            stmt = _with_tags(stmt, key, str(filters[key]))
    if ids is not None:
        stmt = stmt.where(Project.id.in_(ids))
    return stmt


def list_projects(s: Session, filters: dict[str, Any],
                  ids: set[str] | None = None) -> list[Project]:
    return list(s.scalars(listing_stmt(filters, ids).order_by(Project.name)))


def page_projects(s: Session, filters: dict[str, Any], query: PageQuery,
                  max_limit: int) -> Page[Project]:
    return listing.by_id(s, listing_stmt(filters), Project, query, max_limit)


def set_tags(s: Session, project: Project, tags: list[str]) -> None:
    """Give ``project`` exactly ``tags`` (in this order), in its column and its tag rows."""
    project.tags = list(tags)
    s.flush()
    s.execute(delete(ProjectTag).where(ProjectTag.project_id == project.id))
    for name in dict.fromkeys(tags):
        s.add(ProjectTag(project_id=project.id, name=name))


# -- the hierarchy ------------------------------------------------------------------------------
def parents(s: Session, project: Project) -> list[Project]:
    """Ancestors of ``project`` that are projects (nearest first); the domain is not included."""
    chain: list[Project] = []
    seen = {project.id}
    node = project.parent_id
    while node and node not in seen:
        seen.add(node)
        row = s.get(Project, node)
        if row is None or row.is_domain:
            break
        chain.append(row)
        node = row.parent_id
    return chain


def subtree(s: Session, project_id: str) -> list[Project]:
    """Every project below ``project_id``, breadth first, each one's children by name."""
    found: list[Project] = []
    seen = {project_id}
    level = [project_id]
    while level:
        children: dict[str, list[Project]] = {}
        for row in s.scalars(select(Project).where(Project.parent_id.in_(level),
                                                   Project.is_domain.is_(False))):
            if row.id not in seen:
                children.setdefault(str(row.parent_id), []).append(row)
        nxt = [kid for parent in level
               for kid in sorted(children.get(parent, []), key=lambda r: r.name)]
        seen.update(kid.id for kid in nxt)
        found.extend(nxt)
        level = [kid.id for kid in nxt]
    return found


def has_children(s: Session, project_id: str) -> bool:
    return s.scalar(select(Project.id).filter_by(parent_id=project_id, is_domain=False)
                    .limit(1)) is not None


def parent_ids(s: Session) -> dict[str, str | None]:
    """Every project's parent, by project id (the tree that inherited grants flow down)."""
    return {pid: parent for pid, parent in s.execute(
        select(Project.id, Project.parent_id).filter_by(is_domain=False))}


def project_rows(s: Session) -> list[tuple[str, str, str | None]]:
    """(id, domain_id, parent_id) of every project, for the effective role-assignment view."""
    return [(pid, did, parent) for pid, did, parent in s.execute(
        select(Project.id, Project.domain_id, Project.parent_id).filter_by(is_domain=False))]


def by_ids(s: Session, ids: Iterable[str]) -> list[Project]:
    return list(s.scalars(select(Project).where(Project.id.in_(list(ids)))))


# -- deleting -----------------------------------------------------------------------------------
def delete_project(s: Session, project: Project) -> None:
    """A leaf project and the role assignments on it."""
    s.execute(delete(Assignment).where(Assignment.target_id == project.id))
    s.delete(project)


def delete_domain(s: Session, domain: Project) -> None:
    """A domain and everything in it: projects, users, groups, its roles and their grants."""
    domain_id = domain.id
    projects = list(s.scalars(select(Project.id).filter_by(domain_id=domain_id)))
    users = list(s.scalars(select(User.id).filter_by(domain_id=domain_id)))
    groups = list(s.scalars(select(Group.id).filter_by(domain_id=domain_id)))
    roles = list(s.scalars(select(Role.id).filter_by(domain_id=domain_id)))
    s.execute(delete(Assignment).where(
        Assignment.target_id.in_([domain_id, *projects])
        | Assignment.actor_id.in_([*users, *groups]) | Assignment.role_id.in_(roles)))
    s.execute(delete(GroupMembership).where(GroupMembership.user_id.in_(users)
                                            | GroupMembership.group_id.in_(groups)))
    s.execute(delete(ImpliedRole).where(ImpliedRole.prior_role_id.in_(roles)
                                        | ImpliedRole.implied_role_id.in_(roles)))
    s.execute(delete(ProjectTag).where(ProjectTag.project_id.in_([domain_id, *projects])))
    if roles:
        s.execute(delete(Role).where(Role.id.in_(roles)))
    if groups:
        s.execute(delete(Group).where(Group.id.in_(groups)))
    if users:
        s.execute(delete(User).where(User.id.in_(users)))
    if projects:
        s.execute(delete(Project).where(Project.id.in_(projects)))
    s.delete(domain)
