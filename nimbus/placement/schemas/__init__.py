"""Request schemas for Placement, and the one helper that checks a body against them."""

from __future__ import annotations

from typing import Any

import jsonschema

from nimbus.core.errors import BadRequest

UUID_PATTERN = (r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                r"[0-9a-fA-F]{12}$")
RC_PATTERN = r"^[A-Z0-9_]+$"
CUSTOM_RC_PATTERN = r"^CUSTOM_[A-Z0-9_]+$"
TRAIT_PATTERN = r"^[A-Z0-9_]+$"
MAX_INT = 2147483647

UUID = {"type": "string", "pattern": UUID_PATTERN}
GENERATION = {"type": "integer"}


def validate(schema: dict[str, Any], body: Any) -> Any:
    """``body`` if it matches ``schema``; a 400 naming the first problem otherwise."""
    validator = jsonschema.Draft7Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        suffix = f" (at '{where}')" if where else ""
        raise BadRequest(f"JSON does not validate: {error.message}{suffix}")
    return body
