"""Token validation for every service, with a short cache.

In one process the identity service hands its own validator in (``use_local``); elsewhere tokens
are checked against the identity API with the service's credentials, as keystonemiddleware does.
Any revocation clears the cache in every process of the cloud on this machine (through a counter
they share, ``core/shared_counter.py``), and the cache lifetime bounds staleness across machines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.errors import NotFound, ServiceUnavailable, Unauthorized
from nimbus.core.shared_counter import SharedCounter

TokenBody = dict[str, Any]


def _key(token: str) -> str:
    # Never keep raw tokens as keys: a heap dump should not hand them out.
    return hashlib.sha256(token.encode()).hexdigest()


def _expires(body: TokenBody) -> float:
    """The token's expiry as a POSIX timestamp (infinity when it has none)."""
    expires = body.get("expires_at")
    if not expires:
        return math.inf
    when = dt.datetime.strptime(expires[:19], "%Y-%m-%dT%H:%M:%S")
    return when.replace(tzinfo=dt.UTC).timestamp()


class TokenValidator:
    def __init__(self, cache_seconds: int = 30, max_entries: int = 10000,
                 shared: Path | None = None) -> None:
        self.cache_seconds = cache_seconds
        self.max_entries = max_entries
        # Moved by a revocation in any process; the cache is emptied when it has moved.
        self._revocations = SharedCounter(shared)
        self._seen = self._revocations.value
        self._backend: Callable[[str], TokenBody] | None = None
        # key -> (cache deadline on the monotonic clock, token expiry as a timestamp, body)
        self._cache: dict[str, tuple[float, float, TokenBody]] = {}
        self._lock = threading.Lock()

    def use_local(self, backend: Callable[[str], TokenBody]) -> None:
        """Validate with ``backend(token) -> token body``; it raises NotFound/Unauthorized."""
        self._backend = backend

    def use_remote(self, fetch: Callable[[str], TokenBody]) -> None:
        self._backend = fetch


    def validate(self, token: str) -> TokenBody:
        key = _key(token)
        now = time.monotonic()
        seen = self._revocations.value
        with self._lock:
            if seen != self._seen:
                self._cache.clear()
                self._seen = seen
            hit = self._cache.get(key)
        if hit and hit[0] > now and hit[1] > time.time():
            return hit[2]
        if self._backend is None:
            raise Unauthorized("The identity service is not available to validate tokens.")
        try:
            body = self._backend(token)
        except NotFound:
            raise Unauthorized("The request you have made requires authentication.") from None
        with self._lock:
            if len(self._cache) >= self.max_entries:
                self._cache.clear()
            # A body fetched before a revocation that came meanwhile is not kept.
            if self._seen == seen == self._revocations.value:
                self._cache[key] = (now + self.cache_seconds, _expires(body), body)
        return body

    @property
    def revocations(self) -> int:
        """Moves with every revocation in any process of the cloud on this machine."""
        return self._revocations.value

    def expiry(self, token: str) -> float | None:
        """When ``token``, validated and cached here, expires (a POSIX timestamp)."""
        with self._lock:
            hit = self._cache.get(_key(token))
        return None if hit is None else min(hit[1], time.time() + hit[0] - time.monotonic())

    def invalidate(self) -> None:
        """Forget every validated token, here and in the cloud's other processes."""
        self._revocations.bump()
        with self._lock:
            self._cache.clear()
            self._seen = self._revocations.value

    def fill_context(self, ctx: RequestContext, token: str) -> None:
        body = self.validate(token)
        user = body.get("user") or {}
        ctx.user_id = user.get("id")
        ctx.user_name = user.get("name")
        ctx.user_domain_id = (user.get("domain") or {}).get("id")
        project = body.get("project")
        if project:
            ctx.project_id = project.get("id")
            ctx.project_name = project.get("name")
            ctx.project_domain_id = (project.get("domain") or {}).get("id")
        domain = body.get("domain")
        if domain:
            ctx.domain_id = domain.get("id")
            ctx.domain_name = domain.get("name")
        if body.get("system"):
            ctx.system_scope = "all"
        ctx.roles = [r["name"] for r in body.get("roles", [])]
        ctx.audit_ids = list(body.get("audit_ids", []))
        ctx.catalog = body.get("catalog", [])
        app_cred = body.get("application_credential") or {}
        ctx.app_cred_id = app_cred.get("id")
        ctx.access_rules = app_cred.get("access_rules") or None
        ctx.trust_id = (body.get("OS-TRUST:trust") or {}).get("id")
        ctx.token_expires_at = body.get("expires_at")
        ctx.auth_token = token
        ctx.authenticated = True


def remote_fetcher(session: Any, identity_url: str) -> Callable[[str], TokenBody]:
    """Validation through the identity API, as keystonemiddleware does, for a process that does
    not run the identity service itself; ``session`` authenticates as a service user."""

    def fetch(token: str) -> TokenBody:
        from keystoneauth1 import exceptions as ks_exc

        try:
            resp = session.get(f"{identity_url}/auth/tokens",
                               headers={"X-Subject-Token": token}, raise_exc=False)
        except ks_exc.ClientException as exc:
            raise ServiceUnavailable(reason=f"The identity service could not be reached to "
                                     f"validate a token: {type(exc).__name__}.") from None
        if resp.status_code in (401, 404):
            raise NotFound(resource="token", id="***")
        if resp.status_code != 200:
            raise Unauthorized(f"The identity service answered {resp.status_code} when "
                               f"validating a token.")
        return resp.json()["token"]  # type: ignore[no-any-return]

    return fetch
