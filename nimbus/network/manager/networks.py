"""Networks: ownership, sharing, segments, and what may be deleted when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import floating_ips as fip_db
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import qos as qos_db
from nimbus.network.db import rbac as rbac_db
from nimbus.network.db import segments as segment_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager import segments
from nimbus.network.manager.access import Access, QosCheck
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.schemas import views
from nimbus.network.states import NETWORK_STATUS

# API attribute -> column, where they differ.
_COLUMNS = {"router:external": "external", "provider:network_type": "network_type",
            "provider:physical_network": "physical_network",
            "provider:segmentation_id": "segmentation_id"}


def _apply(row: models.Network, attrs: dict[str, Any]) -> None:
    for key, value in attrs.items():
        setattr(row, _COLUMNS.get(key, key), value)


def _check_default(session: Session, row: models.Network) -> None:
    """One default external network at most, and only an external network is one."""
    if not row.is_default:
        return
    if not row.external:
        raise nerr.InvalidInput(error_message="Only an external network (router:external) "
                                "can be the default one (is_default)")
    other = network_db.default_external(session)
    if other is not None and other.id != row.id:
        raise nerr.Conflict(reason=f"Unable to mark network {row.id} as the default external "
                            f"network: {other.id} is the default already",
                            neutron_type="DefaultExternalNetworkExists")


def _no_qos(session: Session, ctx: RequestContext, policy_id: str | None,
            project_id: str) -> None:
    """Until the QoS manager is wired in: any policy id is taken as given."""


class NetworkManager:
    def __init__(self, db: Database, access: Access, driver: NetworkDriver) -> None:
        self.db = db
        self.access = access
        self.driver = driver
        self.check_qos: QosCheck = _no_qos

    def view(self, session: Session, row: models.Network) -> dict[str, Any]:
        return views.network(row, network_db.subnet_ids(session, [row.id])[row.id])

    @retry_on_lock()
    def create_network(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = dict(attrs)
        project = attrs.pop("project_id", None) or ctx.project_id or ""
        with self.db.writer() as session:
            self.access.check_quota(session, project, "network")
            row = models.Network(project_id=project, status=NETWORK_STATUS.start(c.ACTIVE))
            if "qos_policy_id" in attrs:
                self.check_qos(session, ctx, attrs["qos_policy_id"], project)
            else:
                # qos-default: the project's default policy, when it has one.
                default = qos_db.default_of(session, project)
                attrs["qos_policy_id"] = default.id if default is not None else None
            _apply(row, attrs)
            _check_default(session, row)
            if row.segmentation_id is None and row.network_type in (None, "vxlan"):
                row.segmentation_id = network_db.next_segment(session)
            row.revision_number = 1
            session.add(row)
            session.flush()
            segments.add_first(session, row)
            view = self.view(session, row)
        self.driver.create_network(view)
        return view

    def get_network(self, ctx: RequestContext, net_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            item = self.view(session, self.access.network(session, ctx, net_id))
            return self.access.mark_shared(session, ctx, "network", [item])[0]

    def shared_with(self, ctx: RequestContext, net_id: str) -> bool:
        """Whether an RBAC policy shares the network with the caller's project."""
        with self.db.reader() as session:
            return rbac_db.grants(session, "network", net_id, ctx.project_id)

    def list_networks(self, ctx: RequestContext, query: PageQuery | None = None,
                      filters: Filters | None = None,
                      hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = network_db.visible(ctx.project_id, self.access.everything(ctx))
            page = network_db.list_page(session, query or PageQuery(), filters or {}, hidden,
                                        seen)
            subnets = network_db.subnet_ids(session, [row.id for row in page.items])
            items = [views.network(row, subnets[row.id]) for row in page.items]
            return with_items(page, self.access.mark_shared(session, ctx, "network", items))

    def find(self, name: str, project_id: str) -> dict[str, Any] | None:
        with self.db.reader() as session:
            row = network_db.find(session, name, project_id)
            return self.view(session, row) if row is not None else None

    @retry_on_lock()
    def update_network(self, ctx: RequestContext, net_id: str,
                       attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.network(session, ctx, net_id)
            if attrs.get("shared") is False and row.shared:
                foreign = network_db.foreign_port(session, net_id, row.project_id,
                                                  c.ROUTER_OWNERS + c.AUTO_DELETE_OWNERS)
                if foreign is not None:
                    raise nerr.InvalidInput(error_message=f"Unable to reconfigure sharing "
                                            f"settings for network {net_id}. Multiple tenants "
                                            "are using it")
            if attrs.get("qos_policy_id"):
                self.check_qos(session, ctx, attrs["qos_policy_id"], row.project_id)
            _apply(row, attrs)
            _check_default(session, row)
            row.touch()
            return self.view(session, row)

    @retry_on_lock()
    def delete_network(self, ctx: RequestContext, net_id: str) -> None:
        with self.db.writer() as session:
            row = self.access.network(session, ctx, net_id)
            # Floating IPs that nothing uses go with their external network (Neutron's
            # ``delete_disassociated_floatingips``); an associated one keeps it in use.
            for fip in fip_db.unassociated_on(session, net_id):
                port = port_db.get(session, fip.floating_port_id)
                if port is not None:
                    port_db.drop(session, port)
                session.delete(fip)
            session.flush()
            ports = network_db.ports(session, net_id)
            if any(p.device_owner not in c.AUTO_DELETE_OWNERS for p in ports):
                raise nerr.NetworkInUse(id=net_id)
            for port in ports:
                port_db.drop(session, port)
            for subnet in network_db.subnets(session, net_id):
                session.delete(subnet)
            for segment in segment_db.of_network(session, net_id):
                session.delete(segment)
            session.flush()
            view = views.network(row, [])
            rbac_db.drop_for(session, "network", row.id)
            session.delete(row)
        self.driver.delete_network(view)
