"""Security groups, and each project's ``default`` group, made on first need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import default_sg_rules as template_db
from nimbus.network.db import models
from nimbus.network.db import ports as port_db
from nimbus.network.db import security_groups as group_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.schemas import views


class SecurityGroupManager:
    def __init__(self, db: Database, access: Access, driver: NetworkDriver) -> None:
        self.db = db
        self.access = access
        self.driver = driver

    def view(self, session: Session, row: models.SecurityGroup) -> dict[str, Any]:
        return views.security_group(row, group_db.rules(session, row.id))

    def default_group_id(self, session: Session, project_id: str) -> str:
        """The project's ``default`` group, created with Neutron's standard rules if missing."""
        link = group_db.default_link(session, project_id)
        if link is not None:
            return link.security_group_id
        group = models.SecurityGroup(project_id=project_id, name="default",
                                     description="Default security group", revision_number=1)
        session.add(group)
        session.flush()
        # Its rules come from the default security group rules (Neutron's standard four,
        # unless an admin changed them).
        template_db.instantiate(session, group, default=True)
        session.add(models.DefaultSecurityGroup(project_id=project_id,
                                                security_group_id=group.id))
        session.flush()
        return group.id

    @retry_on_lock()
    def ensure_default_group(self, project_id: str) -> None:
        if not project_id:
            return
        with self.db.reader() as session:
            if group_db.default_link(session, project_id) is not None:
                return
        with self.db.writer() as session:
            self.default_group_id(session, project_id)

    @retry_on_lock()
    def create_security_group(self, ctx: RequestContext,
                              attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or ctx.project_id or ""
        with self.db.writer() as session:
            self.default_group_id(session, project)
            if attrs.get("name") == "default":
                raise nerr.SecurityGroupDefaultAlreadyExists()
            self.access.check_quota(session, project, "security_group")
            row = models.SecurityGroup(project_id=project, name=attrs.get("name", ""),
                                       description=attrs.get("description", ""),
                                       stateful=attrs.get("stateful", True), revision_number=1)
            session.add(row)
            session.flush()
            template_db.instantiate(session, row, default=False)
            session.flush()
            view = self.view(session, row)
        self.driver.sync_security_group(view)
        return view

    def get_security_group(self, ctx: RequestContext, group_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = self.access.security_group(session, ctx, group_id, shared=True)
            return self.access.mark_shared(session, ctx, "security_group",
                                           [self.view(session, row)])[0]

    def list_security_groups(self, ctx: RequestContext, project_ids: Sequence[str] = (),
                             query: PageQuery | None = None, filters: Filters | None = None,
                             hidden: Hidden = ()) -> Page[dict[str, Any]]:
        """The groups the caller sees; the ``default`` group of each project asked for (the
        caller's own when none is) is made first, if the caller may make it."""
        for project in project_ids or [ctx.project_id or ""]:
            if ctx.is_admin or project == ctx.project_id:
                self.ensure_default_group(project)
        with self.db.reader() as session:
            seen = group_db.visible_groups(ctx.project_id, self.access.everything(ctx))
            page = group_db.list_groups(session, query or PageQuery(), filters or {}, hidden,
                                        seen)
            rules = group_db.rules_of(session, [row.id for row in page.items])
            return with_items(page, self.access.mark_shared(
                session, ctx, "security_group",
                [views.security_group(row, rules[row.id]) for row in page.items]))

    @retry_on_lock()
    def update_security_group(self, ctx: RequestContext, group_id: str,
                              attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.security_group(session, ctx, group_id)
            if row.name == "default" and attrs.get("name", "default") != "default":
                raise nerr.Conflict(reason="Updating default security group not allowed.",
                                    neutron_type="SecurityGroupCannotUpdateDefault")
            if attrs.get("name") == "default" and row.name != "default":
                raise nerr.SecurityGroupDefaultAlreadyExists()
            for key, value in attrs.items():
                if key != "project_id":
                    setattr(row, key, value)
            row.touch()
            return self.view(session, row)

    @retry_on_lock()
    def delete_security_group(self, ctx: RequestContext, group_id: str) -> None:
        with self.db.writer() as session:
            row = self.access.security_group(session, ctx, group_id)
            link = group_db.default_link(session, row.project_id)
            if link is not None and link.security_group_id == group_id:
                if not ctx.is_admin:
                    raise nerr.SecurityGroupCannotRemoveDefault()
                session.delete(link)
            # Any project's port: one an RBAC policy let use the group holds it too.
            if port_db.using_group(session, None, group_id) is not None:
                raise nerr.SecurityGroupInUse(id=group_id)
            view = self.view(session, row)
            for rule in group_db.rules(session, group_id):
                session.delete(rule)
            session.flush()
            session.delete(row)
        self.driver.delete_security_group(view)
