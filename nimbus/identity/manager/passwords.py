"""Password hashing with scrypt, a memory-hard KDF from the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_R, _P, _DKLEN = 8, 1, 32


def hash_password(password: str, cost: int = 14) -> str:
    """``scrypt$<log2 N>$<r>$<p>$<salt>$<hash>``; ``cost`` is log2 of scrypt's N."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**cost, r=_R, p=_P, dklen=_DKLEN,
                            maxmem=2**30)
    return "$".join(["scrypt", str(cost), str(_R), str(_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def verify_password(password: str, encoded: str | None) -> bool:
    if not encoded or not encoded.startswith("scrypt$"):
        return False
    try:
        _, cost, r, p, salt_b64, digest_b64 = encoded.split("$")
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(password.encode(), salt=salt, n=2 ** int(cost), r=int(r),
                                p=int(p), dklen=len(expected), maxmem=2**30)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
