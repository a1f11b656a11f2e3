"""The ``mapped`` method (and ``saml2``): a trusted front-end's assertion, through a mapping.

The assertion travels in request headers, which only the HTTP layer sees; it hands them over in
``REQUEST_HEADERS`` for the duration of one authentication. They never come from the JSON body,
where any client could write them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from nimbus.core.errors import NotFound, Unauthorized
from nimbus.identity.auth_methods.base import AuthMethod, AuthResult, register
from nimbus.identity.federation.assertion import check_remote_id, from_headers, settings
from nimbus.identity.managers.federation_login import FederatedLogin, Login
from nimbus.identity.managers.tokens import require

REQUEST_HEADERS: ContextVar[Mapping[str, str] | None] = ContextVar(
    "nimbus_federation_request_headers", default=None)


@contextmanager
def request_headers(headers: Mapping[str, str]) -> Iterator[None]:
    """Make this request's headers available to federated auth methods."""
    token = REQUEST_HEADERS.set(headers)
    try:
        yield
    finally:
        REQUEST_HEADERS.reset(token)


def record(result: AuthResult, login: Login) -> None:
    result.set_user(login.user)
    result.extras["federation"] = login.federation


@register
class Mapped(AuthMethod):
    name = "mapped"

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        idp_id = str(require({self.name: data}, self.name, "identity_provider"))
        protocol_id = str(require({self.name: data}, self.name, "protocol"))
        headers = REQUEST_HEADERS.get()
        if headers is None:
            raise Unauthorized("Federated authentication needs an assertion from a trusted "
                               "front-end.")
        conf = settings(self.st.cloud.settings.identity.federation)
        flow = FederatedLogin(self.st)
        idp = flow.enabled_idp(idp_id)
        try:
            protocol = self.st.federation.get_protocol(idp_id, protocol_id)
        except NotFound:
            raise Unauthorized(f"Could not find protocol {protocol_id} for Identity Provider "
                               f"{idp_id}.") from None
        attribute = protocol.remote_id_attribute or conf.get("remote_id_attribute")
        check_remote_id(idp.remote_ids, attribute, from_headers(headers), idp_id)
        assertion = from_headers(headers, str(conf.get("assertion_prefix") or ""))
        record(result, flow.login(idp, protocol_id, assertion))


@register
class Saml2(Mapped):
    name = "saml2"
