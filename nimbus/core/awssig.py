"""AWS request signatures (Signature Version 4, and version 2 for old clients).

Both sides of the EC2/S3 protocol use these: the object service's S3 API builds the string a
client signed from the request it received, and the identity service (which alone keeps the
secrets) computes the signature the secret gives for that string. The arithmetic is AWS's
published algorithm; nothing here knows about HTTP frameworks or databases.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
# The payload hash of an empty body, which the chunk signatures also name.
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# The services an S3 string to sign (``/v3/s3tokens``) may be scoped to, as Keystone allows
# them there. A whole request checked through ``/v3/ec2tokens`` may be signed for any service
# (Keystone's EC2 signer takes the scope as given): Heat's CloudFormation API is one.
SIGNING_SERVICES = ("s3", "iam", "sts")


class SignatureError(ValueError):
    """The signed material is not a well-formed AWS string to sign."""


@dataclass(frozen=True)
class Scope:
    """``<date>/<region>/<service>/aws4_request``: what a derived signing key is good for."""

    date: str
    region: str
    service: str

    def __str__(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        parts = text.split("/")
        if len(parts) != 4 or parts[3] != TERMINATOR or not all(parts[:3]):
            raise SignatureError("malformed credential scope")
        return cls(parts[0], parts[1], parts[2])


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def signing_key(secret: str, scope: Scope) -> bytes:
    """The key AWS derives from the secret for one day, region and service."""
    key = _hmac(f"AWS4{secret}".encode(), scope.date.encode())
    key = _hmac(key, scope.region.encode())
    key = _hmac(key, scope.service.encode())
    return _hmac(key, TERMINATOR.encode())


def hmac_hex(key: bytes, text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def uri_encode(text: str, keep_slash: bool) -> str:
    """AWS's URI encoding: every byte but the unreserved characters, as upper-case %XX."""
    return quote(text, safe="/-_.~" if keep_slash else "-_.~")


def canonical_query(pairs: Iterable[tuple[str, str]], skip: str | None = None) -> str:
    """The decoded query pairs, encoded again and sorted by name then value."""
    encoded = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in pairs if k != skip)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(headers: Mapping[str, str], signed: list[str]) -> str:
    """``name:value`` lines of the signed headers, values trimmed and inner spaces folded."""
    lines = []
    for name in signed:
        value = headers.get(name, "")
        lines.append(f"{name}:{' '.join(value.split())}\n")
    return "".join(lines)


def canonical_request(method: str, encoded_path: str, query: str, headers: Mapping[str, str],
                      signed: list[str], payload_hash: str) -> str:
    """The canonical request of SigV4; ``encoded_path`` is already URI-encoded once."""
    return "\n".join([method, encoded_path, query, canonical_headers(headers, signed),
                      ";".join(signed), payload_hash])


def string_to_sign(amz_date: str, scope: Scope, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return "\n".join([ALGORITHM, amz_date, str(scope), digest])


def chunk_string_to_sign(amz_date: str, scope: Scope, previous: str, chunk_sha256: str) -> str:
    """What each chunk of a ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` body is signed over: the
    signature before it chains the chunks, so none can be dropped or reordered."""
    return "\n".join([f"{ALGORITHM}-PAYLOAD", amz_date, str(scope), previous, EMPTY_SHA256,
                      chunk_sha256])


def sign_string_v4(secret: str, to_sign: bytes,
                   services: Collection[str] | None = None) -> str:
    """The signature of a SigV4 string to sign, the key derived from the scope it names;
    with ``services``, a scope naming another service is refused."""
    parts = to_sign.split(b"\n")
    if len(parts) != 4 or parts[0] != ALGORITHM.encode():
        raise SignatureError("not a SigV4 string to sign")
    try:
        scope = Scope.parse(parts[2].decode())
    except UnicodeDecodeError:
        raise SignatureError("malformed credential scope") from None
    if services is not None and scope.service not in services:
        raise SignatureError("the scope names a service these credentials do not sign for")
    return hmac_hex(signing_key(secret, scope), to_sign)


def sign_string_v2(secret: str, to_sign: bytes) -> str:
    """S3's version 2 signature: base64 of HMAC-SHA1."""
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def sign_string(secret: str, to_sign: bytes) -> str:
    """The signature ``secret`` gives the string, SigV4 or v2 by the string's shape."""
    if to_sign.startswith(b"AWS4"):
        return sign_string_v4(secret, to_sign, SIGNING_SERVICES)
    return sign_string_v2(secret, to_sign)


def same(given: str, expected: str) -> bool:
    """Constant-time comparison: a timing difference must not reveal a correct prefix."""
    return hmac.compare_digest(given.encode(), expected.encode())
