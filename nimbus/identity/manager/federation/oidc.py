"""OpenID Connect bearer tokens: a JWT access token checked against the provider's JWKS.

Only asymmetric signatures are accepted (a shared-secret or ``none`` token proves nothing the
provider signed); ``exp``, ``iss`` and ``aud`` must be present and right.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import jwt

from nimbus.core.errors import Unauthorized

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]
_CLIENTS: dict[str, jwt.PyJWKClient] = {}
_LOCK = threading.Lock()


def config_for(fed_settings: Mapping[str, Any], idp_id: str, protocol_id: str) -> dict[str, Any]:
    per = fed_settings.get("openid") or {}
    found = per.get(f"{idp_id}/{protocol_id}") or per.get(idp_id)
    if not isinstance(found, Mapping):
        raise Unauthorized(f"OpenID Connect is not configured for Identity Provider {idp_id}.")
    return dict(found)


def _client(url: str) -> jwt.PyJWKClient:
    with _LOCK:
        client = _CLIENTS.get(url)
        if client is None:
            client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=10)
            _CLIENTS[url] = client
        return client


def _signing_key(token: str, header: dict[str, Any], conf: Mapping[str, Any]) -> Any:
    inline = conf.get("jwks")
    if inline:
        try:
            keyset = jwt.PyJWKSet.from_dict(json.loads(inline) if isinstance(inline, str)
                                            else dict(inline))
        except (ValueError, jwt.PyJWTError) as exc:
            raise Unauthorized(f"The configured JWKS is unusable: {exc}.") from None
        kid = header.get("kid")
        keys = [k for k in keyset.keys if kid is None or k.key_id == kid]
        if not keys:
            raise Unauthorized("No configured key matches the bearer token.")
        return keys[0].key
    if conf.get("jwks_url"):
        try:
            return _client(str(conf["jwks_url"])).get_signing_key_from_jwt(token).key
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Could not find the bearer token's key: {exc}.") from None
    raise Unauthorized("No JWKS is configured for this Identity Provider.")


def verify(token: str, conf: Mapping[str, Any], remote_ids: list[str]) -> dict[str, Any]:
    """The token's claims if it is signed by the provider, current, and meant for us."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("The bearer token is not a JWT.") from None
    allowed = [a for a in (conf.get("algorithms") or ALGORITHMS) if a in ALGORITHMS]
    if header.get("alg") not in allowed:
        raise Unauthorized(f"Bearer tokens signed with {header.get('alg')} are not accepted.")
    audience = conf.get("audience")
    if not audience:
        raise Unauthorized("No audience is configured for this Identity Provider.")
    key = _signing_key(token, header, conf)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=allowed, audience=audience,
            options={"require": ["exp", "iss", "aud"]}, leeway=float(conf.get("leeway", 30)))
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"The bearer token is not valid: {exc}.") from None
    issuers = [str(conf["issuer"])] if conf.get("issuer") else remote_ids
    if claims.get("iss") not in issuers:
        raise Unauthorized("The bearer token's issuer is not trusted for this Identity "
                           "Provider.")
    return claims


def claims_as_assertion(claims: Mapping[str, Any]) -> dict[str, Any]:
    """Claims by name, and as ``OIDC-<name>`` as mod_auth_openidc would pass them."""
    out: dict[str, Any] = dict(claims)
    out.update({f"OIDC-{k}": v for k, v in claims.items()})
    return out
