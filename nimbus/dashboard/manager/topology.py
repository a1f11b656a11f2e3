"""The network topology as the user sees it: networks, routers and servers, and which port
joins which device to which network; laid out for one SVG picture.

Networks are vertical bars side by side; each device (routers first, then servers) is a box in
the column on the left with a line to every network it has a port on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nimbus.clients.user_session import UserSession
from nimbus.core.errors import NimbusError

LEFT, BOX_W, BOX_H, ROW, TOP, BAR_GAP, BAR_W = 20, 170, 34, 50, 50, 90, 14


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


def picture(user: UserSession) -> Picture:
    networks = user.get("network", "/v2.0/networks")["networks"]
    subnets = {s["id"]: s for s in user.get("network", "/v2.0/subnets")["subnets"]}
    ports = user.get("network", "/v2.0/ports")["ports"]
    routers = user.get("network", "/v2.0/routers")["routers"]
    try:
        servers = user.get("compute", "/servers")["servers"]
    except NimbusError:
        servers = []
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
    return Picture(list(bars.values()), list(boxes.values()), width, height)


def as_dict(found: Picture) -> dict[str, Any]:
    return {"bars": [b.__dict__ for b in found.bars], "boxes": [b.__dict__ for b in found.boxes]}
