"""Networks and subnets: ownership, IPAM validation, and what may be deleted when."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import retry_on_lock
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network import ipam
from nimbus.network.db import models
from nimbus.network.manager.base import ManagerBase
from nimbus.network.schemas import views

_NET_COLUMNS = {"router:external": "external", "provider:network_type": "network_type",
                "provider:physical_network": "physical_network",
                "provider:segmentation_id": "segmentation_id"}


class NetworkOps(ManagerBase):
    # -- networks ---------------------------------------------------------------------------
    def network_view(self, session: Session, row: models.Network) -> dict[str, Any]:
        ids = session.scalars(select(models.Subnet.id).where(
            models.Subnet.network_id == row.id)).all()
        return views.network(row, list(ids))

    @retry_on_lock()
    def create_network(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = dict(attrs)
        project = attrs.pop("project_id", None) or ctx.project_id or ""
        with self.db.writer() as session:
            self.check_quota(session, project, "network")
            row = models.Network(project_id=project)
            self.apply(row, attrs, _NET_COLUMNS)
            if row.segmentation_id is None and row.network_type in (None, "vxlan"):
                row.segmentation_id = self._next_segment(session)
            row.revision_number = 1
            session.add(row)
            session.flush()
            view = self.network_view(session, row)
        self.driver.create_network(view)
        return view

    @staticmethod
    def _next_segment(session: Session) -> int:
        used = set(session.scalars(select(models.Network.segmentation_id)).all())
        vni = 1001
        while vni in used:
            vni += 1
        return vni

    def get_network(self, ctx: RequestContext, net_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self.network_view(session, self.network_row(session, ctx, net_id))

    def list_networks(self, ctx: RequestContext) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            subnets: dict[str, list[str]] = {}
            for sid, nid in session.execute(select(models.Subnet.id, models.Subnet.network_id)):
                subnets.setdefault(nid, []).append(sid)
            return [views.network(row, subnets.get(row.id, []))
                    for row in session.scalars(select(models.Network))
                    if self.sees_network(ctx, row)]

    @retry_on_lock()
    def update_network(self, ctx: RequestContext, net_id: str,
                       attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.network_row(session, ctx, net_id)
            if attrs.get("shared") is False and row.shared:
                foreign = session.scalars(select(models.Port).where(
                    models.Port.network_id == net_id,
                    models.Port.project_id != row.project_id,
                    models.Port.device_owner.notin_(c.ROUTER_OWNERS + c.AUTO_DELETE_OWNERS),
                )).first()
                if foreign is not None:
                    raise nerr.InvalidInput(error_message=f"Unable to reconfigure sharing "
                                            f"settings for network {net_id}. Multiple tenants "
                                            "are using it")
            self.apply(row, attrs, _NET_COLUMNS)
            self.touch(row)
            return self.network_view(session, row)

    @retry_on_lock()
    def delete_network(self, ctx: RequestContext, net_id: str) -> None:
        with self.db.writer() as session:
            row = self.network_row(session, ctx, net_id)
            ports = session.scalars(select(models.Port).where(
                models.Port.network_id == net_id)).all()
            if any(p.device_owner not in c.AUTO_DELETE_OWNERS for p in ports):
                raise nerr.NetworkInUse(id=net_id)
            for port in ports:
                self._drop_port(session, port)
            for subnet in session.scalars(select(models.Subnet).where(
                    models.Subnet.network_id == net_id)):
                session.delete(subnet)
            session.flush()
            view = views.network(row, [])
            session.delete(row)
        self.driver.delete_network(view)

    def _drop_port(self, session: Session, port: models.Port) -> None:
        for alloc in session.scalars(select(models.IPAllocation).where(
                models.IPAllocation.port_id == port.id)):
            session.delete(alloc)
        session.delete(port)

    # -- subnets ----------------------------------------------------------------------------
    @retry_on_lock()
    def create_subnet(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            net = self.network_row(session, ctx, attrs["network_id"])
            project = attrs.get("project_id") or ctx.project_id or ""
            self.check_quota(session, project, "subnet")
            row = self._build_subnet(session, net, attrs)
            row.project_id = project
            row.revision_number = 1
            session.add(row)
            self.touch(net)
            session.flush()
            return views.subnet(row)

    def _build_subnet(self, session: Session, net: models.Network,
                      attrs: dict[str, Any]) -> models.Subnet:
        if attrs.get("subnetpool_id") or "prefixlen" in attrs:
            raise nerr.BadRequest(resource="subnets", msg="subnet pools are not supported")
        if "cidr" not in attrs:
            raise nerr.BadRequest(resource="subnets", msg="a cidr must be specified in the "
                                                          "absence of a subnet pool")
        cidr = ipam.parse_cidr(attrs["cidr"])
        version = attrs["ip_version"]
        if version not in (4, 6):
            raise nerr.HTTPBadRequest(attr="ip_version",
                                      reason=f"'{version}' is not in [4, 6]")
        if cidr.version != version:
            raise nerr.InvalidInput(error_message=f"Invalid CIDR {cidr} for IP version "
                                                  f"{version}")
        if version == 4 and cidr.prefixlen > 30 or version == 6 and cidr.prefixlen > 126:
            raise nerr.InvalidInput(error_message=f"Invalid CIDR {cidr}: too small to host "
                                    "addresses")
        self._check_ipv6_modes(version, attrs, cidr)
        for other in session.scalars(select(models.Subnet).where(
                models.Subnet.network_id == net.id)):
            if ipam.overlaps(other.cidr, str(cidr)):
                raise nerr.InvalidInput(
                    error_message=f"Requested subnet with cidr: {cidr} for network: {net.id} "
                                  "overlaps with another subnet")
        gateway = attrs["gateway_ip"] if "gateway_ip" in attrs else ipam.default_gateway(cidr)
        self._check_gateway(cidr, gateway)
        pools = attrs.get("allocation_pools")
        if pools is None:
            pools = ipam.default_pools(cidr, gateway)
        self._check_pools(cidr, pools, gateway)
        row = models.Subnet(network_id=net.id, ip_version=version, cidr=str(cidr),
                            gateway_ip=gateway, allocation_pools=pools)
        self._set_common(row, attrs, version)
        row.ipv6_ra_mode = attrs.get("ipv6_ra_mode")
        row.ipv6_address_mode = attrs.get("ipv6_address_mode")
        return row

    @staticmethod
    def _set_common(row: models.Subnet, attrs: dict[str, Any], version: int) -> None:
        for key in ("name", "description", "enable_dhcp"):
            if key in attrs:
                setattr(row, key, attrs[key])
        if "dns_nameservers" in attrs:
            row.dns_nameservers = attrs["dns_nameservers"]
        if "host_routes" in attrs:
            for route in attrs["host_routes"]:
                if ipaddress.ip_network(route["destination"]).version != version or \
                        ipaddress.ip_address(route["nexthop"]).version != version:
                    raise nerr.InvalidInput(error_message="Host route does not match the "
                                            f"subnet's IP version: {route}")
            row.host_routes = attrs["host_routes"]

    @staticmethod
    def _check_ipv6_modes(version: int, attrs: dict[str, Any], cidr: ipam.Network) -> None:
        ra, addr = attrs.get("ipv6_ra_mode"), attrs.get("ipv6_address_mode")
        if version == 4 and (ra or addr):
            raise nerr.InvalidInput(error_message="ipv6_ra_mode and ipv6_address_mode are only "
                                    "valid for IPv6 subnets")
        if (ra or addr) and attrs.get("enable_dhcp") is False:
            raise nerr.InvalidInput(error_message="ipv6_ra_mode or ipv6_address_mode cannot "
                                    "be set when enable_dhcp is set to False")
        if ra and addr and ra != addr:
            raise nerr.InvalidInput(error_message=f"ipv6_ra_mode set to '{ra}' with "
                                    f"ipv6_address_mode set to '{addr}' is not valid. If both "
                                    "attributes are set, they must be the same value")
        if (ra in c.IPV6_AUTO_MODES or addr in c.IPV6_AUTO_MODES) and cidr.prefixlen != 64:
            raise nerr.InvalidInput(error_message=f"Invalid CIDR {cidr} for IPv6 address mode. "
                                    "OpenStack uses the EUI-64 address format, which requires "
                                    "the prefix to be /64")

    @staticmethod
    def _check_gateway(cidr: ipam.Network, gateway: str | None) -> None:
        if gateway is None:
            return
        gw = ipaddress.ip_address(gateway)
        if gw.version != cidr.version:
            raise nerr.InvalidInput(error_message="Gateway IP version inconsistent with "
                                    "allocation pool version")
        if cidr.version == 4 and gw in cidr and gw in (cidr.network_address,
                                                       cidr.broadcast_address):
            raise nerr.InvalidInput(error_message=f"Gateway is not valid on subnet {cidr}")

    @staticmethod
    def _check_pools(cidr: ipam.Network, pools: list[dict[str, str]], gw: str | None) -> None:
        try:
            ipam.check_pools(cidr, pools, gw)
        except ValueError as exc:
            raise nerr.InvalidInput(error_message=str(exc).rstrip(".")) from None

    def get_subnet(self, ctx: RequestContext, subnet_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return views.subnet(self.subnet_row(session, ctx, subnet_id))

    def list_subnets(self, ctx: RequestContext) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            shared = set(session.scalars(select(models.Network.id).where(
                models.Network.shared.is_(True))).all())
            return [views.subnet(row) for row in session.scalars(select(models.Subnet))
                    if self.owns(ctx, row) or row.network_id in shared]

    @retry_on_lock()
    def update_subnet(self, ctx: RequestContext, subnet_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.subnet_row(session, ctx, subnet_id)
            cidr = ipam.parse_cidr(row.cidr)
            gateway = attrs.get("gateway_ip", row.gateway_ip)
            pools = attrs.get("allocation_pools", row.allocation_pools)
            if "gateway_ip" in attrs:
                self._check_gateway(cidr, gateway)
                if gateway is not None and gateway != row.gateway_ip and \
                        "allocation_pools" not in attrs and \
                        ipam.in_pools(ipaddress.ip_address(gateway), pools):
                    raise nerr.InvalidInput(error_message=f"Gateway ip {gateway} conflicts "
                                            "with allocation pool")
            self._check_pools(cidr, pools, gateway)
            row.gateway_ip = gateway
            row.allocation_pools = pools
            self._set_common(row, attrs, row.ip_version)
            self.touch(row)
            return views.subnet(row)

    @retry_on_lock()
    def delete_subnet(self, ctx: RequestContext, subnet_id: str) -> None:
        with self.db.writer() as session:
            row = self.subnet_row(session, ctx, subnet_id)
            allocs = session.scalars(select(models.IPAllocation).where(
                models.IPAllocation.subnet_id == subnet_id)).all()
            # SLAAC addresses are derived, not handed out: they go with the subnet.
            derived = row.ip_version == 6 and (row.ipv6_address_mode in c.IPV6_AUTO_MODES or (
                row.ipv6_address_mode is None and row.ipv6_ra_mode in c.IPV6_AUTO_MODES))
            for alloc in allocs:
                port = session.get(models.Port, alloc.port_id)
                if port is None or port.device_owner in c.AUTO_DELETE_OWNERS:
                    continue
                if not derived or port.device_owner == c.OWNER_ROUTER_INTERFACE:
                    raise nerr.SubnetInUse(id=subnet_id)
            for alloc in allocs:
                session.delete(alloc)
            net = session.get(models.Network, row.network_id)
            if net is not None:
                self.touch(net)
            session.delete(row)
