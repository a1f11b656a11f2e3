"""``os-quota-sets`` and ``os-quota-class-sets`` request bodies and queries by microversion,
after Nova's own schemas."""

from __future__ import annotations

from nimbus.compute.schemas.common import BOOLEAN, MAX_INT, body_of
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

# A limit: -1 (unlimited) or more, as a number or a string of digits.
LIMIT: Schema = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
                 "maximum": MAX_INT}
BASE = ["instances", "cores", "ram", "key_pairs", "metadata_items", "server_groups",
        "server_group_members"]
NETWORK = ["fixed_ips", "floating_ips", "security_groups", "security_group_rules"]
FILES = ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"]


def _update(names: list[str]) -> Schema:
    return body_of("quota_set", {
        "type": "object",
        "properties": {**{name: LIMIT for name in names}, "force": BOOLEAN},
        "additionalProperties": False,
    })


UPDATE = validation.versioned(
    # "networks" went with nova-network; it is still accepted (and not kept) before 2.36.
    ("2.1", _update(BASE + NETWORK + FILES + ["networks"])),
    # The network quotas went with nova-network; the injected files with personality.
    ("2.36", _update(BASE + FILES)),
    ("2.57", _update(BASE)),
)


def _class_update(names: list[str]) -> Schema:
    return body_of("quota_class_set", {
        "type": "object", "properties": {name: LIMIT for name in names},
        "additionalProperties": False,
    })


# A quota class drops the network quotas at 2.50 (not 2.36 as a project's do).
CLASS_UPDATE = validation.versioned(
    ("2.1", _class_update(BASE + NETWORK + FILES)),
    ("2.50", _class_update(BASE + FILES)),
    ("2.57", _class_update(BASE)),
)

_ID: Schema = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00]*$"}
# The project in the path is stored: at most what its column holds, and no NUL.
PROJECT_IN_PATH: Schema = {"type": "object", "properties": {"project_id": _ID}}
CLASS_IN_PATH: Schema = {"type": "object", "properties": {"class_name": _ID}}
# ``?user_id=``: one user's limits within the project.
USER_QUERY = validation.query({"user_id": _ID})
QUERY_NAMES = frozenset({"user_id"})
