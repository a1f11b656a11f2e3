"""Routers' conntrack helpers (Neutron's ``l3-conntrack-helper``): the kernel follows the
connections to a port through the router with a protocol helper (ftp, sip, tftp...), which lets
the related connections it announces (an FTP data connection, say) through the router and its
NAT.

Which helper may run over which protocol is the operator's ``allowed_conntrack_helpers``, as in
Neutron. A helper belongs to its router: it is seen, changed and deleted by those who may see
the router (another project's router does not exist for the caller) and goes with it. The
router's namespace assigns the helpers with nftables (``drivers/linux/cthelpers.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import NimbusError
from nimbus.network import errors as nerr
from nimbus.network.db import conntrack_helpers as db
from nimbus.network.db import models
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items

RESOURCE = "conntrack_helper"


def view(row: models.ConntrackHelper) -> dict[str, Any]:
    # Neutron keeps the project off the wire: the router says whose it is.
    return {"id": row.id, "protocol": row.protocol, "port": row.port, "helper": row.helper}


def allowed_helpers(entries: Iterable[str]) -> dict[str, list[str]]:
    """``helper:protocol`` settings as each helper's protocols, in the order given (one helper
    may be listed once per protocol)."""
    found: dict[str, list[str]] = {}
    for entry in entries:
        helper, _, protocol = entry.strip().rpartition(":")
        if helper and protocol:
            found.setdefault(helper, []).append(protocol)
    return found


class ConntrackHelperManager:
    def __init__(self, db: Database, access: Access, allowed: Iterable[str],
                 sync_router: Callable[[str], None] | None = None) -> None:
        self.db = db
        self.access = access
        self.allowed = allowed_helpers(allowed)
        # Hands the router to its driver again (``RouterManager.sync``): its agent converges.
        self.sync_router = sync_router

    def list_helpers(self, ctx: RequestContext, router_id: str,
                     query: PageQuery | None = None, filters: Filters | None = None,
                     hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            router = self.access.router(session, ctx, router_id)
            page = db.list_page(session, router.id, query or PageQuery(), filters or {},
                                hidden)
            return with_items(page, [view(r) for r in page.items])

    def get_helper(self, ctx: RequestContext, router_id: str, helper_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return view(self._row(session, ctx, router_id, helper_id))

    def _row(self, session: Session, ctx: RequestContext, router_id: str,
             helper_id: str) -> models.ConntrackHelper:
        router = self.access.router(session, ctx, router_id)
        row = db.get(session, helper_id)
        if row is None or row.router_id != router.id:
            raise nerr.ConntrackHelperNotFound(id=helper_id)
        return row

    @retry_on_lock()
    def create_helper(self, ctx: RequestContext, router_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            with self.db.writer() as session:
                router = self.access.router(session, ctx, router_id)
                row = models.ConntrackHelper(router_id=router.id, protocol=attrs["protocol"],
                                             port=attrs["port"], helper=attrs["helper"])
                self._check(session, row)
                session.add(row)
                session.flush()
                shown = view(row)
        except IntegrityError:
            raise self._lost_race(ctx, router_id, attrs) from None
        self._changed(router_id)
        return shown

    @retry_on_lock()
    def update_helper(self, ctx: RequestContext, router_id: str, helper_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            with self.db.writer() as session:
                row = self._row(session, ctx, router_id, helper_id)
                for key in ("protocol", "port", "helper"):
                    if attrs.get(key) is not None:
                        setattr(row, key, attrs[key])
                self._check(session, row)
                session.flush()
                shown = view(row)
        except IntegrityError:
            raise self._lost_race(ctx, router_id, attrs) from None
        self._changed(router_id)
        return shown

    @retry_on_lock()
    def delete_helper(self, ctx: RequestContext, router_id: str, helper_id: str) -> None:
        with self.db.writer() as session:
            session.delete(self._row(session, ctx, router_id, helper_id))
        self._changed(router_id)

    def _check(self, session: Session, row: models.ConntrackHelper) -> None:
        """The helper is allowed over its protocol, and the router has no such rule yet."""
        protocols = self.allowed.get(row.helper)
        if protocols is None:
            raise nerr.ConntrackHelperNotAllowed(helper=row.helper)
        if row.protocol not in protocols:
            raise nerr.InvalidProtocolForHelper(helper=row.helper, protocol=row.protocol,
                                                supported_protocols=", ".join(protocols))
        if db.same_rule(session, row) is not None:
            raise _duplicate(row.router_id, row.protocol, row.port, row.helper)

    def _lost_race(self, ctx: RequestContext, router_id: str,
                   attrs: dict[str, Any]) -> NimbusError:
        """What a write refused by the database met: the router went meanwhile, or another
        request made the same rule first (the unique constraint caught it)."""
        with self.db.reader() as session:
            self.access.router(session, ctx, router_id)
        return _duplicate(router_id, attrs.get("protocol"), attrs.get("port"),
                          attrs.get("helper"))

    def _changed(self, router_id: str) -> None:
        if self.sync_router is not None:
            self.sync_router(router_id)


def _duplicate(router_id: str, protocol: Any, port: Any, helper: Any) -> nerr.BadRequest:
    values = {"router_id": router_id, "protocol": protocol, "port": port, "helper": helper}
    return nerr.BadRequest(resource=RESOURCE, msg="A duplicate conntrack helper entry with "
                           f"same attributes already exists, conflicting values are {values}")
