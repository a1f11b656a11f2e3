"""OAuth 1.0a consumers (OS-OAUTH1): the applications that may ask for delegated access."""

from __future__ import annotations

import secrets

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound
from nimbus.identity.db import credentials as q
from nimbus.identity.db.models import OAuthConsumer
from nimbus.identity.manager.passwords import hash_password


class ConsumerManager:
    def __init__(self, db: Database, kdf_cost: int) -> None:
        self.db = db
        self.kdf_cost = kdf_cost

    @retry_on_lock()
    def create(self, description: str | None) -> tuple[OAuthConsumer, str]:
        """A new consumer and its secret, which is shown only this once."""
        secret = secrets.token_urlsafe(32)
        with self.db.writer() as s:
            row = OAuthConsumer(description=description,
                                secret_hash=hash_password(secret, self.kdf_cost), extra={})
            s.add(row)
        return row, secret

    def get(self, consumer_id: str) -> OAuthConsumer:
        with self.db.reader() as s:
            row = s.get(OAuthConsumer, consumer_id)
        if row is None:
            raise NotFound(resource="consumer", id=consumer_id)
        return row

    def list(self) -> list[OAuthConsumer]:
        with self.db.reader() as s:
            return q.list_consumers(s)

    @retry_on_lock()
    def update(self, consumer_id: str, description: str | None) -> OAuthConsumer:
        with self.db.writer() as s:
            row = s.get(OAuthConsumer, consumer_id)
            if row is None:
                raise NotFound(resource="consumer", id=consumer_id)
            row.description = description
        return row

    @retry_on_lock()
    def delete(self, consumer_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(OAuthConsumer, consumer_id)
            if row is None:
                raise NotFound(resource="consumer", id=consumer_id)
            s.delete(row)
