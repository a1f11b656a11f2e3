"""Password hashing with scrypt, a memory-hard KDF from the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time

_R, _P, _DKLEN = 8, 1, 32
# scrypt runs outside the interpreter's lock and holds 128 * r * N bytes (16 MiB at the default
# cost) while it runs: no more run at once than there are cores, since more would not finish
# sooner, only hold their memory together (a start's service users all sign in at once).
_KDF_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    with _KDF_SLOTS:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen,
                              maxmem=2**30)


def hash_password(password: str, cost: int = 14) -> str:
    """``scrypt$<log2 N>$<r>$<p>$<salt>$<hash>``; ``cost`` is log2 of scrypt's N."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, 2**cost, _R, _P, _DKLEN)
    return "$".join(["scrypt", str(cost), str(_R), str(_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def verify_password(password: str, encoded: str | None) -> bool:
    if not encoded or not encoded.startswith("scrypt$"):
        return False
    try:
        _, cost, r, p, salt_b64, digest_b64 = encoded.split("$")
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        actual = _scrypt(password, salt, 2 ** int(cost), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class VerifiedPasswords:
    """Passwords recently proven right against a stored hash, recognised again without the KDF.

    An entry is a digest of the password keyed with a secret drawn when this process starts,
    filed under a digest of the stored hash: a new password (a new hash, a new salt) finds no
    entry, and a wrong one does not match and pays the KDF in full. Entries end after
    ``seconds``; nothing is written anywhere.
    """

    def __init__(self, seconds: float, max_entries: int = 4096) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._key = secrets.token_bytes(32)
        self._entries: dict[bytes, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def check(self, password: str, encoded: str | None) -> bool:
        if self.seconds <= 0 or not encoded:
            return verify_password(password, encoded)
        slot = hashlib.sha256(encoded.encode()).digest()
        tag = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        entry = self._entries.get(slot)
        if entry is not None and entry[1] > time.monotonic() and hmac.compare_digest(
                entry[0], tag):
            return True
        if not verify_password(password, encoded):
            return False
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[slot] = (tag, time.monotonic() + self.seconds)
        return True
