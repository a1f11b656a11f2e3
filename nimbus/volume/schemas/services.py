"""os-services requests."""

from __future__ import annotations

from nimbus.core.api.validation import Schema, query
from nimbus.volume.schemas.common import QUERY_STRING

LIST_QUERY: Schema = query({"binary": QUERY_STRING, "host": QUERY_STRING})
