"""The ``mapped`` method (and ``saml2``): a trusted front-end's assertion, through a mapping.

The assertion travels in request headers (``base.REQUEST_HEADERS``), never in the JSON body.
"""

from __future__ import annotations

from typing import Any

from nimbus.conf.identity import Federation
from nimbus.core.errors import NotFound, Unauthorized
from nimbus.identity.manager.auth_methods.base import (
    REQUEST_HEADERS,
    AuthMethod,
    AuthResult,
    require,
)
from nimbus.identity.manager.federation.assertion import check_remote_id, from_headers, settings
from nimbus.identity.manager.federation.login import FederatedLogin, Login
from nimbus.identity.manager.federation.providers import FederationManager


def record(result: AuthResult, login: Login) -> None:
    result.set_user(login.user)
    result.extras["federation"] = login.federation


class Mapped(AuthMethod):
    name = "mapped"

    def __init__(self, login: FederatedLogin, federation: FederationManager,
                 conf: Federation) -> None:
        self.login = login
        self.federation = federation
        self.conf = conf

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        idp_id = str(require({self.name: data}, self.name, "identity_provider"))
        protocol_id = str(require({self.name: data}, self.name, "protocol"))
        headers = REQUEST_HEADERS.get()
        if headers is None:
            raise Unauthorized("Federated authentication needs an assertion from a trusted "
                               "front-end.")
        conf = settings(self.conf)
        idp = self.login.enabled_idp(idp_id)
        try:
            protocol = self.federation.get_protocol(idp_id, protocol_id)
        except NotFound:
            raise Unauthorized(f"Could not find protocol {protocol_id} for Identity Provider "
                               f"{idp_id}.") from None
        attribute = protocol.remote_id_attribute or conf.get("remote_id_attribute")
        check_remote_id(idp.remote_ids, attribute, from_headers(headers), idp_id)
        assertion = from_headers(headers, str(conf.get("assertion_prefix") or ""))
        record(result, self.login.login(idp, protocol_id, assertion))


class Saml2(Mapped):
    name = "saml2"
