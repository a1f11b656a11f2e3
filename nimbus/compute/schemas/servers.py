"""Server request bodies and list queries, by microversion, after Nova's own schemas."""

from __future__ import annotations

from nimbus.compute.schemas.block_devices import BLOCK_DEVICE_MAPPING_V2
from nimbus.compute.schemas.common import (
    BOOLEAN,
    DESCRIPTION,
    MAX_INT,
    METADATA,
    NAME,
    NULLABLE_STRING,
    TAG,
    TAG_LIST_QUERY,
    TAGS,
    body_of,
    with_properties,
    with_required,
    without_nul,
)
from nimbus.core.api import validation
from nimbus.core.api.paging import PAGING_QUERY
from nimbus.core.api.validation import Schema

# Strictly base64 (what ``b64decode(validate=True)`` takes); the lookahead keeps a trailing
# newline out.
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?(?!\n)$"
# A server count: a positive integer, or nothing (one server).
_COUNT: Schema = {"type": ["integer", "string", "null"], "pattern": "^([0-9]*[1-9][0-9]*)?$",
                  "minimum": 1, "maximum": MAX_INT}

_NETWORK: Schema = {
    "type": "object",
    "properties": {"uuid": NULLABLE_STRING, "port": NULLABLE_STRING,
                   "fixed_ip": NULLABLE_STRING, "tag": NULLABLE_STRING},
    "additionalProperties": False,
}

_SERVER: Schema = {
    "type": "object",
    "properties": {
        "name": NAME,
        "imageRef": {"type": "string"},
        "flavorRef": {"type": ["string", "integer"], "minLength": 1},
        "adminPass": {"type": ["string", "null"]},
        "metadata": {**METADATA, "type": ["object", "null"]},
        # Before 2.37: a list, or nothing to have the only usable network picked.
        "networks": {"type": ["array", "null"], "items": _NETWORK},
        "accessIPv4": NULLABLE_STRING,
        "accessIPv6": NULLABLE_STRING,
        "availability_zone": NULLABLE_STRING,
        "block_device_mapping": {},
        "block_device_mapping_v2": {"type": ["array", "null"],
                                    "items": BLOCK_DEVICE_MAPPING_V2},
        "config_drive": BOOLEAN,
        "key_name": NULLABLE_STRING,
        "min_count": _COUNT,
        "max_count": _COUNT,
        "security_groups": {"type": ["array", "null"], "items": {
            "type": "object", "properties": {"name": {"type": "string", "maxLength": 255}},
            "required": ["name"]}},
        "user_data": {"type": ["string", "null"], "maxLength": 65535, "pattern": BASE64},
        # Accepted and not acted on.
        "OS-DCF:diskConfig": {}, "personality": {}, "return_reservation_id": {},
        "hostname": {}, "host": {}, "hypervisor_hostname": {},
        "trusted_image_certificates": {},
    },
    "required": ["name", "flavorRef"],
    "additionalProperties": False,
}
_SERVER_219 = with_properties(_SERVER, description=DESCRIPTION)
# 2.37: ``networks`` is required, and may be "auto" or "none" instead of a list.
_SERVER_237 = with_required(with_properties(_SERVER_219, networks={"anyOf": [
    {"type": "array", "items": _NETWORK},
    {"type": "string", "enum": ["none", "auto"]},
]}), "networks")
_SERVER_252 = with_properties(_SERVER_237, tags=TAGS)

# Scheduler hints sit beside ``server``. Only ``group`` is acted on; the others Nova knows
# (same_host, query...) are accepted and not acted on, as a cloud without their filters does.
_UUID: Schema = {"type": "string", "pattern": "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                                              "[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"}
_HINTS: Schema = {"type": "object", "properties": {"group": {"anyOf": [
    _UUID, {"type": "array", "items": _UUID, "minItems": 1}]}}}


def _create(server: Schema) -> Schema:
    return with_properties(body_of("server", server), **{"os:scheduler_hints": _HINTS,
                                                        "OS-SCH-HNT:scheduler_hints": _HINTS})


CREATE = validation.versioned(
    ("2.1", _create(_SERVER)),
    ("2.19", _create(_SERVER_219)),
    ("2.37", _create(_SERVER_237)),
    ("2.52", _create(_SERVER_252)),
)

_UPDATE: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "accessIPv4": NULLABLE_STRING,
        "accessIPv6": NULLABLE_STRING,
        "OS-DCF:diskConfig": {},
    },
    "additionalProperties": False,
}
_UPDATE_219 = with_properties(_UPDATE, description=DESCRIPTION)
_UPDATE_290 = with_properties(_UPDATE_219, hostname={"type": "string", "minLength": 1,
                                                     "maxLength": 63})
UPDATE = validation.versioned(
    ("2.1", body_of("server", _UPDATE)),
    ("2.19", body_of("server", _UPDATE_219)),
    ("2.90", body_of("server", _UPDATE_290)),
)

METADATA_BODY = body_of("metadata", METADATA)
META_ITEM_BODY = body_of("meta", {**METADATA, "minProperties": 1, "maxProperties": 1})
TAGS_BODY = body_of("tags", TAGS)
TAG_IN_PATH: Schema = {"type": "object", "properties": {"tag": TAG}}

# Sort keys Nova accepts but ignores (before 2.73 ``locked`` is one of them), and the ones it
# accepts that have no column here (their values are the same for every server).
IGNORED_SORT_KEYS = frozenset({
    "architecture", "cell_name", "cleaned", "default_ephemeral_device", "default_swap_device",
    "deleted", "deleted_at", "disable_terminate", "ephemeral_gb", "ephemeral_key_uuid", "id",
    "key_data", "launched_on", "locked", "memory_mb", "os_type", "reservation_id", "root_gb",
    "shutdown_terminate", "user_data", "vcpus", "vm_mode",
    "auto_disk_config", "kernel_id", "launch_index", "progress", "ramdisk_id",
    "root_device_name", "terminated_at",
})
SORT_KEYS = sorted(IGNORED_SORT_KEYS | {
    "access_ip_v4", "access_ip_v6", "availability_zone", "config_drive", "created_at",
    "display_description", "display_name", "host", "hostname", "image_ref",
    "instance_type_id", "key_name", "launched_at", "locked_by", "node", "power_state",
    "project_id", "task_state", "updated_at", "user_id", "uuid", "vm_state",
})
# Only administrators sort by where servers run.
ADMIN_SORT_KEYS = frozenset({"host", "node"})

_TEXT_QUERY: Schema = {"type": "string", "maxLength": 255}
LIST_QUERY = without_nul(validation.query({
    **PAGING_QUERY,
    "sort_key": {"type": "array", "items": {"type": "string", "enum": SORT_KEYS}},
    "name": _TEXT_QUERY, "status": _TEXT_QUERY, "image": _TEXT_QUERY, "flavor": _TEXT_QUERY,
    "host": _TEXT_QUERY, "project_id": _TEXT_QUERY, "tenant_id": _TEXT_QUERY,
    "all_tenants": _TEXT_QUERY,
    # From 2.26 (ignored before): comma-separated tags.
    "tags": TAG_LIST_QUERY, "tags-any": TAG_LIST_QUERY, "not-tags": TAG_LIST_QUERY,
    "not-tags-any": TAG_LIST_QUERY,
}))
