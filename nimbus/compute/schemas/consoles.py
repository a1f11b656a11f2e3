"""``POST /servers/{id}/remote-consoles``: a protocol and one of its console types."""

from __future__ import annotations

from nimbus.core.api.validation import Schema

REMOTE_CONSOLE: Schema = {
    "type": "object",
    "properties": {"remote_console": {
        "type": "object",
        "properties": {
            "protocol": {"type": "string", "enum": ["vnc", "spice", "serial", "rdp", "mks"]},
            "type": {"type": "string", "enum": ["novnc", "xvpvnc", "spice-html5", "serial",
                                                "rdp-html5", "webmks"]},
        },
        "required": ["protocol", "type"], "additionalProperties": False,
    }},
    "required": ["remote_console"], "additionalProperties": False,
}
