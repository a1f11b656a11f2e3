"""Access a signed request carries instead of a token, for the length of that request.

A valid temporary URL lets its bearer into one account (an account key) or one container (a
container key), as Swift's tempurl middleware overrides the auth system; the handlers' own
checks (``common.authorize_in_container``) ask here before policy and ACLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    account: str
    #: None: every container of the account.
    container: str | None

    def covers(self, account: str, container: str) -> bool:
        return account == self.account and self.container in (None, container)


_CURRENT: ContextVar[Grant | None] = ContextVar("object_grant", default=None)


@contextmanager
def granting(grant: Grant) -> Iterator[None]:
    """Hold ``grant`` while the request's handler runs; it ends with the request."""
    token = _CURRENT.set(grant)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def covers(account: str, container: str) -> bool:
    grant = _CURRENT.get()
    return grant is not None and grant.covers(account, container)


def active() -> bool:
    """Whether the request runs on a signed grant (staticweb serves such requests too)."""
    return _CURRENT.get() is not None
