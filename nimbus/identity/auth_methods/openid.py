"""The ``openid`` method: an OpenID Connect access token (a JWT) proves who is calling.

The token comes as ``Authorization: Bearer`` on the federation auth URL (what keystoneauth's
``v3oidcaccesstoken`` sends) or as ``openid.access_token`` in the auth body. Its claims are the
assertion the protocol's mapping reads.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import Unauthorized
from nimbus.identity.auth_methods.base import AuthMethod, AuthResult, register
from nimbus.identity.auth_methods.mapped import REQUEST_HEADERS, record
from nimbus.identity.federation import oidc
from nimbus.identity.federation.assertion import settings
from nimbus.identity.managers.federation_login import FederatedLogin
from nimbus.identity.managers.tokens import require


def _bearer() -> str | None:
    headers = REQUEST_HEADERS.get() or {}
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@register
class OpenId(AuthMethod):
    name = "openid"

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        idp_id = str(require({self.name: data}, self.name, "identity_provider"))
        protocol_id = str(data.get("protocol") or self.name)
        token = data.get("access_token") or _bearer()
        if not isinstance(token, str) or not token:
            raise Unauthorized("An OpenID Connect access token is required.")
        flow = FederatedLogin(self.st)
        idp = flow.enabled_idp(idp_id)
        conf = oidc.config_for(settings(self.st.cloud.settings.identity.federation), idp_id, protocol_id)
        claims = oidc.verify(token, conf, idp.remote_ids)
        record(result, flow.login(idp, protocol_id, oidc.claims_as_assertion(claims)))
