"""What a server takes from Placement: its flavor's resources, on its host's provider."""

from __future__ import annotations

import logging
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)


def resources_of(flavor: dict[str, Any]) -> dict[str, int]:
    """The resource classes and amounts a server of ``flavor`` consumes."""
    disk = int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0))
    disk += (int(flavor.get("swap", 0)) + 1023) // 1024
    return {"VCPU": int(flavor.get("vcpus", 1)), "MEMORY_MB": int(flavor.get("ram", 0)),
            "DISK_GB": disk}


def claim_on(placement: PlacementClient, consumer: str, rp_uuid: str, flavor: dict[str, Any],
             project_id: str, user_id: str) -> None:
    """Make ``consumer`` hold exactly its flavor's resources on ``rp_uuid`` (what it held
    before, if anything, is replaced: claiming again is harmless)."""
    wanted = {rc: amount for rc, amount in resources_of(flavor).items() if amount > 0}
    placement.claim(consumer, {rp_uuid: {"resources": wanted}}, project_id, user_id)


def free(placement: PlacementClient, consumer: str) -> None:
    """Give back whatever ``consumer`` holds; never raises for a service error."""
    try:
        placement.delete_allocations(consumer)
    except NimbusError as exc:
        LOG.warning("could not free the allocation of %s: %s", consumer, exc)
