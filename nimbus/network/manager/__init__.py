"""The network service's rules, one sibling module per resource, joined into one manager."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import retry_on_lock
from nimbus.network.db import models
from nimbus.network.manager.floating_ips import FloatingIpOps
from nimbus.network.manager.networks import NetworkOps
from nimbus.network.manager.ports import PortOps
from nimbus.network.manager.quotas import QuotaOps
from nimbus.network.manager.routers import RouterOps
from nimbus.network.manager.security_groups import SecurityGroupOps


class NetworkManager(NetworkOps, PortOps, RouterOps, SecurityGroupOps, FloatingIpOps,
                     QuotaOps):
    """Everything the API asks of the network service; never sees HTTP."""

    _TAGGED: dict[str, type[Any]] = {"network": models.Network, "subnet": models.Subnet, "port": models.Port,
               "router": models.Router, "security_group": models.SecurityGroup,
               "floatingip": models.FloatingIP}

    @retry_on_lock()
    def set_tags(self, kind: str, resource_id: str, tags: list[str]) -> list[str]:
        """Replace a resource's tags; the caller has already checked it may see it."""
        with self.db.writer() as session:
            row = session.get(self._TAGGED[kind], resource_id)
            if row is not None:
                row.tags = list(tags)
                self.touch(row)
        return tags


__all__ = ["NetworkManager"]
