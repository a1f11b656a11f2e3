"""Ports: MAC and fixed-IP allocation, security groups, and binding to a host."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import retry_on_lock
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network import ipam
from nimbus.network.db import models
from nimbus.network.manager.base import ManagerBase
from nimbus.network.schemas import views

_PORT_COLUMNS = {"binding:host_id": "host_id", "binding:vnic_type": "vnic_type",
                 "binding:profile": "profile"}


def _auto_address(subnet: models.Subnet) -> bool:
    return subnet.ip_version == 6 and (subnet.ipv6_address_mode in c.IPV6_AUTO_MODES or (
        subnet.ipv6_address_mode is None and subnet.ipv6_ra_mode in c.IPV6_AUTO_MODES))


class PortOps(ManagerBase):
    def port_view(self, session: Session, row: models.Port) -> dict[str, Any]:
        allocs = session.scalars(select(models.IPAllocation).where(
            models.IPAllocation.port_id == row.id).order_by(models.IPAllocation.id)).all()
        return views.port(row, list(allocs))

    # -- addresses --------------------------------------------------------------------------
    def _used(self, session: Session, subnet_id: str) -> set[str]:
        return set(session.scalars(select(models.IPAllocation.ip_address).where(
            models.IPAllocation.subnet_id == subnet_id)).all())

    def _pick(self, session: Session, subnet: models.Subnet, mac: str) -> str | None:
        if _auto_address(subnet):
            address = ipam.eui64(ipam.parse_cidr(subnet.cidr), mac)
            return None if address in self._used(session, subnet.id) else address
        return ipam.first_free(subnet.allocation_pools, self._used(session, subnet.id))

    def allocate_ips(self, session: Session, net: models.Network, mac: str,
                     requested: list[dict[str, Any]] | None,
                     keep: list[models.IPAllocation] | None = None) -> list[tuple[str, str]]:
        """``(subnet_id, ip)`` pairs for a port: the requested ones, or one per family."""
        subnets = session.scalars(select(models.Subnet).where(
            models.Subnet.network_id == net.id)).all()
        by_id = {s.id: s for s in subnets}
        chosen: list[tuple[str, str]] = []
        if requested is None:
            for version in (4, 6):
                family = [s for s in subnets if s.ip_version == version]
                auto = [s for s in family if _auto_address(s)]
                for subnet in auto:
                    chosen.append((subnet.id, ipam.eui64(ipam.parse_cidr(subnet.cidr), mac)))
                stateful = [s for s in family if not _auto_address(s)]
                if stateful:
                    pick = next(((s.id, ip) for s in stateful
                                 if (ip := self._pick(session, s, mac)) is not None), None)
                    if pick is None:
                        raise nerr.IpAddressGenerationFailure(net_id=net.id)
                    chosen.append(pick)
            return chosen
        kept = list(keep or [])
        for item in requested:
            subnet = self._subnet_for(net, by_id, subnets, item)
            if "ip_address" in item:
                ip = self._check_ip(session, subnet, item["ip_address"], chosen)
            else:
                old = next((a for a in kept if a.subnet_id == subnet.id), None)
                if old is not None:
                    kept.remove(old)
                    ip = old.ip_address
                else:
                    ip = self._pick(session, subnet, mac)
                    taken = {p[1] for p in chosen}
                    while ip is not None and ip in taken:
                        ip = ipam.first_free(subnet.allocation_pools,
                                             self._used(session, subnet.id) | taken)
                    if ip is None:
                        raise nerr.IpAddressGenerationFailure(net_id=net.id)
            chosen.append((subnet.id, ip))
        return chosen

    @staticmethod
    def _subnet_for(net: models.Network, by_id: dict[str, models.Subnet],
                    subnets: Any, item: dict[str, Any]) -> models.Subnet:
        if "subnet_id" in item:
            subnet = by_id.get(item["subnet_id"])
            if subnet is None:
                raise nerr.InvalidInput(error_message=f"Failed to create port on network "
                                        f"{net.id}, because fixed_ips included invalid subnet "
                                        f"{item['subnet_id']}")
            return subnet
        if "ip_address" not in item:
            raise nerr.InvalidInput(error_message="fixed_ips entries need a subnet_id or an "
                                    "ip_address")
        ip = ipaddress.ip_address(item["ip_address"])
        for subnet in subnets:
            if ip in ipaddress.ip_network(subnet.cidr):
                return subnet
        raise nerr.InvalidInput(error_message=f"IP address {ip} is not a valid IP for any of "
                                "the subnets on the specified network")

    def _check_ip(self, session: Session, subnet: models.Subnet, ip_text: str,
                  chosen: list[tuple[str, str]]) -> str:
        ip = ipaddress.ip_address(ip_text)
        net = ipaddress.ip_network(subnet.cidr)
        reserved = net.version == 4 and net.prefixlen < 31 and ip in (
            net.network_address, net.broadcast_address)
        if ip not in net or reserved:
            raise nerr.InvalidInput(f"IP address {ip} is not a valid IP for the specified "
                                    "subnet.", neutron_type="InvalidIpForSubnet")
        if str(ip) in self._used(session, subnet.id) or (subnet.id, str(ip)) in chosen:
            raise nerr.IpAddressAlreadyAllocated(ip=str(ip), subnet_id=subnet.id)
        return str(ip)

    def _mac(self, session: Session, net_id: str, requested: str | None) -> str:
        used = set(session.scalars(select(models.Port.mac_address).where(
            models.Port.network_id == net_id)).all())
        if requested is not None:
            if requested in used:
                raise nerr.MacAddressInUse(net_id=net_id, mac=requested)
            return requested
        while True:
            mac = c.MAC_PREFIX + "".join(f":{b:02x}" for b in secrets.token_bytes(3))
            if mac not in used:
                return mac

    def _store_ips(self, session: Session, port: models.Port,
                   pairs: list[tuple[str, str]]) -> None:
        for subnet_id, ip in pairs:
            session.add(models.IPAllocation(port_id=port.id, subnet_id=subnet_id,
                                            network_id=port.network_id, ip_address=ip))
        try:
            session.flush()
        except IntegrityError:
            raise nerr.IpAddressAlreadyAllocated(ip=", ".join(p[1] for p in pairs),
                                                 subnet_id=pairs[0][0]) from None

    # -- security groups --------------------------------------------------------------------
    def _port_groups(self, session: Session, ctx: RequestContext, project: str,
                     attrs: dict[str, Any], secured: bool, owner: str) -> list[str]:
        groups = attrs.get("security_groups")
        if groups is None:
            if not secured or owner.startswith("network:"):
                return []
            return [self.default_group_id(session, project)]  # type: ignore[attr-defined]
        if groups and not secured:
            raise nerr.Conflict(reason="Port Security must be enabled in order to have "
                                "allowed address pairs or security groups on a port",
                                neutron_type="PortSecurityAndIPRequiredForSecurityGroups")
        for group_id in groups:
            row = session.get(models.SecurityGroup, group_id)
            if row is None or (row.project_id != project and not ctx.is_admin):
                raise nerr.SecurityGroupNotFound(id=group_id)
        return list(dict.fromkeys(groups))

    # -- binding ----------------------------------------------------------------------------
    def _bind(self, session: Session, row: models.Port) -> None:
        if not row.host_id:
            row.vif_type, row.vif_details = c.VIF_UNBOUND, {}
            if not row.device_owner.startswith("network:"):
                row.status = c.DOWN
            return
        result = self.driver.bind_port(self.port_view(session, row), row.host_id)
        if result is None:
            row.vif_type, row.vif_details, row.status = c.VIF_BINDING_FAILED, {}, c.DOWN
            return
        row.vif_type = result["vif_type"]
        row.vif_details = dict(result.get("vif_details") or {})
        row.status = c.ACTIVE if row.admin_state_up else c.DOWN

    # -- CRUD -------------------------------------------------------------------------------
    @retry_on_lock()
    def create_port(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            view = self.create_port_in(session, ctx, attrs)
        self.notify("port.create.end", {"port": view})
        return view

    def create_port_in(self, session: Session, ctx: RequestContext, attrs: dict[str, Any],
                       project: str | None = None) -> dict[str, Any]:
        """Create a port inside the caller's transaction (routers and floating IPs use this)."""
        net = self.network_row(session, ctx, attrs["network_id"])
        if project is None:
            project = attrs.get("project_id") or ctx.project_id or ""
            self.check_quota(session, project, "port")
        row = models.Port(project_id=project, network_id=net.id, revision_number=1, name="",
                          description="", admin_state_up=True, device_id="", device_owner="",
                          status=c.DOWN, tags=[])
        for key in ("name", "description", "admin_state_up", "device_id", "device_owner"):
            if attrs.get(key) is not None:
                setattr(row, key, attrs[key])
        row.mac_address = self._mac(session, net.id, attrs.get("mac_address"))
        secured = attrs.get("port_security_enabled", net.port_security_enabled)
        row.port_security_enabled = secured
        row.security_groups = self._port_groups(session, ctx, project, attrs, secured,
                                                row.device_owner)
        self._set_pairs(row, attrs, secured)
        row.extra_dhcp_opts = attrs.get("extra_dhcp_opts") or []
        row.host_id = attrs.get("binding:host_id") or ""
        row.vnic_type = attrs.get("binding:vnic_type") or "normal"
        row.profile = attrs.get("binding:profile") or {}
        if row.device_owner.startswith("network:"):
            row.status = c.ACTIVE
        session.add(row)
        session.flush()
        self._store_ips(session, row, self.allocate_ips(session, net, row.mac_address,
                                                        attrs.get("fixed_ips")))
        self._bind(session, row)
        return self.port_view(session, row)

    @staticmethod
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

    def get_port(self, ctx: RequestContext, port_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self.port_view(session, self.port_row(session, ctx, port_id))

    def list_ports(self, ctx: RequestContext) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            allocs: dict[str, list[models.IPAllocation]] = {}
            for alloc in session.scalars(select(models.IPAllocation).order_by(
                    models.IPAllocation.id)):
                allocs.setdefault(alloc.port_id, []).append(alloc)
            stmt = select(models.Port)
            if not (ctx.is_admin or "service" in ctx.roles):
                stmt = stmt.where(models.Port.project_id == ctx.project_id)
            return [views.port(row, allocs.get(row.id, [])) for row in session.scalars(stmt)]

    @retry_on_lock()
    def update_port(self, ctx: RequestContext, port_id: str,
                    attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.port_row(session, ctx, port_id)
            old_host = row.host_id
            self.update_port_in(session, ctx, row, attrs)
            view = self.port_view(session, row)
        if old_host and old_host != row.host_id:
            self.driver.unbind_port(view)
        elif row.host_id:
            self.driver.update_port(view)
        self.notify("port.update.end", {"port": view})
        return view

    def update_port_in(self, session: Session, ctx: RequestContext, row: models.Port,
                       attrs: dict[str, Any]) -> None:
        for key in ("name", "description", "admin_state_up", "device_id", "device_owner"):
            if key in attrs:
                setattr(row, key, attrs[key] if attrs[key] is not None else "")
        if "mac_address" in attrs and attrs["mac_address"] != row.mac_address:
            if row.host_id:
                raise nerr.Conflict(reason=f"Port {row.id} is bound; its MAC address cannot "
                                    "change", neutron_type="PortBound")
            row.mac_address = self._mac(session, row.network_id, attrs["mac_address"])
        secured = attrs.get("port_security_enabled", row.port_security_enabled)
        if "port_security_enabled" in attrs and not secured and "security_groups" not in attrs \
                and row.security_groups:
            raise nerr.Conflict(reason="Port has security group associated. Cannot disable "
                                "port security or ip address until security group is removed",
                                neutron_type="PortSecurityPortHasSecurityGroup")
        row.port_security_enabled = secured
        if "security_groups" in attrs:
            wanted = {"security_groups": attrs["security_groups"] or []}
            row.security_groups = self._port_groups(session, ctx, row.project_id, wanted,
                                                    secured, row.device_owner)
        self._set_pairs(row, attrs, secured)
        if "extra_dhcp_opts" in attrs:
            row.extra_dhcp_opts = attrs["extra_dhcp_opts"] or []
        if "fixed_ips" in attrs:
            self._readdress(session, row, attrs["fixed_ips"])
        for key, column in _PORT_COLUMNS.items():
            if key in attrs:
                default: Any = {} if column == "profile" else ""
                setattr(row, column, attrs[key] if attrs[key] is not None else default)
        if "binding:host_id" in attrs or "admin_state_up" in attrs or not row.host_id:
            self._bind(session, row)
        self.touch(row)

    def _readdress(self, session: Session, row: models.Port,
                   requested: list[dict[str, Any]]) -> None:
        old = session.scalars(select(models.IPAllocation).where(
            models.IPAllocation.port_id == row.id)).all()
        for alloc in old:
            session.delete(alloc)
        session.flush()
        net = session.get(models.Network, row.network_id)
        assert net is not None
        self._store_ips(session, row, self.allocate_ips(session, net, row.mac_address,
                                                        requested, keep=list(old)))

    @retry_on_lock()
    def delete_port(self, ctx: RequestContext, port_id: str, internal: bool = False) -> None:
        with self.db.writer() as session:
            row = self.port_row(session, ctx, port_id)
            if not internal and row.device_owner in (*c.ROUTER_OWNERS, c.OWNER_FLOATINGIP):
                raise nerr.L3PortInUse(id=port_id, device_owner=row.device_owner)
            view = self.port_view(session, row)
            for fip in session.scalars(select(models.FloatingIP).where(
                    models.FloatingIP.port_id == port_id)):
                fip.port_id = fip.fixed_ip_address = fip.router_id = None
                fip.status = c.DOWN
                self.touch(fip)
            self._drop_port(session, row)  # type: ignore[attr-defined]
        if view["binding:host_id"]:
            self.driver.unbind_port(view)
        self.notify("port.delete.end", {"port_id": port_id, "port": view})
