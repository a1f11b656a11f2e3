"""Request schemas of /v2.0/{collection}/{id}/tags."""

from __future__ import annotations

from nimbus.core.api.validation import Schema

# A tag may hold neither "," (the filters' separator) nor "/" (it sits in URLs).
TAG: Schema = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,/]*$"}
REPLACE: Schema = {"type": "object", "required": ["tags"],
                   "properties": {"tags": {"type": "array", "items": TAG}}}
