"""Tags on the resources that have standard attributes (standard-attr-tag)."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.network.db import models

# Resource name -> its table.
TAGGED: dict[str, type[Any]] = {
    "network": models.Network, "subnet": models.Subnet, "port": models.Port,
    "router": models.Router, "security_group": models.SecurityGroup,
    "floatingip": models.FloatingIP, "subnetpool": models.SubnetPool,
    "address_scope": models.AddressScope, "policy": models.QosPolicy,
    "trunk": models.Trunk,
}


class TagManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    @retry_on_lock()
    def set_tags(self, kind: str, resource_id: str, tags: list[str]) -> list[str]:
        """Replace a resource's tags; the caller has already checked it may see it."""
        with self.db.writer() as session:
            row = session.get(TAGGED[kind], resource_id)
            if row is not None:
                row.tags = list(tags)
                row.touch()
        return tags
