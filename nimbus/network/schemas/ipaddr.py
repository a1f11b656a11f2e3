"""Addresses and cidrs as the API writes them: parsed, or refused with a reason naming them.

Addresses are handled as ``ipaddress`` objects in the manager and as canonical strings on the
wire and in the database.
"""

from __future__ import annotations

import ipaddress
from typing import Any

# mypy cannot order the v4|v6 union; every comparison made on these is within one version.
Address = Any
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_cidr(value: str) -> Network:
    """A canonical network, or ValueError naming what is wrong."""
    if not isinstance(value, str) or "/" not in value:
        raise ValueError(f"'{value}' is not a valid IP subnet")
    try:
        loose = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"'{value}' is not a valid IP subnet") from None
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(f"'{value}' isn't a recommended IP address, '{loose}' is "
                         "recommended") from None
    return net


def parse_ip(value: Any) -> Address:
    if not isinstance(value, str):
        raise ValueError(f"'{value}' is not a valid IP address")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a valid IP address") from None
