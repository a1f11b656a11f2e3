"""Address scopes (Neutron's ``address-scope``): a project's, or shared with every project by
an admin. Subnet pools join a scope of their IP version; a scope they are in is not deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import addressing as db
from nimbus.network.db import models
from nimbus.network.db import rbac as rbac_db
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.schemas import addressing_views as views


class AddressScopeManager:
    def __init__(self, database: Database, access: Access) -> None:
        self.db = database
        self.access = access

    def scope(self, session: Session, ctx: RequestContext,
              scope_id: str) -> models.AddressScope:
        """The scope, when the caller may see (and use) it: its own or a shared one."""
        row = db.scope(session, scope_id)
        if row is None or not self.access.usable(session, ctx, "address_scope", row):
            raise nerr.AddressScopeNotFound(address_scope_id=scope_id)
        return row

    def list_scopes(self, ctx: RequestContext, query: PageQuery | None = None,
                    filters: Filters | None = None,
                    hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = db.visible(models.AddressScope, ctx.project_id, self.access.everything(ctx))
            page = db.list_scopes(session, query or PageQuery(), filters or {}, hidden, seen)
            items = [views.address_scope(r) for r in page.items]
            return with_items(page, self.access.mark_shared(session, ctx, "address_scope",
                                                            items))

    def get_scope(self, ctx: RequestContext, scope_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            item = views.address_scope(self.scope(session, ctx, scope_id))
            return self.access.mark_shared(session, ctx, "address_scope", [item])[0]

    @retry_on_lock()
    def create_scope(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or attrs.get("tenant_id") or ctx.project_id or ""
        with self.db.writer() as session:
            row = models.AddressScope(project_id=project, name=attrs.get("name") or "",
                                      description=attrs.get("description") or "",
                                      ip_version=int(attrs["ip_version"]),
                                      shared=bool(attrs.get("shared", False)),
                                      revision_number=0)
            session.add(row)
            session.flush()
            return views.address_scope(row)

    @retry_on_lock()
    def update_scope(self, ctx: RequestContext, scope_id: str,
                     attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.scope(session, ctx, scope_id)
            if row.shared and attrs.get("shared") is False:
                # Neutron keeps a shared scope shared: other projects' pools may be in it.
                raise nerr.BadRequest(resource="address_scope",
                                      msg="Cannot unshare an address scope")
            for key in ("name", "description", "shared"):
                if key in attrs and attrs[key] is not None:
                    setattr(row, key, attrs[key])
            row.touch()
            return views.address_scope(row)

    @retry_on_lock()
    def delete_scope(self, ctx: RequestContext, scope_id: str) -> None:
        with self.db.writer() as session:
            row = self.scope(session, ctx, scope_id)
            if db.pools_in_scope(session, row.id):
                raise nerr.AddressScopeInUse(address_scope_id=row.id)
            rbac_db.drop_for(session, "address_scope", row.id)
            session.delete(row)
