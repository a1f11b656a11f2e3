"""``/v3/OS-REVOKE/events``: the revocation events, for services that cache tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.identity.api.common import base, parse_time
from nimbus.identity.schemas import queries
from nimbus.identity.schemas.rows import RevocationEvent
from nimbus.identity.schemas.views import iso_z
from nimbus.identity.state import IdentityState

router = Router()

_FIELDS = ("user_id", "project_id", "domain_id", "audit_id", "audit_chain_id", "role_id")


def _event(ev: RevocationEvent) -> dict[str, Any]:
    body: dict[str, Any] = {k: getattr(ev, k) for k in _FIELDS if getattr(ev, k)}
    issued = dt.datetime.fromtimestamp(ev.issued_before_us / 1_000_000, dt.UTC)
    body["issued_before"] = iso_z(issued.replace(tzinfo=None))
    body["revoked_at"] = iso_z(ev.revoked_at)
    return body


@router.get("/v3/OS-REVOKE/events", query=queries.text("since"))
def list_events(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List revocation events (revoked after ``since``)."""
    req.enforce("identity:list_revoke_events")
    since = parse_time("since", req.query.get("since"))
    rows = req.svc.revocations.events(since)
    return {"events": [_event(ev) for ev in rows],
            "links": {"self": f"{base(req)}/v3/OS-REVOKE/events", "previous": None,
                      "next": None}}
