"""Who signed a CloudFormation request: identity checks the EC2 signature (``POST
/v3/ec2tokens``, as Heat's ec2token filter asks Keystone) and issues a token of the
credential's user on its project, which the API then reads as it reads any token.

Only identity keeps the secrets, so the request's parts travel there and the secret never comes
back. Every request is checked anew: a deleted credential or a removed role takes effect at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from nimbus.clients.base import ServiceClient
from nimbus.core.errors import NotFound, Unauthorized
from nimbus.core.platform import Platform
from nimbus.orchestration.constants import SERVICE_USER


@dataclass(frozen=True)
class SignedRequest:
    """What identity needs to compute the signature the credential's secret gives."""

    access: str
    signature: str
    host: str
    verb: str
    path: str
    # Only what was signed as parameters: all of them for version 2, the query string for
    # SigV4 (a form body is covered by ``body_hash`` instead).
    params: dict[str, str]
    headers: dict[str, str]
    body_hash: str


class UnknownKey(Exception):
    """No EC2 credential has this access key."""


class BadSignature(Exception):
    """The signature is not the one the key's secret gives."""


class Expired(Exception):
    """The signed time is too old."""


class Refused(Exception):
    """Identity refused for another reason (the user or project disabled or gone)."""


class _Ec2Tokens(ServiceClient):
    service_type = "identity"

    def exchange(self, signed: SignedRequest) -> str:
        """A token for the signer; identity's refusal is raised as the fault it answered."""
        body = {"credentials": {
            "access": signed.access, "signature": signed.signature, "host": signed.host,
            "verb": signed.verb, "path": signed.path, "params": signed.params,
            "headers": signed.headers, "body_hash": signed.body_hash}}
        # Streamed only to reach the response's headers: the token is in X-Subject-Token.
        resp = self.request("POST", "/ec2tokens", body, stream=True)
        try:
            token = resp.headers.get("X-Subject-Token")
        finally:
            resp.close()
        if not token:
            raise Refused("identity answered without a token")
        return str(token)


def signer_token(platform: Platform, signed: SignedRequest, paths: Sequence[str]) -> str:
    """The token of the request's signer, trying the request's path as each of ``paths``
    spells it (a client may have signed it with the trailing slash the API drops); raises
    ``UnknownKey``, ``BadSignature``, ``Expired`` or ``Refused``."""
    client = _Ec2Tokens(platform, SERVICE_USER)
    for path in paths:
        try:
            return client.exchange(replace(signed, path=path))
        except NotFound:
            raise UnknownKey() from None
        except Unauthorized as exc:
            # Identity says why only in its message, as Keystone does (Heat reads it too).
            text = exc.message.lower()
            if "expired" in text:
                raise Expired() from None
            if "signature" not in text:
                raise Refused(exc.message) from None
    raise BadSignature()
