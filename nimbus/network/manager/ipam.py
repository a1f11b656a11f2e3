"""IP address management with no database: pools, gateways and picking free addresses.

Addresses are handled as ``ipaddress`` objects here and as canonical strings everywhere else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from nimbus.network.schemas.ipaddr import Address, Network, parse_cidr, parse_ip

__all__ = ["Address", "Network", "parse_cidr", "parse_ip"]


def usable_range(net: Network) -> tuple[Address, Address] | None:
    """First and last address a host may use: IPv4 skips network and broadcast."""
    first = net.network_address
    last = net.broadcast_address
    if net.version == 4:
        if net.prefixlen >= 31:
            return (first, last)
        return (first + 1, last - 1)
    if net.prefixlen == 128:
        return (first, last)
    return (first + 1, last)


def default_gateway(net: Network) -> str | None:
    rng = usable_range(net)
    return str(rng[0]) if rng else None


def default_pools(net: Network, gateway: str | None) -> list[dict[str, str]]:
    """The usable range minus the gateway, as ``[{"start", "end"}]``."""
    rng = usable_range(net)
    if rng is None:
        return []
    start, end = rng
    if gateway is None:
        return [{"start": str(start), "end": str(end)}]
    gw = ipaddress.ip_address(gateway)
    pools = []
    if start <= gw <= end:
        if start < gw:
            pools.append({"start": str(start), "end": str(gw - 1)})
        if gw < end:
            pools.append({"start": str(gw + 1), "end": str(end)})
        return pools
    return [{"start": str(start), "end": str(end)}]


def check_pools(net: Network, pools: list[dict[str, str]], gateway: str | None) -> None:
    """ValueError unless the pools are inside ``net``, ordered, disjoint and miss the gateway."""
    ranges: list[tuple[Address, Address]] = []
    for pool in pools:
        start, end = parse_ip(pool.get("start")), parse_ip(pool.get("end"))
        if start.version != net.version or end.version != net.version:
            raise ValueError(f"The allocation pool {start}-{end} is not of version {net.version}")
        if start not in net or end not in net:
            raise ValueError(f"The allocation pool {start}-{end} spans beyond the subnet "
                             f"cidr {net}.")
        if start > end:
            raise ValueError(f"The allocation pool {start}-{end} is invalid: start is after end")
        ranges.append((start, end))
    ranges.sort()
    for (_s1, e1), (s2, e2) in zip(ranges, ranges[1:], strict=False):
        if s2 <= e1:
            raise ValueError(f"Found overlapping allocation pools: {s2}-{e2}")
    if gateway is not None:
        gw = ipaddress.ip_address(gateway)
        for start, end in ranges:
            if start <= gw <= end:
                raise ValueError(f"Gateway ip {gateway} conflicts with allocation pool "
                                 f"{start}-{end}")


def in_pools(ip: Address, pools: Iterable[dict[str, str]]) -> bool:
    return any(ipaddress.ip_address(p["start"]) <= ip <= ipaddress.ip_address(p["end"])
               for p in pools)


def candidates(pools: Iterable[dict[str, str]]) -> Iterator[Address]:
    """Every pool address, lowest first."""
    for pool in sorted(pools, key=lambda p: ipaddress.ip_address(p["start"])):
        ip: Address = ipaddress.ip_address(pool["start"])
        end: Address = ipaddress.ip_address(pool["end"])
        while ip <= end:
            yield ip
            ip += 1


def first_free(pools: Iterable[dict[str, str]], used: set[str]) -> str | None:
    """The lowest pool address not in ``used``; None when the pools are full."""
    for ip in candidates(pools):
        text = str(ip)
        if text not in used:
            return text
    return None


def eui64(net: Network, mac: str) -> str:
    """The SLAAC address of ``mac`` in the /64 ``net``."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    iid = bytes(octets[:3] + [0xFF, 0xFE] + octets[3:])
    return str(net.network_address + int.from_bytes(iid, "big"))


def overlaps(a: str, b: str) -> bool:
    na, nb = ipaddress.ip_network(a), ipaddress.ip_network(b)
    return na.version == nb.version and na.overlaps(nb)  # type: ignore[arg-type,unused-ignore]
