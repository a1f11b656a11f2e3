"""Subnets: IPAM validation (cidrs, gateways, pools, IPv6 modes) and what blocks a delete."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import subnets as subnet_db
from nimbus.network.manager import ipam, segments
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.subnet_pools import SubnetPoolManager
from nimbus.network.schemas import views


def derives_addresses(subnet: models.Subnet) -> bool:
    """SLAAC and DHCPv6-stateless subnets: each port's address follows from its MAC."""
    return subnet.ip_version == 6 and (subnet.ipv6_address_mode in c.IPV6_AUTO_MODES or (
        subnet.ipv6_address_mode is None and subnet.ipv6_ra_mode in c.IPV6_AUTO_MODES))


class SubnetManager:
    def __init__(self, db: Database, access: Access,
                 pools: SubnetPoolManager | None = None) -> None:
        self.db = db
        self.access = access
        # Where a cidr comes from when a subnet names a pool (or the default one).
        self.pools = pools

    @retry_on_lock()
    def create_subnet(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            net = self.access.network(session, ctx, attrs["network_id"])
            project = attrs.get("project_id") or ctx.project_id or ""
            self.access.check_quota(session, project, "subnet")
            pool_id = None
            if attrs.get("subnetpool_id") or attrs.get("use_default_subnetpool"):
                if self.pools is None:
                    raise nerr.BadRequest(resource="subnets", msg="subnet pools are not "
                                                                  "supported")
                pool, cidr = self.pools.allocate(session, ctx, attrs, project)
                pool_id = pool.id
                attrs = {**attrs, "cidr": cidr}
            elif "prefixlen" in attrs:
                raise nerr.BadRequest(resource="subnets", msg="prefixlen is only used with a "
                                                              "subnet pool")
            self._same_pool(session, net, int(attrs["ip_version"]), pool_id)
            segments.check_subnet(session, net, attrs.get("segment_id"))
            row = self._build(session, net, attrs)
            row.subnetpool_id = pool_id
            row.segment_id = attrs.get("segment_id")
            row.project_id = project
            row.revision_number = 1
            session.add(row)
            net.touch()
            session.flush()
            return views.subnet(row)

    @staticmethod
    def _same_pool(session: Session, net: models.Network, version: int,
                   pool_id: str | None) -> None:
        """Neutron keeps one network's subnets of one IP version on one pool (or none)."""
        for other in network_db.subnets(session, net.id):
            if other.ip_version == version and other.subnetpool_id != pool_id:
                raise nerr.BadRequest(resource="subnets", msg="Subnets hosted on the same "
                                      "network must be allocated from the same subnet pool")

    def _build(self, session: Session, net: models.Network,
               attrs: dict[str, Any]) -> models.Subnet:
        if "cidr" not in attrs:
            raise nerr.BadRequest(resource="subnets", msg="a cidr must be specified in the "
                                                          "absence of a subnet pool")
        cidr = ipam.parse_cidr(attrs["cidr"])
        version = attrs["ip_version"]
        if cidr.version != version:
            raise nerr.InvalidInput(error_message=f"Invalid CIDR {cidr} for IP version "
                                                  f"{version}")
        if version == 4 and cidr.prefixlen > 30 or version == 6 and cidr.prefixlen > 126:
            raise nerr.InvalidInput(error_message=f"Invalid CIDR {cidr}: too small to host "
                                    "addresses")
        _check_ipv6_modes(version, attrs, cidr)
        for other in network_db.subnets(session, net.id):
            if ipam.overlaps(other.cidr, str(cidr)):
                raise nerr.InvalidInput(
                    error_message=f"Requested subnet with cidr: {cidr} for network: {net.id} "
                                  "overlaps with another subnet")
        gateway = attrs["gateway_ip"] if "gateway_ip" in attrs else ipam.default_gateway(cidr)
        _check_gateway(cidr, gateway)
        pools = attrs.get("allocation_pools")
        if pools is None:
            pools = ipam.default_pools(cidr, gateway)
        _check_pools(cidr, pools, gateway)
        row = models.Subnet(network_id=net.id, ip_version=version, cidr=str(cidr),
                            gateway_ip=gateway, allocation_pools=pools)
        _set_common(row, attrs, version)
        row.ipv6_ra_mode = attrs.get("ipv6_ra_mode")
        row.ipv6_address_mode = attrs.get("ipv6_address_mode")
        return row

    def get_subnet(self, ctx: RequestContext, subnet_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return views.subnet(self.access.subnet(session, ctx, subnet_id))

    def list_subnets(self, ctx: RequestContext, query: PageQuery | None = None,
                     filters: Filters | None = None,
                     hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = subnet_db.visible(ctx.project_id, self.access.everything(ctx))
            page = subnet_db.list_page(session, query or PageQuery(), filters or {}, hidden,
                                       seen)
            return with_items(page, [views.subnet(row) for row in page.items])

    def find(self, name: str, project_id: str) -> dict[str, Any] | None:
        with self.db.reader() as session:
            row = subnet_db.find(session, name, project_id)
            return views.subnet(row) if row is not None else None

    @retry_on_lock()
    def update_subnet(self, ctx: RequestContext, subnet_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.access.subnet(session, ctx, subnet_id)
            cidr = ipam.parse_cidr(row.cidr)
            gateway = attrs.get("gateway_ip", row.gateway_ip)
            pools = attrs.get("allocation_pools", row.allocation_pools)
            if "gateway_ip" in attrs:
                _check_gateway(cidr, gateway)
                if gateway is not None and gateway != row.gateway_ip and \
                        "allocation_pools" not in attrs and \
                        ipam.in_pools(ipaddress.ip_address(gateway), pools):
                    raise nerr.InvalidInput(error_message=f"Gateway ip {gateway} conflicts "
                                            "with allocation pool")
            _check_pools(cidr, pools, gateway)
            row.gateway_ip = gateway
            row.allocation_pools = pools
            _set_common(row, attrs, row.ip_version)
            row.touch()
            return views.subnet(row)

    @retry_on_lock()
    def delete_subnet(self, ctx: RequestContext, subnet_id: str) -> None:
        with self.db.writer() as session:
            row = self.access.subnet(session, ctx, subnet_id)
            allocs = subnet_db.allocations(session, subnet_id)
            # Derived (SLAAC) addresses are not handed out: they go with the subnet.
            derived = derives_addresses(row)
            for alloc in allocs:
                port = port_db.get(session, alloc.port_id)
                if port is None or port.device_owner in c.AUTO_DELETE_OWNERS:
                    continue
                if not derived or port.device_owner == c.OWNER_ROUTER_INTERFACE:
                    raise nerr.SubnetInUse(id=subnet_id)
            for alloc in allocs:
                session.delete(alloc)
            net = network_db.get(session, row.network_id)
            if net is not None:
                net.touch()
            session.delete(row)


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


def _check_pools(cidr: ipam.Network, pools: list[dict[str, str]], gw: str | None) -> None:
    try:
        ipam.check_pools(cidr, pools, gw)
    except ValueError as exc:
        raise nerr.InvalidInput(error_message=str(exc).rstrip(".")) from None
