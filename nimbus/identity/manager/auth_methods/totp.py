"""The ``totp`` method: a time-based one-time passcode (RFC 6238) from a ``totp`` credential.

The credential's blob is the shared secret, base32 as authenticator apps take it. Like Keystone,
the passcode of the previous 30-second window is accepted too, to allow for clock drift.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time
from typing import Any

from nimbus.core.errors import BadRequest, Unauthorized
from nimbus.identity.constants import TOTP
from nimbus.identity.manager.auth_methods.base import AuthMethod, AuthResult, require
from nimbus.identity.manager.auth_methods.refs import References
from nimbus.identity.manager.credentials import CredentialManager

STEP = 30
DIGITS = 6
PREVIOUS_WINDOWS = 1


def passcode(secret: str, at: float | None = None, digits: int = DIGITS) -> str:
    """The passcode of ``secret`` for the window holding ``at`` (now by default)."""
    padded = secret.strip().replace(" ", "").upper()
    padded += "=" * (-len(padded) % 8)
    key = base64.b32decode(padded)
    counter = int((time.time() if at is None else at) // STEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10 ** digits).zfill(digits)


class Totp(AuthMethod):
    name = "totp"

    def __init__(self, refs: References, creds: CredentialManager) -> None:
        self.refs = refs
        self.creds = creds

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        ref = require({"totp": data}, "totp", "user")
        user = self.refs.user(ref)
        code = ref.get("passcode")
        if not isinstance(code, str) or not code:
            raise BadRequest("Invalid input for field 'totp.user.passcode': it is required.")
        now = time.time()
        for cred in self.creds.list(user.id, TOTP):
            secret = self.creds.unseal(cred)
            for window in range(PREVIOUS_WINDOWS + 1):
                try:
                    expected = passcode(secret, now - window * STEP)
                except (binascii.Error, ValueError):
                    break
                if hmac.compare_digest(expected, code):
                    if not user.enabled:
                        raise Unauthorized(f"User {user.id} is disabled.")
                    result.set_user(user)
                    return
        raise Unauthorized("The request you have made requires authentication.")
