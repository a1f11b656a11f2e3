"""OS-FEDERATION wire shapes: request schemas, the checks a mapping's rules must pass to be
stored, and the views of providers, protocols, mappings and service providers."""

from __future__ import annotations

import re
from typing import Any

from nimbus.core.api.validation import BOOLEAN, string, validate
from nimbus.core.errors import ValidationError
from nimbus.identity.constants import CONDITIONS
from nimbus.identity.db.federation import Idp
from nimbus.identity.db.models import FederationMapping, FederationProtocol, ServiceProvider
from nimbus.identity.schemas.requests import wrap

_STR = string(255, 1)
_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_DOMAIN_REF: dict[str, Any] = {
    "type": "object", "properties": {"id": _STR, "name": _STR},
    "additionalProperties": False, "minProperties": 1,
}
_USER: dict[str, Any] = {
    "type": "object",
    "properties": {"id": _STR, "name": _STR, "email": _STR, "domain": _DOMAIN_REF,
                   "type": {"enum": ["ephemeral", "local"]}},
    "additionalProperties": False,
}
_GROUP: dict[str, Any] = {
    "type": "object",
    "properties": {"id": _STR, "name": _STR, "domain": _DOMAIN_REF},
    "additionalProperties": False,
    "oneOf": [{"required": ["id"]}, {"required": ["name", "domain"]}],
}
_PROJECT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _STR, "domain": _DOMAIN_REF,
        "roles": {"type": "array", "minItems": 1, "items": {
            "type": "object", "properties": {"name": _STR}, "required": ["name"],
            "additionalProperties": False}},
    },
    "required": ["name", "roles"],
    "additionalProperties": False,
}
_LIST_OR_STRING: dict[str, Any] = {"type": ["string", "array"], "items": {"type": "string"}}
_LOCAL: dict[str, Any] = {
    "type": "object",
    "properties": {"user": _USER, "group": _GROUP, "groups": _LIST_OR_STRING,
                   "group_ids": _LIST_OR_STRING, "domain": _DOMAIN_REF,
                   "projects": {"type": "array", "items": _PROJECT}},
    "additionalProperties": False,
    "minProperties": 1,
}
_REMOTE: dict[str, Any] = {
    "type": "object",
    "properties": {"type": _STR, "regex": BOOLEAN,
                   **{name: _STRINGS for name in CONDITIONS}},
    "required": ["type"],
    "additionalProperties": False,
}
MAPPING: dict[str, Any] = {
    "type": "object",
    "properties": {
        "rules": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "properties": {"local": {"type": "array", "minItems": 1, "items": _LOCAL},
                           "remote": {"type": "array", "minItems": 1, "items": _REMOTE}},
            "required": ["local", "remote"],
            "additionalProperties": False}},
        "schema_version": {"enum": ["1.0", "2.0", None]},
        # Clients (openstacksdk) repeat the id from the URL in the body.
        "id": string(64, 1),
    },
    "required": ["rules"],
    "additionalProperties": False,
}
_PLACEHOLDER = re.compile(r"(?<!\{)\{(\d+)\}(?!\})")


def _placeholders(node: Any) -> list[int]:
    if isinstance(node, dict):
        return [i for v in node.values() for i in _placeholders(v)]
    if isinstance(node, list):
        return [i for v in node for i in _placeholders(v)]
    if isinstance(node, str):
        return [int(m) for m in _PLACEHOLDER.findall(node)]
    return []


def check_mapping(body: dict[str, Any]) -> dict[str, Any]:
    """The mapping if its rules are well formed; a 400 naming the faulty rule otherwise."""
    validate(body, MAPPING)
    for r, rule in enumerate(body["rules"]):
        produced = 0
        for c, cond in enumerate(rule["remote"]):
            where = f"rules.{r}.remote.{c}"
            present = [name for name in CONDITIONS if name in cond]
            if len(present) > 1:
                raise ValidationError(field=where, reason=f"only one of {', '.join(present)} "
                                      f"may be given")
            if cond.get("regex") and not present:
                raise ValidationError(field=where, reason="'regex' needs a condition list")
            if cond.get("regex"):
                for pattern in cond[present[0]]:
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        raise ValidationError(field=where, reason=f"bad regex {pattern!r}: "
                                              f"{exc}") from None
            if not present or present[0] in ("whitelist", "blacklist"):
                produced += 1
        for index in _placeholders(rule["local"]):
            if index >= produced:
                raise ValidationError(field=f"rules.{r}.local",
                                      reason=f"{{{index}}} refers to a remote match that does "
                                      f"not exist (the rule yields {produced})")
        for l_, local in enumerate(rule["local"]):
            if "groups" in local and "domain" not in local:
                raise ValidationError(field=f"rules.{r}.local.{l_}",
                                      reason="'groups' needs a 'domain' alongside it")
    return body


IDP_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"id": string(64, 1), "domain_id": string(64, 1, nullable=True),
                   "description": string(4096, nullable=True), "enabled": BOOLEAN,
                   "remote_ids": {"type": ["array", "null"], "items": string(255, 1)},
                   "authorization_ttl": {"type": ["integer", "null"], "minimum": 0}},
    "additionalProperties": False,
}
IDP_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {k: v for k, v in IDP_CREATE["properties"].items()
                   if k not in ("domain_id", "id")},
    "additionalProperties": False,
    "minProperties": 1,
}
PROTOCOL: dict[str, Any] = {
    "type": "object",
    "properties": {"id": string(64, 1), "idp_id": string(64, 1), "mapping_id": string(64, 1),
                   "remote_id_attribute": string(64, 1, nullable=True)},
    "required": ["mapping_id"],
    "additionalProperties": False,
}
PROTOCOL_UPDATE: dict[str, Any] = {**PROTOCOL, "required": [], "minProperties": 1}
_URL = {"type": "string", "minLength": 1, "maxLength": 256, "pattern": r"^[a-zA-Z][a-zA-Z0-9+.-]*://"}
SP_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"id": string(64, 1), "auth_url": _URL, "sp_url": _URL,
                   "description": string(4096, nullable=True),
                   "enabled": BOOLEAN, "relay_state_prefix": string(255, nullable=True)},
    "required": ["auth_url", "sp_url"],
    "additionalProperties": False,
}
SP_UPDATE: dict[str, Any] = {**SP_CREATE, "required": [], "minProperties": 1}

IDP_CREATE_BODY = wrap("identity_provider", IDP_CREATE)
IDP_UPDATE_BODY = wrap("identity_provider", IDP_UPDATE)
PROTOCOL_BODY = wrap("protocol", PROTOCOL)
PROTOCOL_UPDATE_BODY = wrap("protocol", PROTOCOL_UPDATE)
MAPPING_BODY = wrap("mapping", MAPPING)
SP_CREATE_BODY = wrap("service_provider", SP_CREATE)
SP_UPDATE_BODY = wrap("service_provider", SP_UPDATE)


# -- views ----------------------------------------------------------------------------------
ROOT = "/v3/OS-FEDERATION"


def collection(base: str, path: str, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: items, "links": {"self": f"{base}{ROOT}/{path}", "previous": None,
                                  "next": None}}


def idp(base: str, i: Idp) -> dict[str, Any]:
    url = f"{base}{ROOT}/identity_providers/{i.row.id}"
    return {"id": i.row.id, "domain_id": i.row.domain_id, "enabled": i.row.enabled,
            "description": i.row.description, "remote_ids": i.remote_ids,
            "authorization_ttl": i.row.authorization_ttl,
            "links": {"self": url, "protocols": f"{url}/protocols"}}


def protocol(base: str, p: FederationProtocol) -> dict[str, Any]:
    idp_url = f"{base}{ROOT}/identity_providers/{p.idp_id}"
    return {"id": p.id, "mapping_id": p.mapping_id, "remote_id_attribute": p.remote_id_attribute,
            "links": {"self": f"{idp_url}/protocols/{p.id}", "identity_provider": idp_url}}


def mapping(base: str, m: FederationMapping) -> dict[str, Any]:
    return {"id": m.id, "rules": m.rules, "schema_version": m.schema_version,
            "links": {"self": f"{base}{ROOT}/mappings/{m.id}"}}


def service_provider(base: str, sp: ServiceProvider) -> dict[str, Any]:
    return {"id": sp.id, "auth_url": sp.auth_url, "sp_url": sp.sp_url,
            "description": sp.description, "enabled": sp.enabled,
            "relay_state_prefix": sp.relay_state_prefix,
            "links": {"self": f"{base}{ROOT}/service_providers/{sp.id}"}}
