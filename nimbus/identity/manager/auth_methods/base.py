"""The contract of a v3 auth method: each one proves something about who is calling.

A method reads its part of ``auth.identity`` and records what it proved in the shared
``AuthResult``. Every method named in the request must succeed and must agree on the user (that
is how multi-factor rules are met). The service's state builds one instance of each method with
the managers it needs, by name.

Federated methods read the assertion from the request's headers, which only the HTTP layer sees:
it hands them over in ``REQUEST_HEADERS`` for the duration of one authentication. They never
come from the JSON body, where any client could write them.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

from nimbus.core.errors import BadRequest, Unauthorized
from nimbus.identity.db.models import ApplicationCredential, User

REQUEST_HEADERS: ContextVar[Mapping[str, str] | None] = ContextVar(
    "nimbus_federation_request_headers", default=None)


@contextmanager
def request_headers(headers: Mapping[str, str]) -> Iterator[None]:
    """Make this request's headers available to the auth methods (federated ones, receipts)."""
    token = REQUEST_HEADERS.set(headers)
    try:
        yield
    finally:
        REQUEST_HEADERS.reset(token)


def require(body: dict[str, Any], *path: str) -> Any:
    """``body[path[0]][path[1]]...`` or a 400 naming the missing field."""
    node: Any = body
    for i, key in enumerate(path):
        if not isinstance(node, dict) or key not in node:
            raise BadRequest(f"Invalid input for field '{'.'.join(path[: i + 1])}': it is "
                             f"required.")
        node = node[key]
    return node


@dataclass
class AuthResult:
    user: User | None = None
    parent_audit_id: str | None = None
    expires_at: dt.datetime | None = None
    app_cred: ApplicationCredential | None = None
    # The scope of a token being rescoped, used when the request names none.
    token_scope: tuple[str, str | None] | None = None
    # Extra facts a method wants carried in the token (trust, federation, ...).
    extras: dict[str, Any] = field(default_factory=dict)

    def set_user(self, user: User) -> None:
        if self.user is not None and self.user.id != user.id:
            raise Unauthorized("The auth methods identified different users.")
        self.user = user


class AuthMethod(abc.ABC):
    name: ClassVar[str] = ""

    @abc.abstractmethod
    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        """Prove ``data`` (this method's part of ``auth.identity``) or raise Unauthorized."""
