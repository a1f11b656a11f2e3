"""Service credentials: background work authenticates as the service, never as the user."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keystoneauth1 import session as ks_session


class ServiceCredentials:
    """A keystoneauth session per service user, created lazily and shared by threads."""

    def __init__(self, auth_url: str, passwords: dict[str, str], region: str) -> None:
        self.auth_url = auth_url
        self.passwords = passwords
        self.region = region
        self._sessions: dict[str, ks_session.Session] = {}
        self._lock = threading.Lock()

    def trust_session(self, user: str, trust_id: str) -> ks_session.Session:
        """A session of ``user`` scoped to a trust: the service acting for the trust's
        trustor with the roles it delegated (orchestration's engine, for a stack's owner)."""
        key = f"{user}\x00trust\x00{trust_id}"
        with self._lock:
            sess = self._sessions.get(key)
            if sess is None:
                from keystoneauth1 import session as ks_session
                from keystoneauth1.identity import v3

                auth = v3.Password(auth_url=self.auth_url, username=user,
                                   password=self.passwords[user], user_domain_id="default",
                                   trust_id=trust_id)
                sess = ks_session.Session(auth=auth)
                self._sessions[key] = sess
            return sess

    def session(self, user: str) -> ks_session.Session:
        with self._lock:
            sess = self._sessions.get(user)
            if sess is None:
                # Imported here: a process that never calls another service need not load it.
                from keystoneauth1 import session as ks_session
                from keystoneauth1.identity import v3

                auth = v3.Password(
                    auth_url=self.auth_url,
                    username=user,
                    password=self.passwords[user],
                    user_domain_id="default",
                    project_name="service",
                    project_domain_id="default",
                )
                sess = ks_session.Session(auth=auth)
                self._sessions[user] = sess
            return sess
