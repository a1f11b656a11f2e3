"""Trunks (Neutron's ``trunk``): one guest port, the parent, that also carries other ports'
networks, each subport told apart by its VLAN on the parent's wire.

A subport belongs to its trunk (``device_owner`` ``trunk:subport``, ``device_id`` the trunk's
id) and is bound wherever its parent is: when the parent moves, its subports move with it
(``PortManager``). On the linux data plane a subport is a VLAN device on the parent's tap,
in the subport network's bridge, so the guest sees the subport's network as a VLAN on its NIC.
A trunk's status follows its ports: DOWN until the parent is up on a host, BUILD while a
subport is being wired there, ACTIVE after.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import trunks as trunk_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.ports import PortManager
from nimbus.network.manager.trunk_ports import OWNER_SUBPORT
from nimbus.network.schemas import trunk_views as views

# Segmentation types and the ids each allows (Neutron's linuxbridge trunk driver: VLAN only).
SEGMENTATION = {"vlan": range(1, 4095)}
INHERIT = "inherit"


class TrunkManager:
    def __init__(self, db: Database, access: Access, ports: PortManager,
                 driver: NetworkDriver) -> None:
        self.db = db
        self.access = access
        self.ports = ports
        self.driver = driver

    # -- views -----------------------------------------------------------------------------
    def _views(self, session: Session, rows: Sequence[models.Trunk]) -> list[dict[str, Any]]:
        subs = trunk_db.subports(session, [r.id for r in rows])
        wanted = {r.port_id for r in rows} | {s.port_id for ss in subs.values() for s in ss}
        ports = port_db.many(session, wanted)
        return [views.trunk(r, subs[r.id], ports) for r in rows]

    def _view(self, session: Session, row: models.Trunk) -> dict[str, Any]:
        return self._views(session, [row])[0]

    def _trunk(self, session: Session, ctx: RequestContext, trunk_id: str) -> models.Trunk:
        row = trunk_db.get(session, trunk_id)
        if row is None or not self.access.owns(ctx, row):
            raise nerr.TrunkNotFound(trunk_id=trunk_id)
        return row

    # -- CRUD --------------------------------------------------------------------------------
    def list_trunks(self, ctx: RequestContext, query: PageQuery | None = None,
                    filters: Filters | None = None,
                    hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = trunk_db.visible(ctx.project_id, self.access.everything(ctx))
            page = trunk_db.list_page(session, query or PageQuery(), filters or {}, hidden,
                                      seen)
            return with_items(page, self._views(session, page.items))

    def get_trunk(self, ctx: RequestContext, trunk_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self._view(session, self._trunk(session, ctx, trunk_id))

    @retry_on_lock()
    def create_trunk(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            parent = self.access.port(session, ctx, attrs["port_id"])
            if trunk_db.subport(session, parent.id) is not None:
                raise nerr.TrunkPortInUse(port_id=parent.id)
            if trunk_db.with_parent(session, parent.id) is not None:
                raise nerr.ParentPortInUse(port_id=parent.id)
            row = models.Trunk(project_id=attrs.get("project_id") or ctx.project_id or "",
                               name=attrs.get("name") or "",
                               description=attrs.get("description") or "",
                               admin_state_up=attrs.get("admin_state_up", True),
                               port_id=parent.id, revision_number=1, tags=[])
            session.add(row)
            session.flush()
            moved = self._add(session, ctx, row, parent, attrs.get("sub_ports") or [])
            view = self._view(session, row)
        self._announce(moved)
        return view

    @retry_on_lock()
    def update_trunk(self, ctx: RequestContext, trunk_id: str,
                     attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._trunk(session, ctx, trunk_id)
            for key in ("name", "description", "admin_state_up"):
                if key in attrs and attrs[key] is not None:
                    setattr(row, key, attrs[key])
            row.touch()
            session.flush()
            return self._view(session, row)

    @retry_on_lock()
    def delete_trunk(self, ctx: RequestContext, trunk_id: str) -> None:
        """Delete a trunk; its subports become plain, unbound ports again."""
        with self.db.writer() as session:
            row = self._trunk(session, ctx, trunk_id)
            subs = trunk_db.subports(session, [row.id])[row.id]
            moved = self._release(session, subs)
            session.flush()
            session.delete(row)
        self._announce(moved)

    # -- subports ----------------------------------------------------------------------------
    def get_subports(self, ctx: RequestContext, trunk_id: str) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            row = self._trunk(session, ctx, trunk_id)
            return [views.subport(s) for s in trunk_db.subports(session, [row.id])[row.id]]

    @retry_on_lock()
    def add_subports(self, ctx: RequestContext, trunk_id: str,
                     subports: list[dict[str, Any]]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._trunk(session, ctx, trunk_id)
            if not row.admin_state_up:
                raise nerr.TrunkDisabled(trunk_id=row.id)
            parent = port_db.get(session, row.port_id)
            assert parent is not None     # a trunk's parent cannot be deleted
            moved = self._add(session, ctx, row, parent, subports)
            row.touch()
            session.flush()
            view = self._view(session, row)
        self._announce(moved)
        return view

    @retry_on_lock()
    def remove_subports(self, ctx: RequestContext, trunk_id: str,
                        subports: list[dict[str, Any]]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._trunk(session, ctx, trunk_id)
            if not row.admin_state_up:
                raise nerr.TrunkDisabled(trunk_id=row.id)
            gone = []
            for wanted in subports:
                sub = trunk_db.subport(session, str(wanted["port_id"]))
                if sub is None or sub.trunk_id != row.id:
                    raise nerr.SubPortNotFound(trunk_id=row.id, port_id=wanted["port_id"])
                gone.append(sub)
            moved = self._release(session, gone)
            row.touch()
            session.flush()
            view = self._view(session, row)
        self._announce(moved)
        return view

    def _add(self, session: Session, ctx: RequestContext, row: models.Trunk,
             parent: models.Port, subports: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Validate and add subports (Neutron's ``SubPortsValidator``), and bind each where
        the parent is; the ports' views, for the driver."""
        taken = {(s.segmentation_type, s.segmentation_id)
                 for s in trunk_db.subports(session, [row.id])[row.id]}
        parent_net = network_db.get(session, parent.network_id)
        seen: set[str] = set()
        moved = []
        for wanted in subports:
            port = self.access.port(session, ctx, str(wanted["port_id"]))
            if port.id in seen:
                raise nerr.InvalidInput(error_message=f"Duplicate port {port.id} in the "
                                        "subports of the request")
            seen.add(port.id)
            if port.id == parent.id:
                raise nerr.ParentPortInUse(port_id=port.id)
            net = network_db.get(session, port.network_id)
            if net is not None and parent_net is not None and net.mtu > parent_net.mtu:
                raise nerr.SubPortMtuGreaterThanTrunkPortMtu(
                    port_id=port.id, port_mtu=net.mtu, trunk_id=row.id,
                    trunk_mtu=parent_net.mtu)
            segment = _segment(wanted, net)
            if trunk_db.subport(session, port.id) is not None:
                raise nerr.TrunkPortInUse(port_id=port.id)
            if trunk_db.with_parent(session, port.id) is not None:
                raise nerr.ParentPortInUse(port_id=port.id)
            if port.device_id:
                raise nerr.PortInUse(id=port.id, net_id=port.network_id,
                                     device_id=port.device_id)
            if segment in taken:
                raise nerr.DuplicateSubPort(segmentation_type=segment[0],
                                            segmentation_id=segment[1], trunk_id=row.id)
            taken.add(segment)
            session.add(models.SubPort(port_id=port.id, trunk_id=row.id,
                                       segmentation_type=segment[0],
                                       segmentation_id=segment[1]))
            port.device_owner, port.device_id = OWNER_SUBPORT, row.id
            moved.append(self.ports.rebind_in(session, port, parent.host_id))
        session.flush()
        return moved

    def _release(self, session: Session, subs: list[models.SubPort]) -> list[dict[str, Any]]:
        """Take subports off their trunk: plain, unbound ports again."""
        moved = []
        for sub in subs:
            port = port_db.get(session, sub.port_id)
            session.delete(sub)
            if port is not None:
                if port.device_owner == OWNER_SUBPORT:
                    port.device_owner, port.device_id = "", ""
                moved.append(self.ports.rebind_in(session, port, ""))
        return moved

    def _announce(self, ports: list[dict[str, Any]]) -> None:
        """The data plane hears of the subports that were bound or unbound."""
        for view in ports:
            if view["binding:host_id"]:
                self.driver.port_bound(view)
            else:
                self.driver.unbind_port(view)


def _segment(wanted: dict[str, Any], net: models.Network | None) -> tuple[str, int]:
    kind = wanted.get("segmentation_type")
    number = wanted.get("segmentation_id")
    if kind == INHERIT:
        # The subport's own network's segment (a VLAN provider network's tag).
        kind = net.network_type if net is not None else None
        number = net.segmentation_id if net is not None else None
    if kind is None or number is None:
        raise nerr.InvalidInput(error_message=f"Invalid subport details '{wanted}': missing "
                                "segmentation information. Must specify both "
                                "segmentation_id and segmentation_type")
    if kind not in SEGMENTATION:
        raise nerr.InvalidInput(error_message=f"Unknown segmentation_type '{kind}'")
    if int(number) not in SEGMENTATION[kind]:
        raise nerr.InvalidInput(error_message=f"Segmentation ID '{number}' is not in range")
    return str(kind), int(number)

