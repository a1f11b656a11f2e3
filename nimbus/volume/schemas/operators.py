"""Requests of the operators' block-storage APIs: os-services actions, os-hosts, pools,
clusters, workers' cleanup, quota classes, and managing a backend's storage."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.volume.schemas.common import (
    BOOLEAN_LIKE,
    DESCRIPTION,
    METADATA,
    NAME,
    QUERY_BOOLEAN,
    QUERY_STRING,
)
from nimbus.volume.schemas.quotas import LIMIT

_STRING: Schema = {"type": "string", "minLength": 1, "maxLength": 255}
_NULLABLE: Schema = {"type": ["string", "null"], "maxLength": 255}
HOST: Schema = {"type": "string", "minLength": 1, "maxLength": 255}

# -- os-services ----------------------------------------------------------------------------------
# ``service`` is the older name of ``binary`` (Cinder still takes either).
ENABLE: Schema = {
    "type": "object",
    "properties": {"binary": _STRING, "service": _STRING, "host": HOST, "cluster": _NULLABLE},
    "required": ["host"],
    "anyOf": [{"required": ["binary"]}, {"required": ["service"]}],
    "additionalProperties": False,
}
DISABLE_LOG_REASON: Schema = {
    **ENABLE,
    "properties": {**ENABLE["properties"], "disabled_reason": _STRING},
}
FREEZE: Schema = {"type": "object", "properties": {"host": HOST, "cluster": _NULLABLE},
                  "required": ["host"], "additionalProperties": False}
FAILOVER: Schema = {"type": "object", "properties": {"host": HOST, "backend_id": _NULLABLE,
                                                     "cluster": _NULLABLE},
                    "additionalProperties": False}
_BINARY: Schema = {"type": ["string", "null"], "enum": ["", "*", "cinder-api", "cinder-volume",
                                                        "cinder-scheduler", "cinder-backup",
                                                        None]}
# The levels Cinder's set-log takes, in any case (checked by the handler).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_LEVEL: Schema = {"type": "string", "minLength": 1, "maxLength": 16}
SET_LOG: Schema = {"type": "object", "properties": {"binary": _BINARY, "server": _NULLABLE,
                                                    "prefix": _NULLABLE, "level": _LEVEL},
                   "required": ["level"], "additionalProperties": False}
GET_LOG: Schema = {"type": "object", "properties": {"binary": _BINARY, "server": _NULLABLE,
                                                    "prefix": _NULLABLE},
                   "additionalProperties": False}

# -- os-hosts, pools, clusters, workers ------------------------------------------------------------
HOSTS_QUERY: Schema = query({"zone": QUERY_STRING})
HOST_UPDATE: Schema = {"type": "object", "properties": {"status": {"type": "string",
                                                                   "maxLength": 255}},
                       "required": ["status"], "additionalProperties": False}
POOLS_QUERY: Schema = query({"detail": QUERY_BOOLEAN, "name": QUERY_STRING,
                             "volume_type": QUERY_STRING})
CLUSTERS_QUERY: Schema = query({"name": QUERY_STRING, "binary": QUERY_STRING,
                                "is_up": QUERY_BOOLEAN, "disabled": QUERY_BOOLEAN})
CLUSTER_UPDATE: Schema = {"type": "object", "properties": {"name": _STRING, "binary": _STRING,
                                                           "disabled_reason": _NULLABLE},
                          "required": ["name"], "additionalProperties": False}
CLEANUP: Schema = {
    "type": ["object", "null"],
    "properties": {
        "cluster_name": _NULLABLE,
        "disabled": BOOLEAN_LIKE,
        "host": _NULLABLE,
        "is_up": BOOLEAN_LIKE,
        "binary": {"enum": ["cinder-volume", "cinder-scheduler"]},
        "resource_id": _NULLABLE,
        "resource_type": _NULLABLE,
        "service_id": {"type": "integer", "minimum": 0},
    },
    "additionalProperties": False,
}
# The resources a cleanup may be about (Cinder's cleanable resource types).
CLEANABLE = ("Volume", "Snapshot")

# -- quota classes --------------------------------------------------------------------------------
CLASS_NAME: Schema = {"type": "object", "properties": {
    "class_name": {"type": "string", "minLength": 1, "maxLength": 255}}}
QUOTA_CLASS_UPDATE: Schema = {
    "type": "object",
    "properties": {"quota_class_set": {"type": "object", "additionalProperties": LIMIT}},
    "required": ["quota_class_set"],
    "additionalProperties": False,
}

# -- manage and unmanage ----------------------------------------------------------------------------
REF: Schema = {"type": "object", "minProperties": 1}
MANAGE_VOLUME: Schema = {
    "type": "object",
    "properties": {"volume": {
        "type": "object",
        "properties": {"host": HOST, "cluster": _NULLABLE, "ref": REF, "name": NAME,
                       "description": DESCRIPTION, "volume_type": _NULLABLE,
                       "availability_zone": _NULLABLE, "bootable": BOOLEAN_LIKE,
                       "metadata": METADATA},
        "required": ["host", "ref"],
        "additionalProperties": False,
    }},
    "required": ["volume"],
    "additionalProperties": False,
}
MANAGE_SNAPSHOT: Schema = {
    "type": "object",
    "properties": {"snapshot": {
        "type": "object",
        "properties": {"volume_id": _STRING, "ref": REF, "name": NAME,
                       "description": DESCRIPTION, "metadata": METADATA},
        "required": ["volume_id", "ref"],
        "additionalProperties": False,
    }},
    "required": ["snapshot"],
    "additionalProperties": False,
}
# A backend's listing is short and comes from the backend itself, not the database: it is
# sorted and cut here (``offset``, ``limit``), never paged by marker.
MANAGEABLE_QUERY: Schema = query({
    "host": QUERY_STRING, "cluster": QUERY_STRING, "limit": {"type": "integer", "minimum": 0},
    "offset": {"type": "integer", "minimum": 0}, "sort_keys": QUERY_STRING,
    "sort_dirs": QUERY_STRING, "sort": QUERY_STRING,
})
_DETAIL_ONLY = ("reason_not_safe", "cinder_id", "extra_info")


def manageable_view(entry: dict[str, Any], detailed: bool) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if detailed or k not in _DETAIL_ONLY}
