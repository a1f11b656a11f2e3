"""``/os-hosts`` (deprecated at 2.43): request bodies and the shapes of a host's resources."""

from __future__ import annotations

from typing import Any

from nimbus.compute.schemas.common import without_nul
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

LIST_QUERY = without_nul(validation.query({"zone": {"type": "string", "maxLength": 255}}))


def _switch(*words: str) -> Schema:
    # Nova takes these words in any of three spellings.
    return {"type": "string",
            "enum": [form for w in words for form in (w, w.capitalize(), w.upper())]}


UPDATE: Schema = {
    "type": "object",
    "properties": {"status": _switch("enable", "disable"),
                   "maintenance_mode": _switch("enable", "disable")},
    "anyOf": [{"required": ["status"]}, {"required": ["maintenance_mode"]}],
    "additionalProperties": False,
}


def resource(host: str, project: str, cpu: int, memory_mb: int, disk_gb: int) -> dict[str, Any]:
    """One line of a host's show: a total, what is in use, or one project's share."""
    return {"resource": {"host": host, "project": project, "cpu": cpu,
                         "memory_mb": memory_mb, "disk_gb": disk_gb}}
