"""CSRF protection for every form, as Django's (and so Horizon's) middleware gives it.

Before sign-in there is no session: the login form's ``csrfmiddlewaretoken`` must equal the
``csrftoken`` cookie that came with the form (a cross-site page can make the browser send the
cookie but cannot read it to put it in the form). After sign-in every form must carry the
session's own token. Either way a mismatch is a 403.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

COOKIE = "csrftoken"
FIELD = "csrfmiddlewaretoken"


def login_token(request: Request) -> str:
    """The token the login form carries: the browser's cookie, or a new one to set."""
    return request.cookies.get(COOKIE) or secrets.token_urlsafe(32)


def valid(given: object, expected: str | None) -> bool:
    return isinstance(given, str) and bool(expected) and \
        hmac.compare_digest(given.encode(), str(expected).encode())
