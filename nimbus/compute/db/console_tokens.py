"""Remote console tokens: stored by hash, valid until they expire."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select

from nimbus.compute.db.models import ConsoleToken
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@retry_on_lock()
def store(db: Database, token: str, *, instance_uuid: str, console_type: str, host: str,
          port: int, internal_access_path: str | None, ttl: int) -> None:
    with db.writer() as s:
        # Expired tokens go as new ones come, so the table holds only live ones.
        s.execute(delete(ConsoleToken).where(ConsoleToken.expires_at < utcnow()))
        s.add(ConsoleToken(token_hash=token_hash(token), instance_uuid=instance_uuid,
                           console_type=console_type, host=host, port=port,
                           internal_access_path=internal_access_path,
                           expires_at=utcnow() + dt.timedelta(seconds=ttl)))


def find(db: Database, token: str) -> ConsoleToken | None:
    """The token's record, if it exists and has not expired."""
    with db.reader() as s:
        row = s.scalar(select(ConsoleToken).filter_by(token_hash=token_hash(token)))
    if row is None or row.expires_at < utcnow():
        return None
    return row


@retry_on_lock()
def drop_for(db: Database, instance_uuid: str) -> None:
    """A server's tokens stop working when it goes away."""
    with db.writer() as s:
        s.execute(delete(ConsoleToken).where(ConsoleToken.instance_uuid == instance_uuid))
