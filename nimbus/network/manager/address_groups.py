"""Address groups (Neutron's ``address-group``): a project's named set of prefixes, which
security group rules name as their remote end (``remote_address_group_id``).

The owner changes the set only through ``add_addresses`` and ``remove_addresses``; adding a
prefix the group has, or removing one it lacks, is refused whole, as in Neutron. An RBAC policy
(``rbac-address-group``) lets another project see the group and use it in its rules. A group
some rule names is not deleted; when its prefixes change, every security group with such a
rule is applied again, since the data plane matches the prefixes themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import iso
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import address_groups as db
from nimbus.network.db import models
from nimbus.network.db import rbac as rbac_db
from nimbus.network.db import security_groups as group_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.security_groups import SecurityGroupManager


def view(row: models.AddressGroup, addresses: list[str]) -> dict[str, Any]:
    """What Neutron shows: no tags and no ``shared`` (kept for RBAC only)."""
    return {"id": row.id, "name": row.name, "description": row.description,
            "project_id": row.project_id, "tenant_id": row.project_id,
            "addresses": addresses, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at), "revision_number": row.revision_number}


class AddressGroupManager:
    def __init__(self, database: Database, access: Access, driver: NetworkDriver,
                 groups: SecurityGroupManager) -> None:
        self.db = database
        self.access = access
        self.driver = driver
        self.groups = groups

    def _views(self, session: Session,
               rows: Sequence[models.AddressGroup]) -> list[dict[str, Any]]:
        addresses = db.addresses_of(session, [r.id for r in rows])
        return [view(r, addresses[r.id]) for r in rows]

    def list_groups(self, ctx: RequestContext, query: PageQuery | None = None,
                    filters: Filters | None = None,
                    hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = db.visible(ctx.project_id, self.access.everything(ctx))
            page = db.list_page(session, query or PageQuery(), filters or {}, hidden, seen)
            return with_items(page, self._views(session, page.items))

    def get_group(self, ctx: RequestContext, group_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = self.access.address_group(session, ctx, group_id)
            return self._views(session, [row])[0]

    def shared_with(self, ctx: RequestContext, group_id: str) -> bool:
        """Whether an RBAC policy shares the group with the caller's project (policy's
        ``shared_address_groups``)."""
        with self.db.reader() as session:
            return rbac_db.grants(session, db.RBAC_TYPE, group_id, ctx.project_id)

    @retry_on_lock()
    def create_group(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or ctx.project_id or ""
        with self.db.writer() as session:
            row = models.AddressGroup(project_id=project, name=attrs.get("name") or "",
                                      description=attrs.get("description") or "",
                                      revision_number=0)
            session.add(row)
            session.flush()
            if attrs.get("addresses"):
                # Neutron makes the group, then adds its addresses: a change of its own.
                db.add_addresses(session, row.id, attrs["addresses"])
                row.touch()
                session.flush()
            return self._views(session, [row])[0]

    @retry_on_lock()
    def update_group(self, ctx: RequestContext, group_id: str,
                     attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.address_group(session, ctx, group_id)
            changed = {k: v for k, v in attrs.items()
                       if k in ("name", "description") and getattr(row, k) != v}
            for key, value in changed.items():
                setattr(row, key, value)
            if changed:
                row.touch()
            return self._views(session, [row])[0]

    @retry_on_lock()
    def delete_group(self, ctx: RequestContext, group_id: str) -> None:
        with self.db.writer() as session:
            row = self.access.address_group(session, ctx, group_id)
            # Any project's rule counts, seen or not, as in Neutron.
            if db.groups_using(session, row.id):
                raise nerr.AddressGroupInUse(address_group_id=row.id)
            rbac_db.drop_for(session, db.RBAC_TYPE, row.id)
            session.delete(row)

    def add_addresses(self, ctx: RequestContext, group_id: str,
                      addresses: list[str]) -> dict[str, Any]:
        return self._change(ctx, group_id, addresses, adding=True)

    def remove_addresses(self, ctx: RequestContext, group_id: str,
                         addresses: list[str]) -> dict[str, Any]:
        return self._change(ctx, group_id, addresses, adding=False)

    @retry_on_lock()
    def _change(self, ctx: RequestContext, group_id: str, addresses: list[str],
                adding: bool) -> dict[str, Any]:
        wanted = set(addresses)
        users: list[dict[str, Any]] = []
        with self.db.writer() as session:
            row = self.access.address_group(session, ctx, group_id)
            if wanted:
                # Written first: the row lock orders concurrent changes of one group, so the
                # check below sees what the one before committed.
                row.touch()
                session.flush()
            has = set(db.addresses_of(session, [row.id])[row.id])
            if adding and wanted & has:
                raise nerr.AddressesAlreadyExist(addresses=sorted(wanted & has),
                                                 address_group_id=row.id)
            if not adding and wanted - has:
                raise nerr.AddressesNotFound(addresses=sorted(wanted - has),
                                             address_group_id=row.id)
            if adding:
                db.add_addresses(session, row.id, wanted)
            else:
                db.remove_addresses(session, row.id, wanted)
            session.flush()
            result = self._views(session, [row])[0]
            for user_id in db.groups_using(session, row.id) if wanted else []:
                user = group_db.get(session, user_id)
                if user is not None:
                    users.append(self.groups.view(session, user))
        for group_view in users:
            self.driver.sync_security_group(group_view)
        return result
