"""``POST /servers/{id}/action``: one action per body, each with its own shape.

The body is an object with exactly one member, the action; each known action's value has its
schema here, so a bad one fails naming the action's own field. An action this API does not know
passes the schema and is refused by the handler, after the server is found, with Nova's
"There is no such action".
"""

from __future__ import annotations

from nimbus.compute.schemas.common import BOOLEAN, DESCRIPTION, METADATA, NAME
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

# The actions whose body is not read (``{"os-stop": null}``, as clients send them).
PLAIN_ACTIONS = ("os-stop", "os-start", "pause", "unpause", "suspend", "resume", "unlock",
                 "confirmResize", "revertResize", "unrescue", "shelve", "shelveOffload",
                 "trigger_crash_dump", "restore", "forceDelete", "injectNetworkInfo",
                 "resetNetwork")

_REF: Schema = {"type": ["string", "integer"], "minLength": 1, "maxLength": 255}
_PASSWORD: Schema = {"type": "string"}
_IP: Schema = {"type": ["string", "null"], "maxLength": 64}
RESIZE: Schema = {
    "type": "object",
    "properties": {"flavorRef": _REF, "OS-DCF:diskConfig": {"enum": ["AUTO", "MANUAL"]}},
    "required": ["flavorRef"], "additionalProperties": False,
}
REBUILD: Schema = {
    "type": "object",
    "properties": {
        "imageRef": {"type": "string", "minLength": 1, "maxLength": 255},
        "name": NAME, "adminPass": _PASSWORD, "metadata": METADATA,
        "OS-DCF:diskConfig": {"enum": ["AUTO", "MANUAL"]}, "accessIPv4": _IP,
        "accessIPv6": _IP, "preserve_ephemeral": BOOLEAN, "description": DESCRIPTION,
        "key_name": {"type": ["string", "null"], "maxLength": 255},
        "user_data": {"type": ["string", "null"], "maxLength": 65535},
        "trusted_image_certificates": {"type": ["array", "null"]},
        "hostname": {"type": "string", "minLength": 1, "maxLength": 255},
        "personality": {"type": "array"},
    },
    "required": ["imageRef"], "additionalProperties": False,
}
RESCUE: Schema = {
    "type": ["object", "null"],
    "properties": {"adminPass": _PASSWORD, "rescue_image_ref": {"type": "string"}},
    "additionalProperties": False,
}
UNSHELVE: Schema = {
    "type": ["object", "null"],
    "properties": {"availability_zone": {"type": ["string", "null"]},
                   "host": {"type": "string", "minLength": 1, "maxLength": 255}},
    "additionalProperties": False,
}
CHANGE_PASSWORD: Schema = {"type": "object", "properties": {"adminPass": _PASSWORD},
                           "required": ["adminPass"], "additionalProperties": False}
RESET_STATE: Schema = {"type": "object",
                       "properties": {"state": {"type": "string", "enum": ["active", "error"]}},
                       "required": ["state"], "additionalProperties": False}
MIGRATE: Schema = {"type": ["object", "null"],
                   "properties": {"host": {"type": ["string", "null"], "maxLength": 255}},
                   "additionalProperties": False}
LIVE_MIGRATE: Schema = {
    "type": "object",
    "properties": {"host": {"type": ["string", "null"], "maxLength": 255},
                   "block_migration": {"type": ["boolean", "string"],
                                       "enum": [True, False, "auto", "True", "False", "true",
                                                "false"]},
                   "disk_over_commit": BOOLEAN, "force": BOOLEAN},
    "required": ["block_migration"], "additionalProperties": False,
}
# Every field any microversion takes; which of them one may send is the handler's check.
EVACUATE: Schema = {
    "type": "object",
    "properties": {"host": {"type": "string", "minLength": 1, "maxLength": 255,
                            "pattern": "^[a-zA-Z0-9-._]*$"},
                   "onSharedStorage": BOOLEAN, "adminPass": _PASSWORD, "force": BOOLEAN},
    "additionalProperties": False,
}
CONSOLE_OUTPUT: Schema = {
    "type": ["object", "null"],
    "properties": {"length": {"type": ["integer", "string", "null"],
                              "pattern": "^-?[0-9]+$"}},
    "additionalProperties": False,
}
_CONSOLE_TYPES = {"os-getVNCConsole": ["novnc", "xvpvnc"],
                  "os-getSPICEConsole": ["spice-html5"],
                  "os-getSerialConsole": ["serial"], "os-getRDPConsole": ["rdp-html5"]}
SECURITY_GROUP: Schema = {"type": "object",
                          "properties": {"name": {"type": "string", "minLength": 1,
                                                  "maxLength": 255}},
                          "required": ["name"], "additionalProperties": False}
CREATE_BACKUP: Schema = {
    "type": "object",
    "properties": {"name": NAME, "backup_type": {"type": "string"},
                   "rotation": {"type": ["integer", "string"], "pattern": "^[0-9]+$",
                                "minimum": 0},
                   "metadata": METADATA},
    "required": ["name", "backup_type", "rotation"], "additionalProperties": False,
}
FLOATING_IP: Schema = {"type": "object",
                       "properties": {"address": {"type": "string"},
                                      "fixed_address": {"type": "string"}},
                       "required": ["address"], "additionalProperties": False}

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
                           "createImage": CREATE_IMAGE, "lock": lock, "resize": RESIZE,
                           "rebuild": REBUILD, "rescue": RESCUE, "unshelve": UNSHELVE,
                           "changePassword": CHANGE_PASSWORD, "os-resetState": RESET_STATE,
                           "migrate": MIGRATE, "os-migrateLive": LIVE_MIGRATE,
                           "evacuate": EVACUATE,
                           "os-getConsoleOutput": CONSOLE_OUTPUT,
                           "addSecurityGroup": SECURITY_GROUP,
                           "removeSecurityGroup": SECURITY_GROUP,
                           "createBackup": CREATE_BACKUP, "addFloatingIp": FLOATING_IP,
                           "removeFloatingIp": FLOATING_IP,
                           **{name: {"type": "object",
                                     "properties": {"type": {"type": "string", "enum": kinds}},
                                     "required": ["type"], "additionalProperties": False}
                              for name, kinds in _CONSOLE_TYPES.items()}}}


ACTION = validation.versioned(("2.1", _action(LOCK)), ("2.73", _action(LOCK_273)))
