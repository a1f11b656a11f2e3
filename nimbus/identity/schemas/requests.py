"""Request schemas of the identity API."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import BOOLEAN, ID, NULLABLE_ID, TAGS, string

_OPTIONS: dict[str, Any] = {"type": "object"}
# Keystone's tag rules: no commas or slashes (they separate tags in filters and URLs).
MAX_TAGS = 80
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
    "properties": {"name": string(255, 1), "domain_id": NULLABLE_ID, "password": string(4096, nullable=True),
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
    "properties": {"type": string(255, 1), "name": string(255), "description": string(4096, nullable=True),
                   "enabled": BOOLEAN},
}
ENDPOINT = {
    "type": "object",
    "properties": {"service_id": ID, "interface": {"enum": ["public", "internal", "admin"]},
                   "url": string(2048, 1), "region_id": string(255, nullable=True),
                   "region": string(255, nullable=True), "enabled": BOOLEAN},
}
APP_CRED = {
    "type": "object",
    "properties": {"name": string(255, 1), "description": string(4096, nullable=True),
                   "secret": string(4096, 1, nullable=True), "expires_at": string(64, nullable=True),
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
