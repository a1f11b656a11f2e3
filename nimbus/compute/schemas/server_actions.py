"""``POST /servers/{id}/action``: one action per body, each with its own shape.

The body is an object with exactly one member, the action; each known action's value has its
schema here, so a bad one fails naming the action's own field. An action this API does not know
passes the schema and is refused by the handler, after the server is found, with Nova's
"There is no such action".
"""

from __future__ import annotations

from nimbus.compute.schemas.common import METADATA
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

# The actions whose body is not read (``{"os-stop": null}``, as clients send them).
PLAIN_ACTIONS = ("os-stop", "os-start", "pause", "unpause", "suspend", "resume", "unlock")

REBOOT: Schema = {
    "type": "object",
    "properties": {"type": {"type": "string",
                            "enum": ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]}},
    "required": ["type"],
}
CREATE_IMAGE: Schema = {
    "type": "object",
    "properties": {
        # Any name but a blank one.
        "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
        "metadata": {**METADATA, "type": ["object", "null"]},
    },
    "required": ["name"],
    "additionalProperties": False,
}
# A lock takes no arguments before 2.73 (``null``, or an empty object)...
LOCK: Schema = {"additionalProperties": False}
# ...and from 2.73 an optional reason.
LOCK_273: Schema = {"properties": {"locked_reason": {"type": ["string", "null"],
                                                     "maxLength": 255}},
                    "additionalProperties": False}


def _action(lock: Schema) -> Schema:
    return {"type": "object", "minProperties": 1, "maxProperties": 1,
            "properties": {**{name: {} for name in PLAIN_ACTIONS}, "reboot": REBOOT,
                           "createImage": CREATE_IMAGE, "lock": lock}}


ACTION = validation.versioned(("2.1", _action(LOCK)), ("2.73", _action(LOCK_273)))
