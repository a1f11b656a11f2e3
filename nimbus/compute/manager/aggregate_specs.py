"""What the scheduler's aggregate filters match a request against: the aggregate metadata a
request depends on, and the extra-spec operators (``core/extra_specs_ops.py``) that compare a
flavor's extra spec with an aggregate's value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Extra specs in this scope (or in none) must be matched by the host's aggregates.
SCOPE = "aggregate_instance_extra_specs"
# Metadata keys starting with this restrict the aggregate's hosts to the projects they list.
TENANT_PREFIX = "filter_tenant_id"
AZ_KEY = "availability_zone"


def requirements(extra_specs: Mapping[str, Any]) -> dict[str, str]:
    """The flavor's extra specs the host's aggregates must satisfy, by the metadata key each
    names: unscoped ones and those in ``aggregate_instance_extra_specs:``; other scopes
    (``hw:``, ``quota:``...) are for other filters."""
    found = {}
    for key, value in extra_specs.items():
        scope, _, rest = key.partition(":")
        if not rest:
            found[key] = str(value)
        elif scope == SCOPE:
            found[rest] = str(value)
    return found


def tenants_of(metadata: Mapping[str, Iterable[str]]) -> set[str]:
    """The projects the host's aggregates keep it for (none: every project may use it)."""
    found: set[str] = set()
    for key, values in metadata.items():
        if key.startswith(TENANT_PREFIX):
            for value in values:
                found.update(t.strip() for t in str(value).split(",") if t.strip())
    return found


def wanted_keys(zone: str | None, extra_specs: Mapping[str, Any]) -> tuple[set[str], str]:
    """The metadata keys a request's filters read (and the prefix of the tenant keys)."""
    keys = set(requirements(extra_specs))
    if zone:
        keys.add(AZ_KEY)
    return keys, TENANT_PREFIX
