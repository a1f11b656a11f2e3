"""A bound port whose QoS policy changes: its claim in Placement changes with it, as Neutron
updates it. The port's ``binding:profile.allocation`` names the provider each of its request
groups took; each such group's resources there become what the new policy asks (none, when
it asks nothing more), in the allocation of the server the port belongs to. A group the new
policy adds is not claimed (nothing was placed for it), as in Neutron.
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.core.errors import ConsumerGenerationConflict, NimbusError

LOG = logging.getLogger(__name__)
TRIES = 3


def _groups(request: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    return {g["id"]: dict(g["resources"]) for g in (request or {}).get("request_groups") or []}


def reallocated(held: dict[str, Any], placed: dict[str, str], old: dict[str, Any] | None,
                new: dict[str, Any] | None) -> dict[str, Any]:
    """The consumer's allocations with each placed group's resources changed from ``old``'s
    amounts to ``new``'s."""
    before, after = _groups(old), _groups(new)
    out = {rp: {"resources": dict(v.get("resources") or {})} for rp, v in held.items()}
    for group, rp in placed.items():
        resources = out.setdefault(rp, {"resources": {}})["resources"]
        for rc, amount in before.get(group, {}).items():
            resources[rc] = max(0, int(resources.get(rc, 0)) - int(amount))
        for rc, amount in after.get(group, {}).items():
            resources[rc] = int(resources.get(rc, 0)) + int(amount)
        for rc in [rc for rc, n in resources.items() if n <= 0]:
            del resources[rc]
    return {rp: v for rp, v in out.items() if v["resources"]}


class QosAllocations:
    def __init__(self, placement: PlacementClient | None) -> None:
        self.placement = placement

    def policy_changed(self, before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
        """Move the server's claim for the port from ``before``'s request to ``after``'s; the
        groups (and their providers) the port's profile should name now."""
        placed = dict((before.get("binding:profile") or {}).get("allocation") or {})
        consumer = str(after.get("device_id") or "")
        if not placed or not consumer or self.placement is None:
            return placed
        for _ in range(TRIES):
            found = self.placement.consumer(consumer)
            held = dict(found.get("allocations") or {})
            if not held:
                return {}
            wanted = reallocated(held, placed, before.get("resource_request"),
                                 after.get("resource_request"))
            try:
                self.placement.replace_allocations(
                    consumer, wanted, str(found.get("project_id") or after["project_id"]),
                    str(found.get("user_id") or ""), found.get("consumer_generation"))
                break
            except ConsumerGenerationConflict:
                continue  # the server's allocation changed meanwhile: read it again
            except NimbusError as exc:
                LOG.warning("port %s: its QoS claim could not change: %s", after["id"], exc)
                raise
        still = _groups(after.get("resource_request"))
        return {g: rp for g, rp in placed.items() if g in still}
