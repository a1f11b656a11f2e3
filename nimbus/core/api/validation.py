"""Request-body checks with JSON Schema, giving a 400 that names the field at fault.

Every schema is itself checked against the meta-schema when first used: a misspelled keyword
would otherwise be ignored silently.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from nimbus.core.errors import ValidationError

_CHECKED: dict[int, Draft202012Validator] = {}


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    key = id(schema)
    found = _CHECKED.get(key)
    if found is None:
        Draft202012Validator.check_schema(schema)
        found = Draft202012Validator(schema)
        _CHECKED[key] = found
    return found


def validate(body: Any, schema: dict[str, Any]) -> Any:
    """Return ``body`` if it matches ``schema``; raise ValidationError naming the field."""
    errors = sorted(validator(schema).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        field = ".".join(str(p) for p in err.absolute_path) or _missing_field(err) or "body"
        raise ValidationError(field=field, reason=_reason(err))
    return body


def _missing_field(err: jsonschema.ValidationError) -> str | None:
    if err.validator == "required" and isinstance(err.message, str):
        return err.message.split("'")[1] if "'" in err.message else None
    return None


def _reason(err: jsonschema.ValidationError) -> str:
    message = err.message
    return message if len(message) < 300 else message[:297] + "..."


def string(max_length: int = 255, min_length: int = 0, nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string",
                              "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return schema


BOOLEAN: dict[str, Any] = {"type": "boolean"}
ID = string(64, 1)
NULLABLE_ID = string(64, 1, nullable=True)
TAGS: dict[str, Any] = {"type": "array", "items": string(255, 1), "maxItems": 80}
