"""Network Topology: the picture in its page, and the picture alone for its live refresh."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nimbus.core.errors import NimbusError
from nimbus.dashboard.api.pages import Pages, error_page
from nimbus.dashboard.api.render import SECURITY_HEADERS, page, text
from nimbus.dashboard.manager import topology
from nimbus.dashboard.manager.sessions import Signed


def _context(p: Pages, request: Request, signed: Signed) -> dict[str, Any]:
    # The page of servers drawn: the marker is compute's, passed on as it came.
    marker = request.query_params.get("marker") or None
    return {"pic": topology.picture(p.user(signed), marker), "left": topology.LEFT,
            "box_w": topology.BOX_W, "box_h": topology.BOX_H, "bar_w": topology.BAR_W}


def index(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    try:
        context = _context(p, request, signed)
    except NimbusError as exc:
        return error_page(p, signed, exc)
    return page("topology.html", **p.base(signed, section="project/network_topology", **context))


def svg(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    try:
        context = _context(p, request, signed)
    except NimbusError as exc:
        return Response(exc.message, status_code=503, headers=dict(SECURITY_HEADERS))
    return Response(text("topology.svg", **context), media_type="image/svg+xml",
                    headers=dict(SECURITY_HEADERS))
