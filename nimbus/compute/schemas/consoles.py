"""``POST /servers/{id}/remote-consoles``: a protocol and one of its console types."""

from __future__ import annotations

from nimbus.core.api import validation
from nimbus.core.api.validation import Schema


def _remote_console(protocols: list[str], types: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": {"remote_console": {
            "type": "object",
            "properties": {"protocol": {"type": "string", "enum": protocols},
                           "type": {"type": "string", "enum": types}},
            "required": ["protocol", "type"], "additionalProperties": False,
        }},
        "required": ["remote_console"], "additionalProperties": False,
    }


_PROTOCOLS = ["vnc", "spice", "serial", "rdp"]
_TYPES = ["novnc", "xvpvnc", "spice-html5", "serial", "rdp-html5"]
# 2.8 adds VMware's MKS console; 2.99 SPICE's direct connection.
REMOTE_CONSOLE = validation.versioned(
    ("2.6", _remote_console(_PROTOCOLS, _TYPES)),
    ("2.8", _remote_console([*_PROTOCOLS, "mks"], [*_TYPES, "webmks"])),
    ("2.99", _remote_console([*_PROTOCOLS, "mks"], [*_TYPES, "webmks", "spice-direct"])),
)
