"""Matching a volume type's extra specs against a backend's capabilities, as Cinder's
CapabilitiesFilter does.

A key with no scope (``volume_backend_name``) or in the ``capabilities:`` scope names a
capability, nested with further colons; keys in any other scope (``qos:``, a vendor's, ...)
are for others and ignored. A capability the backend does not report fails the match. A
value may carry one of the schedulers' operators (``core/extra_specs_ops.py``).
"""

from __future__ import annotations

from typing import Any

from nimbus.core.extra_specs_ops import matches


def is_multiattach(specs: dict[str, Any] | None) -> bool:
    """Whether a type's volumes attach to several servers (``multiattach="<is> True"``)."""
    return str((specs or {}).get("multiattach", "")).replace(" ", "").lower() == "<is>true"


def capability_keys(specs: dict[str, str]) -> dict[str, str]:
    """The specs a backend's capabilities must satisfy (the others are for someone else)."""
    found = {}
    for key, wanted in specs.items():
        scope = key.split(":")
        if len(scope) > 1 and scope[0] != "capabilities":
            continue
        found[key.removeprefix("capabilities:")] = wanted
    return found


def unmet(capabilities: dict[str, Any], specs: dict[str, str]) -> str | None:
    """The first spec ``capabilities`` do not satisfy, or None when they satisfy all."""
    for key, wanted in capability_keys(specs).items():
        found: Any = capabilities
        for part in key.split(":"):
            if not isinstance(found, dict) or part not in found:
                return key
            found = found[part]
        values = found if isinstance(found, list) else [found]
        if not any(matches(value, str(wanted)) for value in values):
            return key
    return None
