"""Domains and projects (a domain is stored as a project with ``is_domain``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from nimbus.core.db.base import new_hex_id
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound
from nimbus.identity.db.models import (
    Assignment,
    Group,
    GroupMembership,
    ImpliedRole,
    Project,
    Role,
    User,
)
from nimbus.identity.managers import project_tree

ROOT_DOMAIN = "<<keystone.domain.root>>"
DEFAULT_DOMAIN = "default"


class ResourceManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- domains ----------------------------------------------------------------------------
    @retry_on_lock()
    def create_domain(self, name: str, description: str = "", enabled: bool = True,
                      domain_id: str | None = None, tags: list[str] | None = None,
                      options: dict[str, Any] | None = None) -> Project:
        with self.db.writer() as s:
            if s.scalar(select(Project).filter_by(domain_id=ROOT_DOMAIN, name=name)):
                raise Conflict(resource="domain", reason=f"Duplicate entry found with name {name}")
            domain = Project(id=domain_id or new_hex_id(), name=name, domain_id=ROOT_DOMAIN,
                             description=description, enabled=enabled, is_domain=True,
                             tags=tags or [], options=options or {})
            s.add(domain)
        return domain

    def get_domain(self, domain_id: str) -> Project:
        with self.db.reader() as s:
            row = s.get(Project, domain_id)
        if row is None or not row.is_domain:
            raise NotFound(resource="domain", id=domain_id)
        return row

    def get_domain_by_name(self, name: str) -> Project:
        with self.db.reader() as s:
            row = s.scalar(select(Project).filter_by(domain_id=ROOT_DOMAIN, name=name))
        if row is None:
            raise NotFound(resource="domain", id=name)
        return row

    def list_domains(self, name: str | None = None, enabled: bool | None = None) -> list[Project]:
        with self.db.reader() as s:
            stmt = select(Project).filter_by(is_domain=True).order_by(Project.name)
            if name is not None:
                stmt = stmt.filter_by(name=name)
            if enabled is not None:
                stmt = stmt.filter_by(enabled=enabled)
            return list(s.scalars(stmt))

    @retry_on_lock()
    def update_domain(self, domain_id: str, changes: dict[str, Any]) -> Project:
        with self.db.writer() as s:
            row = s.get(Project, domain_id)
            if row is None or not row.is_domain:
                raise NotFound(resource="domain", id=domain_id)
            if domain_id == DEFAULT_DOMAIN and changes.get("enabled") is False:
                raise Forbidden("The default domain cannot be disabled.")
            for key in ("name", "description", "enabled", "tags", "options"):
                if key in changes:
                    setattr(row, key, changes[key])
        return row

    @retry_on_lock()
    def delete_domain(self, domain_id: str) -> None:
        """Delete a disabled domain and everything in it: projects, users, groups, its roles."""
        with self.db.writer() as s:
            row = s.get(Project, domain_id)
            if row is None or not row.is_domain:
                raise NotFound(resource="domain", id=domain_id)
            if row.enabled:
                raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
            projects = [p.id for p in s.scalars(select(Project).filter_by(domain_id=domain_id))]
            users = [u.id for u in s.scalars(select(User).filter_by(domain_id=domain_id))]
            groups = [g.id for g in s.scalars(select(Group).filter_by(domain_id=domain_id))]
            roles = [r.id for r in s.scalars(select(Role).filter_by(domain_id=domain_id))]
            s.execute(delete(Assignment).where(
                Assignment.target_id.in_([domain_id, *projects])
                | Assignment.actor_id.in_([*users, *groups]) | Assignment.role_id.in_(roles)))
            s.execute(delete(GroupMembership).where(GroupMembership.user_id.in_(users)
                                                    | GroupMembership.group_id.in_(groups)))
            s.execute(delete(ImpliedRole).where(ImpliedRole.prior_role_id.in_(roles)
                                                | ImpliedRole.implied_role_id.in_(roles)))
            for model, ids in ((Role, roles), (Group, groups), (User, users),
                               (Project, projects)):
                if ids:
                    s.execute(delete(model).where(model.id.in_(ids)))  # type: ignore[attr-defined]
            s.delete(row)

    # -- projects ---------------------------------------------------------------------------
    @retry_on_lock()
    def create_project(self, name: str, domain_id: str = DEFAULT_DOMAIN, description: str = "",
                       enabled: bool = True, parent_id: str | None = None,
                       tags: list[str] | None = None, project_id: str | None = None,
                       options: dict[str, Any] | None = None,
                       extra: dict[str, Any] | None = None) -> Project:
        if not name or len(name) > 64:
            raise BadRequest("Invalid input for field 'name': must be 1 to 64 characters.")
        with self.db.writer() as s:
            domain = s.get(Project, domain_id)
            if domain is None or not domain.is_domain:
                raise NotFound(resource="domain", id=domain_id)
            if parent_id and parent_id != domain_id:
                parent = s.get(Project, parent_id)
                if parent is None:
                    raise NotFound(resource="project", id=parent_id)
                project_tree.check_new_child(s, parent, domain_id)
            if s.scalar(select(Project).filter_by(domain_id=domain_id, name=name)):
                raise Conflict(resource="project",
                               reason=f"Duplicate entry found with name {name} at domain ID "
                               f"{domain_id}")
            project = Project(id=project_id or new_hex_id(), name=name, domain_id=domain_id,
                              parent_id=parent_id or domain_id, description=description or "",
                              enabled=enabled, is_domain=False, tags=tags or [],
                              options=options or {}, extra=extra or {})
            s.add(project)
        return project

    def get_project(self, project_id: str, allow_domain: bool = False) -> Project:
        """A project; with ``allow_domain`` a domain too (seen through the projects API)."""
        with self.db.reader() as s:
            row = s.get(Project, project_id)
        if row is None or (row.is_domain and not allow_domain):
            raise NotFound(resource="project", id=project_id)
        return row

    def get_project_by_name(self, name: str, domain_id: str) -> Project:
        with self.db.reader() as s:
            row = s.scalar(select(Project).filter_by(domain_id=domain_id, name=name,
                                                     is_domain=False))
        if row is None:
            raise NotFound(resource="project", id=name)
        return row

    def list_projects(self, filters: dict[str, Any] | None = None,
                      ids: set[str] | None = None) -> list[Project]:
        """Projects (or, with ``is_domain`` true, the domains) matching ``filters``."""
        filters = filters or {}
        with self.db.reader() as s:
            stmt = select(Project).filter_by(is_domain=bool(filters.get("is_domain")))
            stmt = stmt.order_by(Project.name)
            for key in ("name", "domain_id", "enabled", "parent_id"):
                if filters.get(key) is not None:
                    stmt = stmt.filter_by(**{key: filters[key]})
            if ids is not None:
                stmt = stmt.where(Project.id.in_(ids))
            rows = list(s.scalars(stmt))
        for key in ("tags", "tags-any", "not-tags", "not-tags-any"):
            wanted = filters.get(key)
            if not wanted:
                continue
            tags = set(wanted.split(","))
            if key == "tags":
                rows = [r for r in rows if tags <= set(r.tags or [])]
            elif key == "tags-any":
                rows = [r for r in rows if tags & set(r.tags or [])]
            elif key == "not-tags":
                rows = [r for r in rows if not tags <= set(r.tags or [])]
            else:
                rows = [r for r in rows if not tags & set(r.tags or [])]
        return rows

    def parents(self, project_id: str) -> list[Project]:
        with self.db.reader() as s:
            row = s.get(Project, project_id)
            return project_tree.parents(s, row) if row is not None else []

    def subtree(self, project_id: str) -> list[Project]:
        with self.db.reader() as s:
            return project_tree.subtree(s, project_id)

    @retry_on_lock()
    def update_project(self, project_id: str, changes: dict[str, Any]) -> Project:
        with self.db.writer() as s:
            row = s.get(Project, project_id)
            if row is None:
                raise NotFound(resource="project", id=project_id)
            if "is_domain" in changes and changes["is_domain"] != row.is_domain:
                raise BadRequest("Update of `is_domain` is not allowed.")
            if row.is_domain:
                return self.update_domain(project_id, changes)
            if "domain_id" in changes and changes["domain_id"] != row.domain_id:
                raise BadRequest("Update of `domain_id` is not allowed.")
            if "parent_id" in changes and changes["parent_id"] != row.parent_id:
                raise BadRequest("Update of `parent_id` is not allowed.")
            if "name" in changes and changes["name"] != row.name and s.scalar(
                    select(Project).filter_by(domain_id=row.domain_id, name=changes["name"])):
                raise Conflict(resource="project",
                               reason=f"Duplicate entry found with name {changes['name']} at "
                               f"domain ID {row.domain_id}")
            if "enabled" in changes:
                project_tree.check_enable_change(s, row, bool(changes["enabled"]))
            for key in ("name", "description", "enabled", "tags", "options"):
                if key in changes:
                    setattr(row, key, changes[key])
            extra = {k: v for k, v in changes.items() if k not in PROJECT_FIELDS}
            if extra:
                row.extra = {**(row.extra or {}), **extra}
        return row

    @retry_on_lock()
    def delete_project(self, project_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(Project, project_id)
            if row is None:
                raise NotFound(resource="project", id=project_id)
            if row.is_domain:
                self.delete_domain(project_id)
                return
            if project_tree.has_children(s, project_id):
                raise Forbidden(f"Cannot delete the project {project_id} since it is not a "
                                f"leaf in the hierarchy.")
            s.execute(delete(Assignment).where(Assignment.target_id == project_id))
            s.delete(row)


PROJECT_FIELDS = {"id", "name", "description", "enabled", "tags", "options", "domain_id",
                  "parent_id", "is_domain", "links"}
