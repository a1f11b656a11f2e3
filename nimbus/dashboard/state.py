"""The dashboard's state in one process: its sessions, and how it signs a user in."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from nimbus.clients import user_session
from nimbus.clients.user_session import Scoped, UserSession
from nimbus.core.errors import NimbusError, Unauthorized
from nimbus.core.platform import Platform
from nimbus.dashboard.manager.sessions import SessionManager
from nimbus.dashboard.schemas.forms import LoginForm

# Seconds a user's list of projects is reused for the switcher.
PROJECTS_FOR = 30.0


@dataclass
class DashboardState:
    sessions: SessionManager
    identity_url: str
    region: str
    # Sign-in through identity providers: {id, label, idp, protocol}.
    websso: list[dict[str, str]]
    # Where identity hands a WebSSO token back.
    websso_origin: str
    _projects: dict[str, tuple[float, list[dict[str, Any]]]] = field(default_factory=dict)

    def sign_in(self, form: LoginForm) -> Scoped:
        """A token for the user's default project (identity scopes a token asked for without
        a scope to it), else for the first project by name, else an unscoped one when the user
        has no project yet (the pages then say so)."""
        unscoped = user_session.password_login(self.identity_url, form.username,
                                                form.password, form.domain)
        return self.first_project(unscoped)

    def sign_in_with_token(self, token: str) -> Scoped:
        """A WebSSO sign-in: the unscoped token identity handed over, scoped as a password
        sign-in would be."""
        return self.first_project(user_session.inspect(self.identity_url, token))

    def websso_url(self, choice: str) -> str | None:
        from urllib.parse import quote

        for option in self.websso:
            if option.get("id") == choice:
                return (f"{self.identity_url}/auth/OS-FEDERATION/identity_providers/"
                        f"{quote(option['idp'], safe='')}/protocols/"
                        f"{quote(option['protocol'], safe='')}/websso"
                        f"?origin={quote(self.websso_origin, safe='')}")
        return None

    def first_project(self, unscoped: Scoped) -> Scoped:
        if unscoped.project_id:
            return unscoped
        projects = UserSession(self.identity_url, unscoped, self.region).projects()
        enabled = [p for p in projects if p.get("enabled", True)]
        if not enabled:
            return unscoped
        return user_session.rescope(self.identity_url, unscoped.token, enabled[0]["id"])

    def project_choices(self, user: UserSession) -> list[dict[str, Any]]:
        """The switcher's projects; asked of identity again after ``PROJECTS_FOR`` seconds
        (every page shows them)."""
        key = hashlib.sha256(user.scoped.token.encode()).hexdigest()
        now = time.monotonic()
        cached = self._projects.get(key)
        if cached is not None and now - cached[0] < PROJECTS_FOR:
            return cached[1]
        try:
            found = [p for p in user.projects() if p.get("enabled", True)]
        except Unauthorized:
            raise
        except NimbusError:
            return []
        if len(self._projects) > 10_000:
            self._projects.clear()
        self._projects[key] = (now, found)
        return found


def build(platform: Platform) -> DashboardState:
    return DashboardState(
        sessions=SessionManager(platform.db, platform.secrets["dashboard_session_key"]),
        identity_url=platform.identity_url,
        region=platform.settings.region,
        websso=[dict(c) for c in platform.settings.dashboard.websso_choices],
        websso_origin=f"{platform.settings.public_url}/dashboard/auth/websso/",
    )
