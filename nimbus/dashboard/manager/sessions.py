"""Sign-in sessions: a random cookie for the browser, everything else on the server.

The cookie's value is never stored, only its SHA-256, and the user's token is kept encrypted
(Fernet, with the cloud's ``dashboard_session_key``), so neither a look at the database nor one
at the logs gives a way in. A session ends at the sooner of its token's expiry and
``idle_timeout`` seconds after it was last used (Horizon's ``SESSION_TIMEOUT``); a logout
deletes it and revokes the token.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from nimbus.clients.user_session import Scoped
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.dashboard.db import sessions
from nimbus.dashboard.db.models import WebSession

# Horizon's default SESSION_TIMEOUT: an hour without a request ends the session.
IDLE_TIMEOUT = 3600.0
# Seconds of idle time restarted before the new expiry is written down.
TOUCH_EVERY = 60.0


@dataclass
class Signed:
    """A live session: its cookie, its CSRF token and the user's scoped token."""

    cookie: str
    csrf: str
    scoped: Scoped


def _id(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def _expiry(scoped: Scoped, idle_timeout: float) -> float:
    limit = time.time() + idle_timeout
    try:
        token_end = dt.datetime.fromisoformat(scoped.expires_at.replace("Z", "+00:00"))
    except ValueError:
        return limit
    return min(limit, token_end.timestamp())


class SessionManager:
    def __init__(self, db: Database, key: str, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.db = db
        self.fernet = Fernet(key.encode())
        self.idle_timeout = idle_timeout

    def _seal(self, scoped: Scoped) -> str:
        return self.fernet.encrypt(json.dumps(dataclasses.asdict(scoped)).encode()).decode()

    def _open(self, data: str) -> Scoped | None:
        try:
            return Scoped(**json.loads(self.fernet.decrypt(data.encode())))
        except (InvalidToken, ValueError, TypeError):
            return None

    @retry_on_lock()
    def create(self, scoped: Scoped) -> Signed:
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.db.writer() as tx:
            sessions.remove_expired(tx, time.time())
            sessions.add(tx, WebSession(id=_id(cookie), csrf=csrf, user_id=scoped.user_id,
                                        data=self._seal(scoped),
                                        expires_at=_expiry(scoped, self.idle_timeout)))
        return Signed(cookie, csrf, scoped)

    def find(self, cookie: str | None) -> Signed | None:
        """The live session of ``cookie``, its idle time restarted; None when there is none.

        A page only reads the session; its expiry is written again once it has moved by
        ``TOUCH_EVERY`` seconds, so that pages do not queue for the database's writer."""
        if not cookie:
            return None
        now = time.time()
        with self.db.reader() as tx:
            row = sessions.get(tx, _id(cookie))
            found = None if row is None else (row.data, row.csrf, row.expires_at)
        if found is None:
            return None
        data, csrf, expires_at = found
        scoped = self._open(data)
        if scoped is None or expires_at < now:
            self.end(cookie)
            return None
        fresh = _expiry(scoped, self.idle_timeout)
        if fresh - expires_at > TOUCH_EVERY:
            self._touch(cookie, fresh)
        return Signed(cookie, csrf, scoped)

    @retry_on_lock()
    def _touch(self, cookie: str, expires_at: float) -> None:
        with self.db.writer() as tx:
            row = sessions.get(tx, _id(cookie))
            if row is not None:
                row.expires_at = expires_at

    @retry_on_lock()
    def replace(self, signed: Signed, scoped: Scoped) -> Signed:
        """The same session holding another token (the user switched projects)."""
        with self.db.writer() as tx:
            row = sessions.get(tx, _id(signed.cookie))
            if row is not None:
                row.data = self._seal(scoped)
                row.expires_at = _expiry(scoped, self.idle_timeout)
        return Signed(signed.cookie, signed.csrf, scoped)

    @retry_on_lock()
    def end(self, cookie: str) -> None:
        with self.db.writer() as tx:
            sessions.remove(tx, _id(cookie))
