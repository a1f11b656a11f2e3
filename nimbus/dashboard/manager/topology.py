"""The network topology as the user sees it: networks, routers and servers, and which port
joins which device to which network; laid out for one SVG picture.

Networks are vertical bars side by side; each device (routers first, then servers) is a box in
the column on the left with a line to every network it has a port on.

A project may hold thousands of servers, and a picture of them all is neither quick to make nor
readable, so the picture holds one page of servers (the newest first, as compute lists them)
with a link to the next, and asks networking only for the ports of the devices it draws. The
first reads do not depend on each other and are made side by side.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from nimbus.clients.user_session import UserSession
from nimbus.core.errors import NimbusError

LEFT, BOX_W, BOX_H, ROW, TOP, BAR_GAP, BAR_W = 20, 170, 34, 50, 50, 90, 14
# Servers drawn on one page of the picture.
PAGE = 40
_PORT_FIELDS = ("device_id", "network_id", "fixed_ips", "device_owner")
_READERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="topology")


@dataclass
class Bar:
    id: str
    name: str
    external: bool
    x: int
    cidrs: list[str] = field(default_factory=list)


@dataclass
class Box:
    id: str
    name: str
    kind: str  # router, server
    status: str
    y: int
    links: list[tuple[int, str]] = field(default_factory=list)  # (bar x, address)


@dataclass
class Picture:
    bars: list[Bar]
    boxes: list[Box]
    width: int
    height: int
    # Paging of the servers: how many the project has (None: not known), and the marker of the
    # next page (None: this is the last).
    servers_total: int | None = None
    next_marker: str | None = None
    marker: str | None = None


def _servers(user: UserSession, marker: str | None) -> tuple[list[dict[str, Any]], str | None]:
    query = {"limit": str(PAGE), **({"marker": marker} if marker else {})}
    try:
        found = user.get("compute", f"/servers?{urlencode(query)}")
    except NimbusError:
        return [], None
    servers = found.get("servers", [])
    more = any(link.get("rel") == "next" for link in found.get("servers_links", []))
    return servers, (servers[-1]["id"] if more and servers else None)


def _servers_total(user: UserSession) -> int | None:
    try:
        return int(user.get("compute", "/limits")["limits"]["absolute"]["totalInstancesUsed"])
    except (NimbusError, KeyError, TypeError, ValueError):
        return None


def _ports(user: UserSession, device_ids: list[str]) -> list[dict[str, Any]]:
    if not device_ids:
        return []
    query = [("device_id", d) for d in device_ids] + [("fields", f) for f in _PORT_FIELDS]
    return list(user.get("network", f"/v2.0/ports?{urlencode(query)}")["ports"])


def picture(user: UserSession, marker: str | None = None) -> Picture:
    reads = {
        "networks": _READERS.submit(user.get, "network", "/v2.0/networks"),
        "subnets": _READERS.submit(user.get, "network",
                                   "/v2.0/subnets?fields=id&fields=cidr"),
        "routers": _READERS.submit(user.get, "network", "/v2.0/routers"),
        "servers": _READERS.submit(_servers, user, marker),
        "total": _READERS.submit(_servers_total, user),
    }
    networks = reads["networks"].result()["networks"]
    subnets = {s["id"]: s for s in reads["subnets"].result()["subnets"]}
    routers = reads["routers"].result()["routers"]
    servers, next_marker = reads["servers"].result()
    total = reads["total"].result()
    ports = _ports(user, [r["id"] for r in routers] + [s["id"] for s in servers])
    start = LEFT + BOX_W + 60
    bars = {n["id"]: Bar(n["id"], n.get("name") or n["id"][:8], bool(n.get("router:external")),
                         start + i * BAR_GAP,
                         [subnets[s]["cidr"] for s in n.get("subnets", []) if s in subnets])
            for i, n in enumerate(sorted(networks, key=lambda n: (not n.get("router:external"),
                                                                  n.get("name", ""))))}
    devices: list[tuple[str, str, str, str]] = [
        (r["id"], r.get("name") or r["id"][:8], "router", r.get("status", "")) for r in routers]
    devices += [(s["id"], s.get("name") or s["id"][:8], "server", "") for s in servers]
    boxes = {ident: Box(ident, name, kind, status, TOP + n * ROW)
             for n, (ident, name, kind, status) in enumerate(devices)}
    for router in routers:
        gateway = (router.get("external_gateway_info") or {}).get("network_id")
        if gateway in bars:
            boxes[router["id"]].links.append((bars[gateway].x, "gateway"))
    for port in ports:
        box, bar = boxes.get(port.get("device_id", "")), bars.get(port.get("network_id", ""))
        if box is None or bar is None or port.get("device_owner") == \
                "network:router_gateway":
            continue
        address = ", ".join(ip["ip_address"] for ip in port.get("fixed_ips", []))
        box.links.append((bar.x, address))
    height = max(TOP + len(boxes) * ROW, 200) + 20
    width = start + max(len(bars), 1) * BAR_GAP + 60
    return Picture(list(bars.values()), list(boxes.values()), width, height,
                   servers_total=total, next_marker=next_marker, marker=marker)

