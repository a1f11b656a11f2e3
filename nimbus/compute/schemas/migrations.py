"""``/os-migrations`` filters and the ``force_complete`` action."""

from __future__ import annotations

from nimbus.core.api.paging import PAGING_QUERY
from nimbus.core.api.validation import Schema

_TEXT: Schema = {"type": "string", "maxLength": 255}
LIST_QUERY: Schema = {
    "type": "object",
    "properties": {"host": _TEXT, "status": _TEXT, "instance_uuid": _TEXT,
                   "migration_type": {"type": "string",
                                      "enum": ["live-migration", "migration", "resize",
                                               "evacuation"]},
                   "source_compute": _TEXT, "hidden": _TEXT, "project_id": _TEXT,
                   "user_id": _TEXT, "changes-since": _TEXT, "changes-before": _TEXT,
                   "limit": PAGING_QUERY["limit"], "marker": PAGING_QUERY["marker"]},
}
FORCE_COMPLETE: Schema = {"type": "object", "properties": {"force_complete": {"type": "null"}},
                          "required": ["force_complete"], "additionalProperties": False}
