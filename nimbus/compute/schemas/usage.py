"""Usage reports: their queries and the shapes of a tenant's usage and one server's."""

from __future__ import annotations

from typing import Any

from nimbus.compute.schemas.common import without_nul
from nimbus.core.api import validation
from nimbus.core.api.validation import LIMIT, MARKER
from nimbus.core.db.base import iso_micro

_TEXT = {"type": "string", "maxLength": 255}
# ``detailed=1`` lists each server's usage; paging is from 2.40 (ignored before).
LIST_QUERY = without_nul(validation.query({"start": _TEXT, "end": _TEXT, "detailed": _TEXT,
                                           "limit": LIMIT, "marker": MARKER}))
SHOW_QUERY = without_nul(validation.query({"start": _TEXT, "end": _TEXT, "limit": LIMIT,
                                           "marker": MARKER}))


def server_usage(server: dict[str, Any]) -> dict[str, Any]:
    return {**server, "started_at": iso_micro(server["started_at"]),
            "ended_at": iso_micro(server["ended_at"])}


def tenant_usage(summary: dict[str, Any]) -> dict[str, Any]:
    body = {**summary, "start": iso_micro(summary["start"]), "stop": iso_micro(summary["stop"])}
    if "server_usages" in summary:
        body["server_usages"] = [server_usage(s) for s in summary["server_usages"]]
    return body
