"""``block_device_mapping_v2`` items in a server create request.

Each mapping says where a disk comes from (``source_type``) and where it lives
(``destination_type``). Nimbus supports the forms clients use: an existing volume, a new volume
made from an image, a snapshot or nothing (``blank``), and the image itself on local disk
(which is the same as ``imageRef``). The rules between fields (a blank volume needs a size...)
are the manager's (``manager/server_requests.py``).
"""

from __future__ import annotations

from nimbus.compute.schemas.common import BOOLEAN, MAX_INT
from nimbus.core.api.validation import Schema

SOURCES = ["image", "volume", "snapshot", "blank"]
DESTINATIONS = ["local", "volume"]

_ID: Schema = {"type": ["string", "null"], "maxLength": 255}
_TEXT: Schema = {"type": ["string", "null"], "maxLength": 255}

BLOCK_DEVICE_MAPPING_V2: Schema = {
    "type": "object",
    "properties": {
        "source_type": {"type": "string", "enum": SOURCES},
        "destination_type": {"type": "string", "enum": DESTINATIONS},
        "uuid": _ID, "image_id": _ID, "snapshot_id": _ID, "volume_id": _ID,
        # An integer (-1 and below: not bootable), or None for the legacy API's sake.
        "boot_index": {"type": ["integer", "string", "null"], "minimum": -1,
                       "pattern": "^(-1|[0-9]+|[Nn]one)?$"},
        "volume_size": {"type": ["integer", "string", "null"], "pattern": "^[0-9]*$",
                        "minimum": 0, "maximum": MAX_INT},
        "delete_on_termination": BOOLEAN,
        "device_name": _TEXT,
        "tag": {"type": ["string", "null"], "maxLength": 60},
        "volume_type": _TEXT,
        "disk_bus": _TEXT, "device_type": _TEXT, "guest_format": _TEXT,
        "connection_info": {"type": ["string", "null"]},
        "no_device": {},
    },
    "additionalProperties": False,
}
