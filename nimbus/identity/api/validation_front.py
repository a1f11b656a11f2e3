"""``GET /v3/auth/tokens`` answered from memory when the same caller asked the same before.

Token validation is what every other service asks identity for, again and again for the same
tokens. The answer depends on the two tokens, the query, the identity data (users, projects,
assignments, the catalog, revocation events), revocations and the policy file. So a 200 is kept
under a digest of the tokens and query (never the tokens themselves), stamped with the shared
identity write generation, the shared revocation counter and the policy file's identity, and
answered again with the same bytes while those are unchanged, until the earlier of either token's
expiry and the token cache's lifetime (the bound on what other machines' writes may leave
stale). A write or a revocation in any API process moves the stamp at once, in every process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from nimbus.core.api.memo import ResponseMemo

if TYPE_CHECKING:
    from nimbus.core.api.service import ServiceRuntime
    from nimbus.identity.state import IdentityState

_TOKEN_HEADERS = {b"x-auth-token": 0, b"x-subject-token": 1}


def _expiry(body: bytes) -> float | None:
    try:
        expires = json.loads(body)["token"]["expires_at"]
        when = dt.datetime.strptime(expires[:19], "%Y-%m-%dT%H:%M:%S")
    except (ValueError, KeyError, TypeError):
        return None
    return when.replace(tzinfo=dt.UTC).timestamp()


class ValidationFront:
    def __init__(self, runtime: ServiceRuntime[IdentityState]) -> None:
        self.runtime = runtime
        self.path = f"{runtime.prefix}/v3/auth/tokens"
        tokens = runtime.state.tokens
        self.generation = tokens.bodies.generation
        self.lifetime = tokens.bodies.lifetime
        policy_dir = runtime.enforcer.policy_dir
        self.policy_file = Path(policy_dir) / "identity.yaml" if policy_dir else None
        self.memo = ResponseMemo(runtime.stamp)

    def _policy_stamp(self) -> tuple[int, int]:
        if self.policy_file is None:
            return (0, 0)
        try:
            st = os.stat(self.policy_file)
        except OSError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send,
                       downstream: ASGIApp) -> None:
        if scope["method"] != "GET" or scope["path"] != self.path or \
                b"allow_expired" in scope["query_string"]:
            await downstream(scope, receive, send)
            return
        found: list[bytes | None] = [None, None]
        for name, value in scope["headers"]:
            slot = _TOKEN_HEADERS.get(name)
            if slot is not None:
                found[slot] = value
            elif name == b"x-service-token":
                found[0] = None  # a service token's roles count: not kept
                break
        auth, subject = found
        if not auth or not subject:
            await downstream(scope, receive, send)
            return
        key = hashlib.blake2b(b"\0".join((auth, subject, scope["query_string"])),
                              digest_size=20).digest()
        stamp = (self.generation.value, self.runtime.auth.revocations, self._policy_stamp())
        if await self.memo.replay(key, stamp, scope, send):
            return
        captured = await self.memo.capture(scope, receive, send, downstream)
        if captured.status != 200:
            return
        until = time.time() + self.lifetime
        for expiry in (_expiry(captured.body), self.runtime.auth.expiry(auth.decode())):
            if expiry is None:
                return
            until = min(until, expiry)
        self.memo.keep(key, stamp, until, captured, _request_specific)


def _request_specific(name: bytes) -> bool:
    return name in (b"x-openstack-request-id", b"openstack-request-id")


def front(runtime: ServiceRuntime[Any]) -> ValidationFront:
    return ValidationFront(runtime)
