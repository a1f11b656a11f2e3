"""Who signed an S3 request: identity checks the signature (``POST /v3/s3tokens``) and answers
with the token body of the credential's user on its project.

Every request is checked by identity, so a deleted credential, a disabled user or a removed role
takes effect at once. (Swift's s3token middleware may instead keep a key's secret for a while,
``secret_cache_duration``, trading that for fewer round trips.) Only a streamed upload, whose
chunks are each signed with the secret, has the secret fetched, with the service's own rights,
for that one request; it is never logged nor kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from nimbus.core.errors import NotFound, Unauthorized


class Ec2Backend(Protocol):
    """What the authenticator asks identity (``clients.ec2.Ec2Client`` in a cloud)."""

    def s3token(self, access: str, string_to_sign: bytes, signature: str) -> dict[str, Any]: ...

    def ec2_secret(self, user_id: str, access: str) -> str: ...


class BadSignature(Exception):
    """The signature is not the one the key's secret gives."""


class UnknownKey(Exception):
    """No EC2 credential has this access key."""


@dataclass
class Verified:
    """A request's signer: the token body identity gave, and the secret when it was needed."""

    token: dict[str, Any]
    secret: str | None


class S3Authenticator:
    def __init__(self, backend: Ec2Backend) -> None:
        self.backend = backend

    def verify(self, access: str, string_to_sign: bytes, signature: str,
               need_secret: bool = False) -> Verified:
        """The signer of ``string_to_sign``; ``BadSignature`` or ``UnknownKey`` otherwise.

        ``need_secret``: the caller must check more signatures with the same secret (a
        streamed upload's chunks), so it is read once the first signature is known good.
        """
        try:
            token = self.backend.s3token(access, string_to_sign, signature)
        except Unauthorized:
            raise BadSignature() from None
        except NotFound:
            raise UnknownKey() from None
        secret = None
        if need_secret:
            user_id = str((token.get("user") or {}).get("id") or "")
            secret = self.backend.ec2_secret(user_id, access) or None
        return Verified(token, secret)
