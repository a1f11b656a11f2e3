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
UUID_PATTERN = ("^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                "[0-9a-fA-F]{12}$")
_UUID: Schema = {"type": "string", "pattern": UUID_PATTERN}
# A server count: a positive integer, as a number or a string of digits.
_COUNT: Schema = {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minLength": 1,
                  "minimum": 1, "maximum": MAX_INT}
# Nova's hostname (2.90) and the fully qualified names it takes from 2.94.
HOSTNAME: Schema = {"type": "string", "minLength": 2, "maxLength": 63,
                    "pattern": "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$"}
FQDN: Schema = {"type": "string", "minLength": 1, "maxLength": 255,
                "pattern": "^[a-zA-Z0-9-._]*$"}
DISK_CONFIG: Schema = {"type": "string", "enum": ["AUTO", "MANUAL"]}
# Checked as addresses by the manager (``server_requests.access_address``).
_ACCESS_IP: Schema = {"type": "string", "maxLength": 64}

_NETWORK: Schema = {
    "type": "object",
    "properties": {"uuid": NULLABLE_STRING, "port": NULLABLE_STRING,
                   "fixed_ip": NULLABLE_STRING},
    "additionalProperties": False,
}
# A network's ``tag`` is taken at 2.32 only, and again from 2.42 (a slip Nova kept).
_TAGGED_NETWORK = with_properties(_NETWORK, tag=NULLABLE_STRING)
# A personality file (before 2.57): where it goes and its base64 contents.
PERSONALITY: Schema = {"type": "array", "items": {
    "type": "object",
    "properties": {"path": {"type": "string"},
                   "contents": {"type": "string", "pattern": BASE64}},
    "additionalProperties": False,
}}
# The legacy (v1) ``block_device_mapping``, converted by ``server_requests``.
_LEGACY_MAPPING: Schema = {
    "type": "object",
    "properties": {
        "virtual_name": {"type": "string", "maxLength": 255},
        "volume_id": _UUID, "snapshot_id": _UUID,
        "volume_size": {"type": ["integer", "string", "null"], "pattern": "^[0-9]*$",
                        "minimum": 0, "maximum": MAX_INT},
        "device_name": {"type": "string", "minLength": 1, "maxLength": 255,
                        "pattern": "^[a-zA-Z0-9._/-]*$"},
        "delete_on_termination": BOOLEAN,
        "no_device": {},
        "connection_info": {"type": "string", "maxLength": 16777215},
    },
    "additionalProperties": False,
}
_BDM_V2 = {**BLOCK_DEVICE_MAPPING_V2, "properties": {
    k: v for k, v in BLOCK_DEVICE_MAPPING_V2["properties"].items()
    if k not in ("tag", "volume_type")}}
_TAGGED_BDM_V2 = with_properties(_BDM_V2, tag=BLOCK_DEVICE_MAPPING_V2["properties"]["tag"])


def _bdms(item: Schema) -> Schema:
    return {"type": ["array", "null"], "items": item}


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
        "accessIPv4": _ACCESS_IP,
        "accessIPv6": _ACCESS_IP,
        "availability_zone": NULLABLE_STRING,
        "block_device_mapping": {"type": "array", "items": _LEGACY_MAPPING},
        "block_device_mapping_v2": _bdms(_BDM_V2),
        "config_drive": BOOLEAN,
        "key_name": NULLABLE_STRING,
        "min_count": _COUNT,
        "max_count": _COUNT,
        "return_reservation_id": BOOLEAN,
        "security_groups": {"type": ["array", "null"], "items": {
            "type": "object", "properties": {"name": {"type": "string", "maxLength": 255}},
            "required": ["name"]}},
        "user_data": {"type": "string", "maxLength": 65535, "pattern": BASE64},
        "OS-DCF:diskConfig": DISK_CONFIG,
        "personality": PERSONALITY,
    },
    "required": ["name", "flavorRef"],
    "additionalProperties": False,
}
_SERVER_219 = with_properties(_SERVER, description=DESCRIPTION)
_SERVER_232 = with_properties(_SERVER_219, networks=_bdms(_TAGGED_NETWORK),
                              block_device_mapping_v2=_bdms(_TAGGED_BDM_V2))
# 2.37: ``networks`` is required, and may be "auto" or "none" instead of a list.


def _networks_237(item: Schema) -> Schema:
    return {"anyOf": [{"type": "array", "items": item},
                      {"type": "string", "enum": ["none", "auto"]}]}


_SERVER_237 = with_required(with_properties(_SERVER_219, networks=_networks_237(_NETWORK)),
                            "networks")
_SERVER_242 = with_properties(_SERVER_237, networks=_networks_237(_TAGGED_NETWORK),
                              block_device_mapping_v2=_bdms(_TAGGED_BDM_V2))
_SERVER_252 = with_properties(_SERVER_242, tags=TAGS)
# 2.57: personality files are gone.
_SERVER_257 = {**_SERVER_252, "properties": {
    k: v for k, v in _SERVER_252["properties"].items() if k != "personality"}}
_SERVER_263 = with_properties(_SERVER_257, trusted_image_certificates={
    "type": ["array", "null"], "minItems": 1, "maxItems": 50, "uniqueItems": True,
    "items": {"type": "string", "minLength": 1}})
_SERVER_267 = with_properties(_SERVER_263, block_device_mapping_v2=_bdms(BLOCK_DEVICE_MAPPING_V2))
# 2.74: a host or hypervisor to build on (accepted; the scheduler picks among every host).
_SERVER_274 = with_properties(_SERVER_267, host=FQDN, hypervisor_hostname=FQDN)
_SERVER_290 = with_properties(_SERVER_274, hostname=HOSTNAME)
_SERVER_294 = with_properties(_SERVER_274, hostname=FQDN)

# Scheduler hints sit beside ``server``, checked as Nova checks them; any other hint is taken
# (a filter of an operator's may read it). ``group`` and ``same_host``/``different_host`` are
# acted on; ``query``, ``target_cell``, ``different_cell``, ``build_near_host_ip`` and ``cidr``
# are accepted and, with no filter of theirs enabled, not acted on.
_UUIDS: Schema = {"anyOf": [_UUID, {"type": "array", "items": _UUID}]}
_HINTS: Schema = {"type": "object", "properties": {
    "group": {"anyOf": [_UUID, {"type": "array", "items": _UUID, "minItems": 1}]},
    "same_host": _UUIDS, "different_host": _UUIDS,
    "query": {"type": ["string", "object"]},
    "target_cell": NAME,
    "different_cell": {"anyOf": [{"type": "string"},
                                 {"type": "array", "items": {"type": "string"}}]},
    "build_near_host_ip": {"type": "string", "pattern": "^[0-9a-fA-F.:]{2,45}$"},
    "cidr": {"type": "string", "pattern": "^/[0-9a-f.:]+$"},
}}


def _create(server: Schema) -> Schema:
    return with_properties(body_of("server", server), **{"os:scheduler_hints": _HINTS,
                                                        "OS-SCH-HNT:scheduler_hints": _HINTS})


CREATE = validation.versioned(
    ("2.1", _create(_SERVER)),
    ("2.19", _create(_SERVER_219)),
    ("2.32", _create(_SERVER_232)),
    ("2.33", _create(_SERVER_219)),
    ("2.37", _create(_SERVER_237)),
    ("2.42", _create(_SERVER_242)),
    ("2.52", _create(_SERVER_252)),
    ("2.57", _create(_SERVER_257)),
    ("2.63", _create(_SERVER_263)),
    ("2.67", _create(_SERVER_267)),
    ("2.74", _create(_SERVER_274)),
    ("2.90", _create(_SERVER_290)),
    ("2.94", _create(_SERVER_294)),
)

_UPDATE: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "accessIPv4": {**_ACCESS_IP, "type": ["string", "null"]},
        "accessIPv6": {**_ACCESS_IP, "type": ["string", "null"]},
        "OS-DCF:diskConfig": DISK_CONFIG,
    },
    "additionalProperties": False,
}
_UPDATE_219 = with_properties(_UPDATE, description=DESCRIPTION)
UPDATE = validation.versioned(
    ("2.1", body_of("server", _UPDATE)),
    ("2.19", body_of("server", _UPDATE_219)),
    ("2.90", body_of("server", with_properties(_UPDATE_219, hostname=HOSTNAME))),
    ("2.94", body_of("server", with_properties(_UPDATE_219, hostname=FQDN))),
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
    "all_tenants": _TEXT_QUERY, "reservation_id": _TEXT_QUERY, "ip": _TEXT_QUERY,
    "ip6": _TEXT_QUERY,
    # ISO 8601 times (changes-before from 2.66), read by the API.
    "changes-since": _TEXT_QUERY, "changes-before": _TEXT_QUERY,
    # From 2.26 (ignored before): comma-separated tags.
    "tags": TAG_LIST_QUERY, "tags-any": TAG_LIST_QUERY, "not-tags": TAG_LIST_QUERY,
    "not-tags-any": TAG_LIST_QUERY,
}))
