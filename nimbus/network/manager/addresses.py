"""A port's addresses: its MAC, and the fixed IPs it is given or asks for."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import subnets as subnet_db
from nimbus.network.manager import ipam
from nimbus.network.manager.subnets import derives_addresses

Pair = tuple[str, str]  # (subnet id, address)


def mac_for(session: Session, net_id: str, requested: str | None) -> str:
    """The requested MAC if no port on the network has it, or a fresh one."""
    if requested is not None:
        if port_db.mac_taken(session, net_id, requested):
            raise nerr.MacAddressInUse(net_id=net_id, mac=requested)
        return requested
    while True:
        mac = c.MAC_PREFIX + "".join(f":{b:02x}" for b in secrets.token_bytes(3))
        if not port_db.mac_taken(session, net_id, mac):
            return mac


def _pick(session: Session, subnet: models.Subnet, mac: str) -> str | None:
    used = subnet_db.used_addresses(session, subnet.id)
    if derives_addresses(subnet):
        address = ipam.eui64(ipam.parse_cidr(subnet.cidr), mac)
        return None if address in used else address
    return ipam.first_free(subnet.allocation_pools, used)


def allocate(session: Session, net: models.Network, mac: str,
             requested: Sequence[dict[str, Any]] | None,
             keep: Sequence[models.IPAllocation] = ()) -> list[Pair]:
    """``(subnet_id, ip)`` pairs for a port: the requested ones, or one per IP family.

    ``keep`` are the port's current addresses: a request naming only a subnet keeps the
    address the port already has there.
    """
    subnets = network_db.subnets(session, net.id)
    chosen: list[Pair] = []
    if requested is None:
        for version in (4, 6):
            family = [s for s in subnets if s.ip_version == version]
            for subnet in family:
                if derives_addresses(subnet):
                    chosen.append((subnet.id, ipam.eui64(ipam.parse_cidr(subnet.cidr), mac)))
            stateful = [s for s in family if not derives_addresses(s)]
            if stateful:
                pick = next(((s.id, ip) for s in stateful
                             if (ip := _pick(session, s, mac)) is not None), None)
                if pick is None:
                    raise nerr.IpAddressGenerationFailure(net_id=net.id)
                chosen.append(pick)
        return chosen
    by_id = {s.id: s for s in subnets}
    kept = list(keep)
    for item in requested:
        subnet = _subnet_for(net, by_id, subnets, item)
        if "ip_address" in item:
            ip = _check_ip(session, subnet, item["ip_address"], chosen)
        else:
            old = next((a for a in kept if a.subnet_id == subnet.id), None)
            if old is not None:
                kept.remove(old)
                ip = old.ip_address
            else:
                found = _pick(session, subnet, mac)
                taken = {p[1] for p in chosen}
                while found is not None and found in taken:
                    found = ipam.first_free(subnet.allocation_pools,
                                            subnet_db.used_addresses(session, subnet.id) | taken)
                if found is None:
                    raise nerr.IpAddressGenerationFailure(net_id=net.id)
                ip = found
        chosen.append((subnet.id, ip))
    return chosen


def _subnet_for(net: models.Network, by_id: dict[str, models.Subnet],
                subnets: Sequence[models.Subnet], item: dict[str, Any]) -> models.Subnet:
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


def _check_ip(session: Session, subnet: models.Subnet, ip_text: str,
              chosen: list[Pair]) -> str:
    ip = ipaddress.ip_address(ip_text)
    net = ipaddress.ip_network(subnet.cidr)
    reserved = net.version == 4 and net.prefixlen < 31 and ip in (
        net.network_address, net.broadcast_address)
    if ip not in net or reserved:
        raise nerr.InvalidInput(f"IP address {ip} is not a valid IP for the specified "
                                "subnet.", neutron_type="InvalidIpForSubnet")
    if str(ip) in subnet_db.used_addresses(session, subnet.id) or (subnet.id, str(ip)) in chosen:
        raise nerr.IpAddressAlreadyAllocated(ip=str(ip), subnet_id=subnet.id)
    return str(ip)


def store(session: Session, port: models.Port, pairs: list[Pair]) -> None:
    """Record the port's fixed IPs; a race for one address is the loser's 409."""
    for subnet_id, ip in pairs:
        session.add(models.IPAllocation(port_id=port.id, subnet_id=subnet_id,
                                        network_id=port.network_id, ip_address=ip))
    try:
        session.flush()
    except IntegrityError:
        raise nerr.IpAddressAlreadyAllocated(ip=", ".join(p[1] for p in pairs),
                                             subnet_id=pairs[0][0]) from None
