"""Pieces the block-storage request schemas share, and the boolean spellings Cinder accepts.

Routes declare their schemas (``body=``, ``query=``); the dispatcher checks every request against
them and words a failure as Cinder does: "Invalid input for field/attribute <name>. Value: ...".
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema
from nimbus.volume.errors import InvalidInput

NAME: Schema = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION: Schema = {"type": ["string", "null"], "maxLength": 255}
METADATA: Schema = {
    "type": ["object", "null"],
    "propertyNames": {"type": "string", "minLength": 1, "maxLength": 255},
    "additionalProperties": {"type": "string", "maxLength": 255},
}
UUID_OR_NULL: Schema = {"type": ["string", "null"], "maxLength": 255}
CONNECTOR: Schema = {"type": ["object", "null"]}
BOOLEAN_LIKE: Schema = {"anyOf": [{"type": "boolean"},
                                  {"type": "string", "enum": ["true", "false", "True", "False",
                                                              "TRUE", "FALSE", "1", "0", "yes",
                                                              "no", "on", "off"]}]}
# A size in GiB: a positive integer, or its digits as a string (Cinder's ``volume_size``).
SIZE: Schema = {"type": ["integer", "string"], "pattern": r"^\s*0*[1-9][0-9]*\s*$",
                "minimum": 1, "maximum": 2147483647}
# No arguments: ``{"os-reserve": null}`` or ``{"os-reserve": {}}``.
NO_ARGS: Schema = {"type": ["object", "null"]}

# -- query parameters ----------------------------------------------------------------------------
# Booleans in a query string ("1", "true", "yes", "on" and their opposites).
QUERY_BOOLEAN: Schema = {"type": "boolean"}
QUERY_STRING: Schema = {"type": "string", "maxLength": 255}
# Cinder's paging: ``limit``, ``marker``, and ``sort=key:dir,...`` or the older single
# ``sort_key``/``sort_dir`` pair (a direction Cinder does not know is refused in its words).
PAGING: dict[str, Schema] = {
    "limit": {"type": "integer", "minimum": 0},
    "marker": {"type": "string", "maxLength": 255},
    # Cinder's: rows skipped before the page.
    "offset": {"type": "integer", "minimum": 0},
    "sort": {"type": "string", "maxLength": 1024},
    "sort_key": QUERY_STRING,
    "sort_dir": QUERY_STRING,
}


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


def to_size(value: Any) -> int:
    """A size the schema accepted (``SIZE``) as a number."""
    return int(value) if isinstance(value, int | float) else int(str(value).strip())


def resource_links(base: str, project_id: str, collection: str,
                   resource_id: str) -> list[dict[str, str]]:
    """A resource's ``links``, as Cinder's view builders write them: versioned ``self`` and
    unversioned ``bookmark``."""
    return [{"href": f"{base}/v3/{project_id}/{collection}/{resource_id}", "rel": "self"},
            {"href": f"{base}/{project_id}/{collection}/{resource_id}", "rel": "bookmark"}]
