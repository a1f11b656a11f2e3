"""Domains and projects (a domain is stored as a project with ``is_domain``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.base import new_hex_id
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound
from nimbus.identity.constants import DEFAULT_DOMAIN, ROOT_DOMAIN
from nimbus.identity.db import projects as q
from nimbus.identity.db.models import Project
from nimbus.identity.manager import project_tree

PROJECT_FIELDS = {"id", "name", "description", "enabled", "tags", "options", "domain_id",
                  "parent_id", "is_domain", "links"}
# Attributes a project update may set; tags go through ``_set`` to keep their rows in step.
UPDATABLE = ("name", "description", "enabled", "tags", "options")


class ResourceManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- domains ----------------------------------------------------------------------------
    @retry_on_lock()
    def create_domain(self, name: str, description: str = "", enabled: bool = True,
                      domain_id: str | None = None, tags: list[str] | None = None,
                      options: dict[str, Any] | None = None) -> Project:
        with self.db.writer() as s:
            if q.domain_by_name(s, name):
                raise Conflict(resource="domain", reason=f"Duplicate entry found with name {name}")
            if domain_id is not None and s.get(Project, domain_id) is not None:
                raise Conflict(resource="domain", reason=f"Duplicate ID, {domain_id}")
            domain = Project(id=domain_id or new_hex_id(), name=name, domain_id=ROOT_DOMAIN,
                             description=description, enabled=enabled, is_domain=True,
                             tags=[], options=options or {})
            s.add(domain)
            q.set_tags(s, domain, tags or [])
        return domain

    def get_domain(self, domain_id: str) -> Project:
        with self.db.reader() as s:
            row = s.get(Project, domain_id)
        if row is None or not row.is_domain:
            raise NotFound(resource="domain", id=domain_id)
        return row

    def get_domain_by_name(self, name: str) -> Project:
        with self.db.reader() as s:
            row = q.domain_by_name(s, name)
        if row is None:
            raise NotFound(resource="domain", id=name)
        return row

    def list_domains(self, name: str | None = None, enabled: bool | None = None,
                     ids: set[str] | None = None) -> list[Project]:
        with self.db.reader() as s:
            return q.list_projects(s, self._domain_filters(name, enabled), ids)

    def page_domains(self, query: PageQuery, max_limit: int, name: str | None = None,
                     enabled: bool | None = None) -> Page[Project]:
        """One page of the domains, in id order (Keystone pages them as the projects they are)."""
        with self.db.reader() as s:
            return q.page_projects(s, self._domain_filters(name, enabled), query, max_limit)

    @staticmethod
    def _domain_filters(name: str | None, enabled: bool | None) -> dict[str, Any]:
        return {"is_domain": True, "name": name, "enabled": enabled}

    @retry_on_lock()
    def update_domain(self, domain_id: str, changes: dict[str, Any]) -> Project:
        with self.db.writer() as s:
            row = s.get(Project, domain_id)
            if row is None or not row.is_domain:
                raise NotFound(resource="domain", id=domain_id)
            if domain_id == DEFAULT_DOMAIN and changes.get("enabled") is False:
                raise Forbidden("The default domain cannot be disabled.")
            self._set(s, row, changes)
        return row

    @staticmethod
    def _set(s: Session, row: Project, changes: dict[str, Any]) -> None:
        for key in UPDATABLE:
            if key not in changes:
                continue
            if key == "tags":
                q.set_tags(s, row, list(changes["tags"] or []))
            else:
                setattr(row, key, changes[key])

    @retry_on_lock()
    def delete_domain(self, domain_id: str) -> None:
        """Delete a disabled domain and everything in it: projects, users, groups, its roles."""
        with self.db.writer() as s:
            row = s.get(Project, domain_id)
            if row is None or not row.is_domain:
                raise NotFound(resource="domain", id=domain_id)
            if row.enabled:
                raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
            q.delete_domain(s, row)

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
            if q.project_by_name(s, domain_id, name):
                raise Conflict(resource="project",
                               reason=f"Duplicate entry found with name {name} at domain ID "
                               f"{domain_id}")
            if project_id is not None and s.get(Project, project_id) is not None:
                raise Conflict(resource="project", reason=f"Duplicate ID, {project_id}")
            project = Project(id=project_id or new_hex_id(), name=name, domain_id=domain_id,
                              parent_id=parent_id or domain_id, description=description or "",
                              enabled=enabled, is_domain=False, tags=[],
                              options=options or {}, extra=extra or {})
            s.add(project)
            q.set_tags(s, project, tags or [])
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
            row = q.project_by_name(s, domain_id, name, projects_only=True)
        if row is None:
            raise NotFound(resource="project", id=name)
        return row

    def list_projects(self, filters: dict[str, Any] | None = None,
                      ids: set[str] | None = None) -> list[Project]:
        """Projects (or, with ``is_domain`` true, the domains) matching ``filters``, by name."""
        with self.db.reader() as s:
            return q.list_projects(s, filters or {}, ids)

    def page_projects(self, filters: dict[str, Any], query: PageQuery,
                      max_limit: int) -> Page[Project]:
        """One page of them, in id order (Keystone's paging)."""
        with self.db.reader() as s:
            return q.page_projects(s, filters, query, max_limit)

    def parents(self, project_id: str) -> list[Project]:
        with self.db.reader() as s:
            row = s.get(Project, project_id)
            return q.parents(s, row) if row is not None else []

    def subtree(self, project_id: str) -> list[Project]:
        with self.db.reader() as s:
            return q.subtree(s, project_id)

    def by_ids(self, ids: set[str]) -> list[Project]:
        with self.db.reader() as s:
            return q.by_ids(s, ids)

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
            if "name" in changes and changes["name"] != row.name and q.project_by_name(
                    s, row.domain_id, changes["name"]):
                raise Conflict(resource="project",
                               reason=f"Duplicate entry found with name {changes['name']} at "
                               f"domain ID {row.domain_id}")
            if "enabled" in changes:
                project_tree.check_enable_change(s, row, bool(changes["enabled"]))
            self._set(s, row, changes)
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
            if q.has_children(s, project_id):
                raise Forbidden(f"Cannot delete the project {project_id} since it is not a "
                                f"leaf in the hierarchy.")
            q.delete_project(s, row)
