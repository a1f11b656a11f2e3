"""Reading revocation events back, for ``GET /v3/OS-REVOKE/events``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from nimbus.core.db.engine import Database
from nimbus.identity.db.models import RevocationEvent


def list_events(db: Database, since: dt.datetime | None = None) -> list[RevocationEvent]:
    with db.reader() as s:
        stmt = select(RevocationEvent).order_by(RevocationEvent.id)
        if since is not None:
            stmt = stmt.where(RevocationEvent.revoked_at > since)
        return list(s.scalars(stmt))
