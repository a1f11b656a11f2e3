"""Signed access without a token: the HMACs of temporary URLs and form posts.

Both are keyed by the account's or container's ``Temp-URL-Key`` (and ``-2``, so that a key can
be rotated without breaking the URLs already handed out). A signature comes as hex (its length
names the digest) or as ``<digest>:<base64>``; every comparison takes the same time whatever
the input, so a signature cannot be guessed byte by byte.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hmac
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# sha1 is still accepted, as Swift does by default, but /info lists it as deprecated.
DIGESTS = ("sha1", "sha256", "sha512")
DEPRECATED_DIGESTS = ("sha1",)
_HEX_LENGTHS = {40: "sha1", 64: "sha256", 128: "sha512"}
KEY_NAMES = ("temp-url-key", "temp-url-key-2")
ISO_8601 = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class ScopedKey:
    """A key and where it was found: a container's key opens only that container."""

    key: str
    container: str | None


def keys_of(meta: Mapping[str, str]) -> list[str]:
    """The temp URL keys among an account's or container's metadata (names lower-cased)."""
    return [meta[name] for name in KEY_NAMES if meta.get(name)]


def parse_signature(value: str) -> tuple[str, str] | None:
    """``(digest, hex signature)`` of a signature as clients send it, or None when malformed."""
    if ":" in value:
        digest, _, encoded = value.partition(":")
        # Clients may send the URL-safe alphabet; Swift accepts both.
        if ("-" in encoded or "_" in encoded) and not ("+" in encoded or "/" in encoded):
            encoded = encoded.replace("-", "+").replace("_", "/")
        encoded = encoded.rstrip("=")
        encoded += "=" * (-len(encoded) % 4)
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None
        if digest not in DIGESTS:
            return None
        return digest, raw.hex()
    try:
        bytes.fromhex(value)
    except ValueError:
        return None
    hex_digest = _HEX_LENGTHS.get(len(value))
    return (hex_digest, value.lower()) if hex_digest else None


def expires_at(value: str | None, now: float | None = None) -> int:
    """``temp_url_expires`` (seconds since the epoch, or ISO 8601 in UTC) as seconds; 0 when it
    does not parse or has passed."""
    if value is None:
        return 0
    try:
        when = int(value)
    except ValueError:
        try:
            when = calendar.timegm(time.strptime(value, ISO_8601))
        except ValueError:
            return 0
    return 0 if when < (time.time() if now is None else now) else when


def url_hmac(key: str, method: str, expires: int | str, path: str, digest: str,
             ip_range: str | None = None) -> str:
    """The signature of a temporary URL: method, expiry and path (``prefix:``-ed for a prefix
    URL), preceded by ``ip=<range>`` when the URL is bound to client addresses."""
    parts = [method, str(expires), path]
    if ip_range:
        # First, so that a path holding a newline cannot pass for an address range.
        parts.insert(0, f"ip={ip_range}")
    return hmac.new(key.encode(), "\n".join(parts).encode(), digest).hexdigest()


def form_hmac(key: str, path: str, redirect: str, max_file_size: str, max_file_count: str,
              expires: str, digest: str) -> str:
    """The signature of a form post's fields, as the form's author computed it."""
    body = f"{path}\n{redirect}\n{max_file_size}\n{max_file_count}\n{expires}"
    return hmac.new(key.encode(), body.encode(), digest).hexdigest()


def matching(signature: str, candidates: Iterable[tuple[str, ScopedKey]]) -> ScopedKey | None:
    """The key whose HMAC equals ``signature``; every candidate is compared, in constant time."""
    found: ScopedKey | None = None
    for expected, scoped in candidates:
        if hmac.compare_digest(expected, signature) and found is None:
            found = scoped
    return found

