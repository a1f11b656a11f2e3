"""A test identity provider: its mapping, and JWTs signed with a key made for the test."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER = "https://idp.test.example"
AUDIENCE = "nimbus"
REMOTE_ID_HEADER = "X-Idp-Entity"
PREFIX = "X-Fed-"

# Users from the test IdP: a name, a mail, and the IdP's groups; "staff" maps onto a local group.
MAPPING = {"rules": [
    {"local": [{"user": {"name": "{0}", "email": "{1}"}},
               {"groups": "{2}", "domain": {"id": "default"}}],
     "remote": [{"type": "UserName"}, {"type": "Mail"},
                {"type": "Groups", "whitelist": ["staff", "auditors"]}]},
    {"local": [{"projects": [{"name": "sandbox-{0}", "roles": [{"name": "member"}]}]}],
     "remote": [{"type": "UserName"}, {"type": "Groups", "any_one_of": ["sandboxers"]}]},
]}
OIDC_MAPPING = {"rules": [
    {"local": [{"user": {"name": "{0}", "id": "{1}"}},
               {"groups": "{2}", "domain": {"id": "default"}}],
     "remote": [{"type": "preferred_username"}, {"type": "sub"}, {"type": "groups"}]},
]}


class IdpKey:
    """An IdP signing key (RSA or EC) and the JWKS that publishes it."""

    def __init__(self, kind: str = "RS256", kid: str = "test-key") -> None:
        self.alg = kind
        self.kid = kid
        if kind == "ES256":
            self.private: Any = ec.generate_private_key(ec.SECP256R1())
            public = jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk = {**public, "kid": kid, "use": "sig", "alg": kind}

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk]}

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": "oidc-sub-1",
                                  "preferred_username": "olivia", "groups": ["staff"],
                                  "iat": now, "exp": now + 300}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private, algorithm=self.alg, headers={"kid": self.kid})


def federation_settings(key: IdpKey, idp: str = "testidp") -> dict[str, Any]:
    return {"assertion_prefix": PREFIX, "remote_id_attribute": REMOTE_ID_HEADER,
            "trusted_dashboard": ["https://dash.example/auth/websso/"],
            "openid": {idp: {"jwks": json.dumps(key.jwks), "audience": AUDIENCE}}}


def assertion_headers(user: str = "alice", groups: str = "staff;other",
                      entity: str = "https://saml.test.example") -> dict[str, str]:
    return {REMOTE_ID_HEADER: entity, f"{PREFIX}UserName": user,
            f"{PREFIX}Mail": f"{user}@example.com", f"{PREFIX}Groups": groups}
