"""The contract of a v3 auth method: each one proves something about who is calling.

A method reads its part of ``auth.identity`` and records what it proved in the shared
``AuthResult``. Every method named in the request must succeed and must agree on the user (that
is how multi-factor rules are met). New methods register themselves in ``METHODS``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from nimbus.core.errors import Unauthorized

if TYPE_CHECKING:
    from nimbus.identity.db.models import ApplicationCredential, User
    from nimbus.identity.manager import IdentityState


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


class AuthMethod:
    name: ClassVar[str] = ""

    def __init__(self, state: IdentityState) -> None:
        self.st = state

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        """Prove ``data`` (this method's part of ``auth.identity``) or raise Unauthorized."""
        raise NotImplementedError


METHODS: dict[str, type[AuthMethod]] = {}


def register(cls: type[AuthMethod]) -> type[AuthMethod]:
    METHODS[cls.name] = cls
    return cls
