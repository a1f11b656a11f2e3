"""``POST /snapshots/{id}/action``: one body naming exactly one action, with its arguments
(Cinder's ``snapshot_actions``, ``admin_actions`` and ``snapshot_unmanage`` schemas)."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.volume.schemas.common import NO_ARGS

RESET_STATUS: Schema = {
    "type": "object",
    # Checked against the snapshot statuses (any case) by the handler, in Cinder's words.
    "properties": {"status": {"type": "string", "maxLength": 255}},
    "required": ["status"],
    "additionalProperties": False,
}
UPDATE_STATUS: Schema = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "maxLength": 255},
        # A percentage ("80%"); its range is checked by the handler.
        "progress": {"type": ["string", "null"], "maxLength": 255},
    },
    "required": ["status"],
    "additionalProperties": False,
}

ACTIONS: dict[str, Schema] = {
    "os-reset_status": RESET_STATUS,
    "os-force_delete": NO_ARGS,
    "os-update_snapshot_status": UPDATE_STATUS,
    "os-unmanage": NO_ARGS,
}

ACTION: Schema = {
    "type": "object",
    "properties": ACTIONS,
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}
