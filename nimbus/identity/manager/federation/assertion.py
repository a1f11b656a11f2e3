"""Where assertions come from: a trusted front-end's headers, and the settings that govern them.

A front-end (mod_auth_mellon, mod_shib, mod_auth_openidc, an auth proxy) authenticates the user
and passes the attributes on as request headers. Those headers are only believed when the
identity provider's remote id, read from the ``remote_id_attribute`` header, is one the provider
was registered with; the front-end must set that header itself and drop any a client sent.

Settings live in ``identity.federation`` of nimbus.yaml::

    identity:
      federation:
        assertion_prefix: "X-Fed-"           # only headers with this prefix (stripped) count
        remote_id_attribute: "Idp"          # default when a protocol does not name one
        trusted_dashboard: ["https://dash.example.com/auth/websso/"]
        openid:                              # per "<idp>/<protocol>" or "<idp>"
          myidp: {jwks_url: "https://idp/jwks", audience: "nimbus", issuer: "https://idp"}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from nimbus.conf.identity import Federation
from nimbus.core.errors import BadRequest, Forbidden
from nimbus.identity.manager.federation.rules import Assertion

# Credentials and transport headers are never assertion attributes.
_NEVER = {"x-auth-token", "x-subject-token", "authorization", "cookie", "content-length",
          "content-type", "host", "connection", "accept", "accept-encoding", "user-agent",
          "proxy-authorization"}


def settings(conf: Federation) -> dict[str, Any]:
    """The federation settings as the mapping the rules read."""
    return dataclasses.asdict(conf)


def from_headers(headers: Mapping[str, str], prefix: str = "") -> dict[str, str]:
    """The attributes a front-end passed on: headers with ``prefix``, the prefix removed."""
    lowered = prefix.lower()
    out: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low in _NEVER or not low.startswith(lowered):
            continue
        out[name[len(prefix):]] = value
    return out


def check_remote_id(remote_ids: list[str], attribute: str | None,
                    assertion: Mapping[str, Any], idp_id: str) -> None:
    """Raise unless the assertion names one of the provider's registered remote ids."""
    if not attribute or not remote_ids:
        raise Forbidden(f"Identity Provider {idp_id} has no remote ids or no remote id "
                        f"attribute; its assertions cannot be trusted.")
    values = Assertion(assertion).get(attribute)
    if not values:
        raise BadRequest("Could not find Identity Provider identifier in environment.")
    if ";".join(values) not in remote_ids:
        raise Forbidden("Incoming identity provider identifier not included among the "
                        "accepted identifiers.")
