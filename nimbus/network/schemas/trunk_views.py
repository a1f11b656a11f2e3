"""What the API shows of trunks, and of a parent port's ``trunk_details``."""

from __future__ import annotations

from typing import Any

from nimbus.network import constants as c
from nimbus.network.db import models
from nimbus.network.schemas.views import _standard


def subport(row: models.SubPort) -> dict[str, Any]:
    return {"port_id": row.port_id, "segmentation_type": row.segmentation_type,
            "segmentation_id": row.segmentation_id}


def status(parent: models.Port | None, ports: list[models.Port]) -> str:
    """Neutron's trunk status, from its ports: DOWN until the parent is up on its host,
    BUILD while a subport is still being wired there, then ACTIVE."""
    if parent is None or parent.status != c.ACTIVE:
        return c.DOWN
    return c.ACTIVE if all(p.status == c.ACTIVE for p in ports) else "BUILD"


def trunk(row: models.Trunk, subports: list[models.SubPort],
          ports: dict[str, models.Port]) -> dict[str, Any]:
    return {
        **_standard(row),
        "name": row.name,
        "admin_state_up": row.admin_state_up,
        "status": status(ports.get(row.port_id),
                         [ports[s.port_id] for s in subports if s.port_id in ports]),
        "port_id": row.port_id,
        "sub_ports": [subport(s) for s in subports],
    }


def details(row: models.Trunk, subports: list[models.SubPort],
            macs: dict[str, str]) -> dict[str, Any]:
    """A parent port's ``trunk_details`` (the trunk-details extension)."""
    return {"trunk_id": row.id,
            "sub_ports": [{**subport(s), "mac_address": macs.get(s.port_id, "")}
                          for s in subports]}
