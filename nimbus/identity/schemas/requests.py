"""Request schemas of the identity core API: domains, projects, users, groups, roles, the
catalog and application credentials.

Each resource's inner schema (``USER_CREATE``) describes the object under its key; the route
declares the whole body (``USER_CREATE_BODY``, made by ``wrap``).
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import BOOLEAN, ID, NULLABLE_ID, TAGS, Schema, string
from nimbus.identity.constants import INTERFACES, MAX_TAGS

_OPTIONS: dict[str, Any] = {"type": "object"}


def wrap(key: str, inner: Schema) -> Schema:
    """A body holding ``inner`` under ``key``, as every Keystone request body does."""
    return {"type": "object", "properties": {key: inner}, "required": [key]}


# Keystone's tag rules: no commas or slashes (they separate tags in filters and URLs).
TAG: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,/]*$"}
TAGS_STRICT: dict[str, Any] = {"type": "array", "items": TAG, "maxItems": MAX_TAGS,
                               "uniqueItems": True}

DOMAIN_CREATE = {
    "type": "object",
    "properties": {"name": string(64, 1), "description": string(4096, nullable=True),
                   "enabled": BOOLEAN, "tags": TAGS, "options": _OPTIONS, "id": ID},
    "required": ["name"],
}
DOMAIN_UPDATE = {
    "type": "object",
    "properties": {"name": string(64, 1), "description": string(4096, nullable=True),
                   "enabled": BOOLEAN, "tags": TAGS, "options": _OPTIONS},
    "minProperties": 1,
}
PROJECT_CREATE = {
    "type": "object",
    "properties": {"name": string(64, 1), "description": string(4096, nullable=True),
                   "enabled": BOOLEAN, "domain_id": NULLABLE_ID, "parent_id": NULLABLE_ID,
                   "is_domain": BOOLEAN, "tags": TAGS_STRICT, "options": _OPTIONS},
    "required": ["name"],
}
PROJECT_UPDATE = {
    "type": "object",
    "properties": {"name": string(64, 1), "description": string(4096, nullable=True),
                   "enabled": BOOLEAN, "domain_id": NULLABLE_ID, "tags": TAGS_STRICT,
                   "options": _OPTIONS, "is_domain": BOOLEAN},
    "minProperties": 1,
}
USER_CREATE = {
    "type": "object",
    "properties": {"name": string(255, 1), "domain_id": NULLABLE_ID,
                   "password": string(4096, nullable=True),
                   "enabled": BOOLEAN, "default_project_id": NULLABLE_ID,
                   "description": string(4096, nullable=True), "email": string(255, nullable=True),
                   "options": _OPTIONS},
    "required": ["name"],
}
USER_UPDATE = {
    "type": "object",
    "properties": {"name": string(255, 1), "domain_id": NULLABLE_ID,
                   "password": string(4096, nullable=True), "enabled": BOOLEAN,
                   "default_project_id": NULLABLE_ID, "description": string(4096, nullable=True),
                   "email": string(255, nullable=True), "options": _OPTIONS},
}
PASSWORD_CHANGE = {
    "type": "object",
    "properties": {"password": string(4096, 1), "original_password": string(4096, 1)},
    "required": ["password", "original_password"],
}
GROUP_CREATE = {
    "type": "object",
    "properties": {"name": string(64, 1), "domain_id": NULLABLE_ID,
                   "description": string(4096, nullable=True)},
    "required": ["name"],
}
GROUP_UPDATE = {
    "type": "object",
    "properties": {"name": string(64, 1), "domain_id": NULLABLE_ID,
                   "description": string(4096, nullable=True)},
    "minProperties": 1,
}
ROLE_CREATE = {
    "type": "object",
    "properties": {"name": string(255, 1), "domain_id": NULLABLE_ID,
                   "description": string(255, nullable=True), "options": _OPTIONS},
    "required": ["name"],
}
ROLE_UPDATE = {
    "type": "object",
    "properties": {"name": string(255, 1), "description": string(255, nullable=True),
                   "options": _OPTIONS, "domain_id": NULLABLE_ID},
    "minProperties": 1,
}
REGION = {
    "type": "object",
    "properties": {"id": string(255, 1), "description": string(255, nullable=True),
                   "parent_region_id": string(255, nullable=True)},
}
SERVICE = {
    "type": "object",
    "properties": {"type": string(255, 1), "name": string(255),
                   "description": string(4096, nullable=True), "enabled": BOOLEAN},
}
SERVICE_CREATE = {**SERVICE, "required": ["type"]}
ENDPOINT = {
    "type": "object",
    "properties": {"service_id": ID, "interface": {"enum": list(INTERFACES)},
                   "url": string(2048, 1), "region_id": string(255, nullable=True),
                   "region": string(255, nullable=True), "enabled": BOOLEAN},
}
ENDPOINT_CREATE = {**ENDPOINT, "required": ["service_id", "interface", "url"]}
APP_CRED = {
    "type": "object",
    "properties": {"name": string(255, 1), "description": string(4096, nullable=True),
                   "secret": string(4096, 1, nullable=True),
                   "expires_at": string(64, nullable=True),
                   "unrestricted": BOOLEAN,
                   "roles": {"type": "array", "items": {"type": "object"}},
                   "access_rules": {"type": "array", "items": {
                       "type": "object",
                       "properties": {"id": ID, "service": string(64, 1), "path": string(128, 1),
                                      "method": {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH",
                                                          "DELETE"]}},
                       "additionalProperties": False}}},
    "required": ["name"],
}

DOMAIN_CREATE_BODY = wrap("domain", DOMAIN_CREATE)
DOMAIN_UPDATE_BODY = wrap("domain", DOMAIN_UPDATE)
PROJECT_CREATE_BODY = wrap("project", PROJECT_CREATE)
PROJECT_UPDATE_BODY = wrap("project", PROJECT_UPDATE)
TAGS_BODY: Schema = {"type": "object", "properties": {"tags": TAGS_STRICT}, "required": ["tags"]}
USER_CREATE_BODY = wrap("user", USER_CREATE)
USER_UPDATE_BODY = wrap("user", USER_UPDATE)
PASSWORD_CHANGE_BODY = wrap("user", PASSWORD_CHANGE)
GROUP_CREATE_BODY = wrap("group", GROUP_CREATE)
GROUP_UPDATE_BODY = wrap("group", GROUP_UPDATE)
ROLE_CREATE_BODY = wrap("role", ROLE_CREATE)
ROLE_UPDATE_BODY = wrap("role", ROLE_UPDATE)
REGION_BODY = wrap("region", REGION)
SERVICE_CREATE_BODY = wrap("service", SERVICE_CREATE)
SERVICE_UPDATE_BODY = wrap("service", SERVICE)
ENDPOINT_CREATE_BODY = wrap("endpoint", ENDPOINT_CREATE)
ENDPOINT_UPDATE_BODY = wrap("endpoint", ENDPOINT)
APP_CRED_BODY = wrap("application_credential", APP_CRED)
# Which groups and options a domain may set is the manager's check (a 403, as Keystone).
DOMAIN_CONFIG_BODY = wrap("config", {"type": "object"})
