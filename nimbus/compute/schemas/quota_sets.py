"""``os-quota-sets`` request bodies by microversion, after Nova's own schemas."""

from __future__ import annotations

from nimbus.compute.schemas.common import BOOLEAN, MAX_INT, body_of
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

# A limit: -1 (unlimited) or more, as a number or a string of digits.
LIMIT: Schema = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
                 "maximum": MAX_INT}
_BASE = ["instances", "cores", "ram", "key_pairs", "metadata_items", "server_groups",
         "server_group_members"]
_NETWORK = ["fixed_ips", "floating_ips", "security_groups", "security_group_rules", "networks"]
_FILES = ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"]


def _update(names: list[str]) -> Schema:
    return body_of("quota_set", {
        "type": "object",
        "properties": {**{name: LIMIT for name in names}, "force": BOOLEAN},
        "additionalProperties": False,
    })


UPDATE = validation.versioned(
    ("2.1", _update(_BASE + _NETWORK + _FILES)),
    # The network quotas went with nova-network; the injected files with personality.
    ("2.36", _update(_BASE + _FILES)),
    ("2.57", _update(_BASE)),
)
# The project in the path is stored: at most what its column holds, and no NUL.
PROJECT_IN_PATH: Schema = {"type": "object", "properties": {
    "project_id": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00]*$"},
}}
