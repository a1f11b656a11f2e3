"""Remote consoles: a token for the guest's VNC, SPICE or serial console, and its URL.

The token is returned once and stored only as a hash; the console proxy (and an
administrator, through ``os-console-auth-tokens``) turns it back into the host and port the
hypervisor gives the guest's console.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlsplit

from nimbus.compute.db import console_tokens as tokens
from nimbus.compute.db.models import Instance
from nimbus.compute.manager.lifecycle import ServerLifecycle
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, NimbusError, NotFound, Unauthorized

# Each protocol's console types (2.6's remote-consoles), and the page each opens on. The
# noVNC page finds its websocket at "/" + its ``path`` parameter on the same host.
TYPES: dict[str, dict[str, str]] = {
    "vnc": {"novnc": "vnc_lite.html?path={websocket}",
            "xvpvnc": "console?token={token}"},
    "spice": {"spice-html5": "spice_auto.html?token={token}"},
    "serial": {"serial": "?token={token}"},
    "rdp": {"rdp-html5": "?token={token}"},
    "mks": {"webmks": "?token={token}"},
}
# Seconds a console token stays valid (Nova's [consoleauth] token_ttl).
TOKEN_TTL = 600


class ConsoleManager:
    def __init__(self, db: Database, lifecycle: ServerLifecycle) -> None:
        self.db = db
        self.lifecycle = lifecycle

    def create(self, ctx: RequestContext, row: Instance, protocol: str, console_type: str,
               base_url: str) -> dict[str, Any]:
        """A console for the guest: ``{"protocol", "type", "url"}``."""
        pages = TYPES.get(protocol, {})
        if console_type not in pages:
            raise BadRequest(f"Unavailable console type {console_type}.")
        try:
            where = self.lifecycle.console(ctx, row, console_type)
        except NimbusError as exc:
            if exc.code >= 500:
                raise BadRequest(f"Unavailable console type {console_type}.") from None
            raise
        token = secrets.token_urlsafe(24)
        tokens.store(self.db, token, instance_uuid=row.uuid, console_type=console_type,
                     host=str(where["host"]), port=int(where["port"]),
                     internal_access_path=where.get("internal_access_path"), ttl=TOKEN_TTL)
        scheme = "ws" if protocol == "serial" else "http"
        base = base_url.replace("http", scheme, 1) if scheme == "ws" else base_url
        prefix = urlsplit(base_url).path.strip("/")
        websocket = "/".join(p for p in (prefix, f"console/{protocol}/websockify") if p)
        page = pages[console_type].format(
            token=token, websocket=quote(f"{websocket}?token={token}", safe=""))
        url = f"{base}/console/{protocol}/{page}"
        return {"protocol": protocol, "type": console_type, "url": url}

    def show_token(self, token: str, rdp_only: bool) -> dict[str, Any]:
        """Where a token leads (for an administrator); before 2.31 only RDP tokens are
        shown, as Nova does."""
        row = tokens.find(self.db, token)
        if row is None:
            raise NotFound("The token is invalid or has expired.")
        if rdp_only and row.console_type != "rdp-html5":
            raise Unauthorized("The requested console type details are not accessible")
        return {"instance_uuid": row.instance_uuid, "host": row.host, "port": row.port,
                "internal_access_path": row.internal_access_path}
