"""``POST /volumes/{id}/action``: one body naming exactly one action, with that action's arguments.

Each action's argument schema follows Cinder's (``cinder/api/schemas/volume_actions.py`` and
``admin_actions.py``); an action the API does not know is refused by name.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema
from nimbus.core.db.base import iso_micro
from nimbus.volume import states
from nimbus.volume.schemas.common import BOOLEAN_LIKE, CONNECTOR, NO_ARGS, SIZE

_ID_OR_NULL: Schema = {"type": ["string", "null"], "maxLength": 255}
_MODE: Schema = {"type": ["string", "null"], "enum": ["rw", "ro", None]}

ATTACH: Schema = {
    "type": "object",
    "properties": {
        "instance_uuid": _ID_OR_NULL,
        "host_name": {"type": ["string", "null"], "maxLength": 255},
        "mountpoint": {"type": ["string", "null"], "maxLength": 255},
        "mode": _MODE,
    },
    # Attached to a server or to a host: one of them must be named (a failure names the server).
    "if": {"required": ["host_name"], "properties": {"host_name": {"type": "string",
                                                                   "minLength": 1}}},
    "else": {"required": ["instance_uuid"], "properties": {"instance_uuid": {"type": "string",
                                                                             "minLength": 1}}},
}
DETACH: Schema = {"type": ["object", "null"], "properties": {"attachment_id": _ID_OR_NULL}}
FORCE_DETACH: Schema = {"type": ["object", "null"],
                        "properties": {"attachment_id": _ID_OR_NULL, "connector": CONNECTOR}}
INITIALIZE_CONNECTION: Schema = {"type": "object",
                                 "properties": {"connector": {"type": "object"}},
                                 "required": ["connector"]}
TERMINATE_CONNECTION: Schema = {"type": ["object", "null"],
                                "properties": {"connector": CONNECTOR}}
EXTEND: Schema = {"type": "object", "properties": {"new_size": SIZE}, "required": ["new_size"]}
SET_BOOTABLE: Schema = {"type": "object", "properties": {"bootable": BOOLEAN_LIKE},
                        "required": ["bootable"]}
UPDATE_READONLY_FLAG: Schema = {"type": "object", "properties": {"readonly": BOOLEAN_LIKE},
                                "required": ["readonly"]}
# The formats an uploaded volume may take, and containers (Cinder's lists).
DISK_FORMATS = ("raw", "vmdk", "vdi", "qcow2", "vhd", "vhdx", "ploop")
UPLOAD_IMAGE: Schema = {
    "type": "object",
    "properties": {
        "image_name": {"type": "string", "minLength": 1, "maxLength": 255},
        "force": BOOLEAN_LIKE,
        "disk_format": {"type": "string", "enum": list(DISK_FORMATS)},
        "container_format": {"type": "string", "enum": ["bare"]},
        "visibility": {"type": "string", "enum": ["public", "private", "shared", "community"]},
        "protected": BOOLEAN_LIKE,
    },
    "required": ["image_name"],
}
REVERT: Schema = {"type": "object", "properties": {"snapshot_id": {"type": "string",
                                                                   "format": "uuid"}},
                  "required": ["snapshot_id"], "additionalProperties": False}
EXTEND_VOLUME_COMPLETION: Schema = {"type": "object", "properties": {"error": BOOLEAN_LIKE},
                                    "required": ["error"], "additionalProperties": False}
RESET_STATUS: Schema = {
    "type": "object",
    "properties": {
        "status": {"type": ["string", "null"], "enum": [*sorted(states.RESETTABLE), None]},
        "attach_status": {"type": ["string", "null"],
                          "enum": [*sorted(states.RESETTABLE_ATTACH), None]},
        "migration_status": {"type": ["string", "null"],
                             "enum": ["migrating", "error", "success", "completing", "none",
                                      "starting", None]},
    },
    # Cinder: "Must specify 'status', 'attach_status' or 'migration_status' for update."
    "anyOf": [{"required": [key], "properties": {key: {"type": "string"}}}
              for key in ("status", "attach_status", "migration_status")],
}

SET_IMAGE_METADATA: Schema = {
    "type": "object", "required": ["metadata"], "additionalProperties": False,
    "properties": {"metadata": {"type": "object", "maxProperties": 256,
                                "propertyNames": {"minLength": 1, "maxLength": 255},
                                "additionalProperties": {"type": "string",
                                                         "maxLength": 255}}}}
UNSET_IMAGE_METADATA: Schema = {"type": "object", "required": ["key"],
                                "additionalProperties": False,
                                "properties": {"key": {"type": "string", "minLength": 1,
                                                       "maxLength": 255}}}

RETYPE: Schema = {
    "type": "object", "required": ["new_type"], "additionalProperties": False,
    "properties": {"new_type": {"type": "string", "minLength": 1, "maxLength": 255},
                   "migration_policy": {"type": ["string", "null"],
                                        "enum": ["on-demand", "never", None]}}}
MIGRATE: Schema = {
    "type": "object", "additionalProperties": False,
    "properties": {"host": {"type": ["string", "null"], "maxLength": 255},
                   # 3.16+: a cluster instead of a host (one agent per backend here).
                   "cluster": {"type": ["string", "null"], "maxLength": 255},
                   "force_host_copy": BOOLEAN_LIKE,
                   "lock_volume": BOOLEAN_LIKE}}

# Every action the API handles, and the arguments it takes.
ACTIONS: dict[str, Schema] = {
    "os-reserve": NO_ARGS,
    "os-unreserve": NO_ARGS,
    "os-begin_detaching": NO_ARGS,
    "os-roll_detaching": NO_ARGS,
    "os-initialize_connection": INITIALIZE_CONNECTION,
    "os-terminate_connection": TERMINATE_CONNECTION,
    "os-attach": ATTACH,
    "os-detach": DETACH,
    "os-force_detach": FORCE_DETACH,
    "os-extend": EXTEND,
    "os-set_bootable": SET_BOOTABLE,
    "os-update_readonly_flag": UPDATE_READONLY_FLAG,
    "os-reset_status": RESET_STATUS,
    "os-force_delete": NO_ARGS,
    "os-volume_upload_image": UPLOAD_IMAGE,
    "revert": REVERT,
    "os-extend_volume_completion": EXTEND_VOLUME_COMPLETION,
    # The image properties the volume keeps (``volume_image_metadata``).
    "os-set_image_metadata": SET_IMAGE_METADATA,
    "os-unset_image_metadata": UNSET_IMAGE_METADATA,
    "os-show_image_metadata": {"type": ["object", "null"]},
    # The cloud forgets the volume, its data stays on the backend (``api/volume_manage.py``).
    "os-unmanage": NO_ARGS,
    # A new type (moving the volume to a backend that takes it, if allowed), or a new backend.
    "os-retype": RETYPE,
    "os-migrate_volume": MIGRATE,
}

ACTION: Schema = {
    "type": "object",
    "properties": ACTIONS,
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
}


def upload_view(done: dict[str, Any]) -> dict[str, Any]:
    """``os-volume_upload_image``'s answer: the volume as it now is, and the image begun."""
    return {**done, "updated_at": iso_micro(done["updated_at"])}
