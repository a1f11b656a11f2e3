"""``/v3/OS-REVOKE/events``: the revocation events, for services that cache tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.identity.api.common import base, state
from nimbus.identity.api.trusts import parse_time
from nimbus.identity.db.models import RevocationEvent
from nimbus.identity.managers.revoke_events import list_events as events
from nimbus.identity.managers.tokens import iso_z

router = Router()

_FIELDS = ("user_id", "project_id", "domain_id", "audit_id", "audit_chain_id", "role_id")


def _event(ev: RevocationEvent) -> dict[str, Any]:
    body: dict[str, Any] = {k: getattr(ev, k) for k in _FIELDS if getattr(ev, k)}
    issued = dt.datetime.fromtimestamp(ev.issued_before_us / 1_000_000, dt.UTC)
    body["issued_before"] = iso_z(issued.replace(tzinfo=None))
    body["revoked_at"] = iso_z(ev.revoked_at)
    return body


@router.get("/v3/OS-REVOKE/events")
def list_events(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_revoke_events")
    since = parse_time("since", req.query.get("since"))
    rows = events(state(req).cloud.db, since)
    return {"events": [_event(ev) for ev in rows],
            "links": {"self": f"{base(req)}/v3/OS-REVOKE/events", "previous": None,
                      "next": None}}
