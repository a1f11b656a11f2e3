"""ComputeCapabilitiesFilter: a flavor's ``capabilities:*`` extra specs against what each host
reports of itself, with the same operators as the aggregate extra specs (``>= 4``,
``<in> avx``, ``s== fake``...).

``capabilities:cpu_info:arch`` walks into the host's ``cpu_info``; an unscoped extra spec is
checked too when it names something a host reports (``hypervisor_type``), and left to the
aggregate filter otherwise; other scopes (``hw:``, ``quota:``...) are for other filters.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from nimbus.core.extra_specs_ops import matches

SCOPE = "capabilities"


class HostState(Protocol):
    """What this filter reads of a candidate (``filters.HostState``)."""

    @property
    def host(self) -> str: ...

    def capabilities(self) -> dict[str, Any]: ...


def _wanted(spec: dict[str, Any]) -> list[tuple[list[str], str, bool]]:
    """(path into the capabilities, requirement, whether the key was unscoped) of each extra
    spec this filter checks."""
    extra_specs = (spec.get("flavor") or {}).get("extra_specs") or {}
    wanted = []
    for key, requirement in extra_specs.items():
        path = str(key).split(":")
        if len(path) == 1:
            wanted.append((path, str(requirement), True))
        elif path[0] == SCOPE and len(path) > 1:
            wanted.append((path[1:], str(requirement), False))
    return wanted


def _walk(capabilities: dict[str, Any], path: list[str]) -> Any:
    """The value at ``path`` (None when something on the way is missing); a JSON text on the
    way (a ``cpu_info`` some drivers report as one) is read as what it holds."""
    found: Any = capabilities
    for step in path:
        if isinstance(found, str):
            try:
                found = json.loads(found)
            except ValueError:
                return None
        if not isinstance(found, dict):
            return None
        found = found.get(step)
        if found is None:
            return None
    return found


class ComputeCapabilitiesFilter:
    name = "ComputeCapabilitiesFilter"

    @staticmethod
    def unmet(host: HostState, spec: dict[str, Any]) -> list[str]:
        """The extra specs ``host`` does not satisfy, by their keys."""
        wanted = _wanted(spec)
        if not wanted:
            return []
        capabilities = host.capabilities()
        failed = []
        for path, requirement, unscoped in wanted:
            if unscoped and path[0] not in capabilities:
                continue
            value = _walk(capabilities, path)
            # Nova compares the text of what the host reports (a list of CPU features too).
            if value is None or not matches(str(value), requirement):
                failed.append(":".join(path if unscoped else [SCOPE, *path]))
        return failed

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        return bool(spec.get("force_host")) or not self.unmet(host, spec)

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        return f"capabilities do not satisfy extra spec(s) {', '.join(self.unmet(host, spec))}"
