"""Request validation against JSON Schemas; a failure is a 400 naming the field, as Cinder's."""

from __future__ import annotations

from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from nimbus.core.errors import ValidationError
from nimbus.volume.errors import InvalidInput

NAME = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
METADATA = {
    "type": ["object", "null"],
    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 255},
    "additionalProperties": {"type": "string", "maxLength": 255},
}
UUID_OR_NULL = {"type": ["string", "null"], "maxLength": 255}
CONNECTOR = {"type": ["object", "null"]}
BOOLEAN_LIKE = {"anyOf": [{"type": "boolean"},
                          {"type": "string", "enum": ["true", "false", "True", "False", "TRUE",
                                                      "FALSE", "1", "0", "yes", "no", "on",
                                                      "off"]}]}

_CACHE: dict[int, Draft202012Validator] = {}


def validate(schema: dict[str, Any], body: Any) -> None:
    """Raise ``ValidationError`` naming the first offending field of ``body``."""
    validator = _CACHE.get(id(schema))
    if validator is None:
        validator = Draft202012Validator(schema)
        _CACHE[id(schema)] = validator
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        path.append(missing)
    field = path[-1] if path else "body"
    raise ValidationError(
        f"Invalid input for field/attribute {field}. Value: {error.instance!r}. {error.message}",
        field=field, reason=error.message,
    )


def to_bool(value: Any, field: str) -> bool:
    """Cinder accepts booleans and their usual spellings as strings."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "y", "t"):
        return True
    if text in ("false", "0", "no", "off", "n", "f"):
        return False
    raise InvalidInput(reason=f"Invalid value '{value}' for {field}; it must be a boolean.")
