"""Ports: addresses, security groups, and binding to a host."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import NimbusError
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import floating_ips as fip_db
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import port_forwardings as pf_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import rbac as rbac_db
from nimbus.network.db import security_groups as group_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager import addresses, trunk_ports
from nimbus.network.manager.access import Access, QosCheck
from nimbus.network.manager.compute_events import ComputeEvents
from nimbus.network.manager.events import Notifier
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.qos_allocations import QosAllocations
from nimbus.network.manager.resource_requests import resource_requests
from nimbus.network.manager.security_groups import SecurityGroupManager
from nimbus.network.schemas import views
from nimbus.network.states import FLOATINGIP_STATUS, PORT_STATUS

# API attribute -> column, where they differ.
_BINDING = {"binding:host_id": "host_id", "binding:vnic_type": "vnic_type",
            "binding:profile": "profile"}
_PLAIN = ("name", "description", "admin_state_up", "device_id", "device_owner", "dns_name",
          "dns_domain", "mac_learning_enabled")


class PortManager:
    def __init__(self, db: Database, access: Access, driver: NetworkDriver,
                 groups: SecurityGroupManager, notifier: Notifier,
                 events: ComputeEvents | None = None) -> None:
        self.db = db
        self.access = access
        self.driver = driver
        self.groups = groups
        self.notifier = notifier
        self.events = events or ComputeEvents(None)
        self.check_qos: QosCheck = lambda session, ctx, policy_id, project: None
        # A bound port's claim in Placement, changed with its policy (set at build).
        self.qos_allocations = QosAllocations(None)
        driver.set_wiring_listener(self.port_wired)

    def view(self, session: Session, row: models.Port) -> dict[str, Any]:
        view = {**views.port(row, port_db.allocations(session, row.id)),
                "resource_request": resource_requests(session, [row])[row.id]}
        details = trunk_ports.trunk_details(session, [row])
        if details:
            view["trunk_details"] = details[row.id]
        return view

    # -- CRUD -------------------------------------------------------------------------------
    @retry_on_lock()
    def create_port(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            view = self.create_port_in(session, ctx, attrs)
        if view["binding:host_id"]:
            self.driver.port_bound(view)
        self.notifier.notify("port.create.end", {"port": view})
        return view

    def create_port_in(self, session: Session, ctx: RequestContext, attrs: dict[str, Any],
                       project: str | None = None) -> dict[str, Any]:
        """Create a port inside the caller's transaction (routers and floating IPs use this);
        a ``project`` given by the caller is not counted against a quota."""
        net = self.access.network(session, ctx, attrs["network_id"])
        if project is None:
            project = attrs.get("project_id") or ctx.project_id or ""
            self.access.check_quota(session, project, "port")
        owner = attrs.get("device_owner") or ""
        # The service's own ports (network:*) are up at once; the others once bound.
        status = PORT_STATUS.start(c.ACTIVE if owner.startswith("network:") else c.DOWN)
        row = models.Port(project_id=project, network_id=net.id, revision_number=1, name="",
                          description="", admin_state_up=True, device_id="", device_owner="",
                          status=status, tags=[])
        for key in _PLAIN:
            if attrs.get(key) is not None:
                setattr(row, key, attrs[key])
        row.mac_address = addresses.mac_for(session, net.id, attrs.get("mac_address"))
        secured = attrs.get("port_security_enabled", net.port_security_enabled)
        row.port_security_enabled = secured
        row.security_groups = self._groups(session, ctx, project, attrs, secured,
                                           row.device_owner)
        _set_pairs(row, attrs, secured)
        row.extra_dhcp_opts = attrs.get("extra_dhcp_opts") or []
        if attrs.get("qos_policy_id"):
            self.check_qos(session, ctx, attrs["qos_policy_id"], project)
            row.qos_policy_id = attrs["qos_policy_id"]
        row.host_id = attrs.get("binding:host_id") or ""
        row.vnic_type = attrs.get("binding:vnic_type") or "normal"
        row.profile = attrs.get("binding:profile") or {}
        session.add(row)
        session.flush()
        addresses.store(session, row, addresses.allocate(session, net, row.mac_address,
                                                         attrs.get("fixed_ips")))
        self._bind(session, row)
        return self.view(session, row)

    def get_port(self, ctx: RequestContext, port_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self.view(session, self.access.port(session, ctx, port_id))

    def list_ports(self, ctx: RequestContext, query: PageQuery | None = None,
                   filters: Filters | None = None,
                   hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = port_db.visible(ctx.project_id, self.access.everything(ctx))
            page = port_db.list_page(session, query or PageQuery(), filters or {}, hidden,
                                     seen)
            allocs = port_db.allocations_of(session, [row.id for row in page.items])
            requests = resource_requests(session, page.items)
            trunks = trunk_ports.trunk_details(session, page.items)
            return with_items(page, [{**views.port(row, allocs[row.id]),
                                      "resource_request": requests[row.id],
                                      **({"trunk_details": trunks[row.id]}
                                         if row.id in trunks else {})}
                                     for row in page.items])

    @retry_on_lock()
    def update_port(self, ctx: RequestContext, port_id: str,
                    attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.port(session, ctx, port_id)
            old_host = row.host_id
            before = self.view(session, row)
            self.update_port_in(session, ctx, row, attrs)
            view = self.view(session, row)
        if "qos_policy_id" in attrs and before["qos_policy_id"] != view["qos_policy_id"]:
            view = self._qos_changed(ctx, before, view)
        if old_host and old_host != row.host_id:
            self.driver.unbind_port(view)
        elif row.host_id:
            self.driver.update_port(view)
        if row.host_id and old_host != row.host_id:
            self.driver.port_bound(view)
        self.notifier.notify("port.update.end", {"port": view})
        return view

    def _qos_changed(self, ctx: RequestContext, before: dict[str, Any],
                     after: dict[str, Any]) -> dict[str, Any]:
        """A bound port's claim in Placement follows its new policy (Neutron's
        ``qos_plugin``); when Placement refuses, the port keeps its old policy (409)."""
        try:
            placed = self.qos_allocations.policy_changed(before, after)
        except NimbusError as exc:
            with self.db.writer() as session:
                row = self.access.port(session, ctx, after["id"])
                row.qos_policy_id = before["qos_policy_id"]
            raise nerr.Conflict(reason=f"Updating the QoS policy of port {after['id']} "
                                f"failed in Placement: {exc}",
                                neutron_type="QosPlacementAllocationUpdateConflict") from None
        if placed == ((before.get("binding:profile") or {}).get("allocation") or {}):
            return after
        with self.db.writer() as session:
            row = self.access.port(session, ctx, after["id"])
            profile = dict(row.profile or {})
            if placed:
                profile["allocation"] = placed
            else:
                profile.pop("allocation", None)
            row.profile = profile
            return self.view(session, row)

    def update_port_in(self, session: Session, ctx: RequestContext, row: models.Port,
                       attrs: dict[str, Any]) -> None:
        for key in _PLAIN:
            if key in attrs:
                setattr(row, key, attrs[key] if attrs[key] is not None else "")
        if "mac_address" in attrs and attrs["mac_address"] != row.mac_address:
            if row.host_id:
                raise nerr.Conflict(reason=f"Port {row.id} is bound; its MAC address cannot "
                                    "change", neutron_type="PortBound")
            row.mac_address = addresses.mac_for(session, row.network_id, attrs["mac_address"])
        secured = attrs.get("port_security_enabled", row.port_security_enabled)
        if "port_security_enabled" in attrs and not secured and "security_groups" not in attrs \
                and row.security_groups:
            raise nerr.Conflict(reason="Port has security group associated. Cannot disable "
                                "port security or ip address until security group is removed",
                                neutron_type="PortSecurityPortHasSecurityGroup")
        row.port_security_enabled = secured
        if "security_groups" in attrs:
            wanted = {"security_groups": attrs["security_groups"] or []}
            row.security_groups = self._groups(session, ctx, row.project_id, wanted, secured,
                                               row.device_owner)
        _set_pairs(row, attrs, secured)
        if "extra_dhcp_opts" in attrs:
            row.extra_dhcp_opts = attrs["extra_dhcp_opts"] or []
        if "qos_policy_id" in attrs:
            self.check_qos(session, ctx, attrs["qos_policy_id"], row.project_id)
            row.qos_policy_id = attrs["qos_policy_id"] or None
        if "fixed_ips" in attrs:
            self._readdress(session, row, attrs["fixed_ips"])
        for key, column in _BINDING.items():
            if key in attrs:
                default: Any = {} if column == "profile" else ""
                setattr(row, column, attrs[key] if attrs[key] is not None else default)
        if "binding:host_id" in attrs or "admin_state_up" in attrs or not row.host_id:
            self._bind(session, row)
        if "binding:host_id" in attrs:
            # A trunk's subports are bound wherever its parent is.
            for port in trunk_ports.subports_of(session, row):
                if port.host_id != row.host_id:
                    self.rebind_in(session, port, row.host_id)
        row.touch()

    def rebind_in(self, session: Session, row: models.Port, host: str) -> dict[str, Any]:
        """Bind (or, with no host, unbind) a port the service moves itself: a trunk's
        subport, which goes where its parent goes."""
        row.host_id = host
        self._bind(session, row)
        row.touch()
        return self.view(session, row)

    def _readdress(self, session: Session, row: models.Port,
                   requested: list[dict[str, Any]]) -> None:
        old = port_db.allocations(session, row.id)
        for alloc in old:
            session.delete(alloc)
        session.flush()
        net = network_db.get(session, row.network_id)
        assert net is not None
        addresses.store(session, row, addresses.allocate(session, net, row.mac_address,
                                                         requested, keep=old))

    @retry_on_lock()
    def delete_port(self, ctx: RequestContext, port_id: str, internal: bool = False) -> None:
        """Delete a port; ``internal`` lets a bulk create undo the router ports it made."""
        with self.db.writer() as session:
            row = self.access.port(session, ctx, port_id)
            if not internal and row.device_owner in (*c.ROUTER_OWNERS, c.OWNER_FLOATINGIP):
                raise nerr.L3PortInUse(id=port_id, device_owner=row.device_owner)
            trunk_ports.check_deletable(session, port_id)
            view = self.view(session, row)
            for fip in fip_db.on_port(session, port_id):
                fip.port_id = fip.fixed_ip_address = fip.router_id = None
                FLOATINGIP_STATUS.move(fip, c.DOWN)
                fip.touch()
            # Forwardings to the port go with it (Neutron's port forwarding plugin does so).
            forwarded = {pf.floatingip_id for pf in pf_db.to_port(session, port_id)}
            for pf in pf_db.to_port(session, port_id):
                session.delete(pf)
            session.flush()
            for fip_id in forwarded:
                released = fip_db.get(session, fip_id)
                if released is not None:
                    pf_db.release(session, released)
            port_db.drop(session, row)
        if view["binding:host_id"]:
            self.driver.unbind_port(view)
        self.notifier.notify("port.delete.end", {"port_id": port_id, "port": view})

    @retry_on_lock()
    def ensure_dhcp_port(self, network_id: str) -> None:
        """The network's ``network:dhcp`` port, with an address on each IPv4 subnet that has
        DHCP, for a driver that runs DHCP servers (Neutron's DHCP agent asks the same)."""
        with self.db.writer() as session:
            net = network_db.get(session, network_id)
            if net is None:
                return
            wanted = [s.id for s in network_db.subnets(session, network_id)
                      if s.enable_dhcp and s.ip_version == 4]
            port = next((p for p in network_db.ports(session, network_id)
                         if p.device_owner == c.OWNER_DHCP), None)
            if port is None:
                if wanted:
                    self.create_port_in(session, RequestContext.admin(), {
                        "network_id": network_id, "device_owner": c.OWNER_DHCP,
                        "device_id": f"dhcp-{network_id}", "name": "",
                        "fixed_ips": [{"subnet_id": sid} for sid in wanted]},
                        project=net.project_id)
                return
            have = port_db.subnet_ids(session, port.id)
            if set(have) != set(wanted):
                kept = [{"subnet_id": a.subnet_id, "ip_address": a.ip_address}
                        for a in port_db.allocations(session, port.id) if a.subnet_id in wanted]
                self._readdress(session, port, kept + [{"subnet_id": sid} for sid in wanted
                                                       if sid not in have])
                port.touch()

    @retry_on_lock()
    def port_wired(self, port_id: str, ok: bool) -> None:
        """The driver's word that a port it bound is wired on its host (or could not be): the
        port turns ACTIVE, and the server it belongs to hears ``network-vif-plugged``."""
        with self.db.writer() as session:
            row = session.get(models.Port, port_id)
            if row is None or not row.host_id:
                return      # deleted or unbound meanwhile: nobody waits for it any more
            if ok and row.admin_state_up and row.status != c.ACTIVE:
                PORT_STATUS.move(row, c.ACTIVE)
                row.touch()
            view = self.view(session, row)
        self.notifier.notify("port.update.end", {"port": view})
        self.events.port_plugged(view, ok and view["status"] == c.ACTIVE)

    # -- security groups and binding --------------------------------------------------------
    def _groups(self, session: Session, ctx: RequestContext, project: str,
                attrs: dict[str, Any], secured: bool, owner: str) -> list[str]:
        groups = attrs.get("security_groups")
        if groups is None:
            if not secured or owner.startswith("network:"):
                return []
            return [self.groups.default_group_id(session, project)]
        if groups and not secured:
            raise nerr.Conflict(reason="Port Security must be enabled in order to have "
                                "allowed address pairs or security groups on a port",
                                neutron_type="PortSecurityAndIPRequiredForSecurityGroups")
        for group_id in groups:
            group = group_db.get(session, group_id)
            if group is None or (group.project_id != project and not ctx.is_admin
                                 and not rbac_db.grants(session, "security_group", group_id,
                                                        project)):
                raise nerr.SecurityGroupNotFound(id=group_id)
        return list(dict.fromkeys(groups))

    def _bind(self, session: Session, row: models.Port) -> None:
        if not row.host_id:
            row.vif_type, row.vif_details = c.VIF_UNBOUND, {}
            if not row.device_owner.startswith("network:"):
                PORT_STATUS.move(row, c.DOWN)
            return
        result = self.driver.bind_port(self.view(session, row), row.host_id)
        if result is None:
            row.vif_type, row.vif_details = c.VIF_BINDING_FAILED, {}
            PORT_STATUS.move(row, c.DOWN)
            return
        row.vif_type = result["vif_type"]
        row.vif_details = dict(result.get("vif_details") or {})
        # Bound but not yet wired on its host: DOWN until the driver says (``port_wired``).
        wired = result.get("wired", True)
        PORT_STATUS.move(row, c.ACTIVE if row.admin_state_up and wired else c.DOWN)


def _set_pairs(row: models.Port, attrs: dict[str, Any], secured: bool) -> None:
    if "allowed_address_pairs" not in attrs:
        return
    pairs = attrs["allowed_address_pairs"] or []
    if pairs and not secured:
        raise nerr.Conflict(reason="Port Security must be enabled in order to have allowed "
                            "address pairs on a port.",
                            neutron_type="AddressPairAndPortSecurityRequired")
    out = []
    for pair in pairs:
        try:
            ipaddress.ip_network(pair["ip_address"], strict=False)
        except ValueError:
            raise nerr.HTTPBadRequest(attr="allowed_address_pairs",
                                      reason=f"'{pair['ip_address']}' is not a valid IP "
                                             "address") from None
        out.append({"ip_address": pair["ip_address"],
                    "mac_address": pair.get("mac_address") or row.mac_address})
    row.allowed_address_pairs = out
