"""The ``openid`` method: an OpenID Connect access token (a JWT) proves who is calling.

The token comes as ``Authorization: Bearer`` on the federation auth URL (what keystoneauth's
``v3oidcaccesstoken`` sends) or as ``openid.access_token`` in the auth body. Its claims are the
assertion the protocol's mapping reads.
"""

from __future__ import annotations

from typing import Any

from nimbus.conf.identity import Federation
from nimbus.core.errors import Unauthorized
from nimbus.identity.manager.auth_methods.base import (
    REQUEST_HEADERS,
    AuthMethod,
    AuthResult,
    require,
)
from nimbus.identity.manager.auth_methods.mapped import record
from nimbus.identity.manager.federation.assertion import settings
from nimbus.identity.manager.federation.login import FederatedLogin


def _bearer() -> str | None:
    headers = REQUEST_HEADERS.get() or {}
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class OpenId(AuthMethod):
    name = "openid"

    def __init__(self, login: FederatedLogin, conf: Federation) -> None:
        self.login = login
        self.conf = conf

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        idp_id = str(require({self.name: data}, self.name, "identity_provider"))
        protocol_id = str(data.get("protocol") or self.name)
        token = data.get("access_token") or _bearer()
        if not isinstance(token, str) or not token:
            raise Unauthorized("An OpenID Connect access token is required.")
        idp = self.login.enabled_idp(idp_id)
        # Imported on first use: PyJWT and its key handling cost a tenth of a second at every
        # start of a cloud that may never see a bearer token.
        from nimbus.identity.manager.federation import oidc

        conf = oidc.config_for(settings(self.conf), idp_id, protocol_id)
        claims = oidc.verify(token, conf, idp.remote_ids)
        record(result, self.login.login(idp, protocol_id, oidc.claims_as_assertion(claims)))
