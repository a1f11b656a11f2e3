"""What every part of the manager shares: the database, the driver, visibility and quotas."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.bus.rpc import Bus
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.drivers.base import NetworkDriver

LOG = logging.getLogger(__name__)

_COUNTED: dict[str, type[Any]] = {
    "network": models.Network,
    "subnet": models.Subnet,
    "port": models.Port,
    "router": models.Router,
    "floatingip": models.FloatingIP,
    "security_group": models.SecurityGroup,
    "security_group_rule": models.SecurityGroupRule,
}


class ManagerBase:
    """Holds the collaborators; the resource mixins build on it."""

    def __init__(self, db: Database, driver: NetworkDriver, bus: Bus | None = None,
                 publisher: str = "network") -> None:
        self.db = db
        self.driver = driver
        self.bus = bus
        self.publisher = publisher

    # -- visibility: another project's resource does not exist for the caller -------------
    @staticmethod
    def owns(ctx: RequestContext, row: Any) -> bool:
        # The service role (compute binding ports) works on every project's resources.
        return ctx.is_admin or "service" in ctx.roles or row.project_id == ctx.project_id

    def sees_network(self, ctx: RequestContext, row: models.Network) -> bool:
        return self.owns(ctx, row) or row.shared or row.external

    def network_row(self, session: Session, ctx: RequestContext, net_id: str) -> models.Network:
        row = session.get(models.Network, net_id)
        if row is None or not self.sees_network(ctx, row):
            raise nerr.NetworkNotFound(id=net_id)
        return row

    def subnet_row(self, session: Session, ctx: RequestContext, subnet_id: str) -> models.Subnet:
        row = session.get(models.Subnet, subnet_id)
        if row is not None and not self.owns(ctx, row):
            net = session.get(models.Network, row.network_id)
            if net is None or not net.shared:
                row = None
        if row is None:
            raise nerr.SubnetNotFound(id=subnet_id)
        return row

    def port_row(self, session: Session, ctx: RequestContext, port_id: str) -> models.Port:
        row = session.get(models.Port, port_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.PortNotFound(id=port_id)
        return row

    def router_row(self, session: Session, ctx: RequestContext, router_id: str) -> models.Router:
        row = session.get(models.Router, router_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.RouterNotFound(id=router_id)
        return row

    # -- shared bookkeeping -----------------------------------------------------------------
    @staticmethod
    def touch(row: Any) -> None:
        """Every change bumps revision_number and updated_at, as standard-attr-revisions says."""
        row.revision_number = (row.revision_number or 0) + 1
        row.updated_at = utcnow()

    @staticmethod
    def apply(row: Any, attrs: dict[str, Any], names: dict[str, str] | None = None) -> None:
        for key, value in attrs.items():
            setattr(row, (names or {}).get(key, key), value)

    def quota_limit(self, session: Session, project_id: str, resource: str) -> int:
        row = session.get(models.Quota, (project_id, resource))
        return row.limit if row is not None else c.DEFAULT_QUOTAS.get(resource, -1)

    def usage(self, session: Session, project_id: str, resource: str) -> int:
        model = _COUNTED[resource]
        stmt = select(func.count()).select_from(model).where(model.project_id == project_id)
        return int(session.scalar(stmt) or 0)

    def check_quota(self, session: Session, project_id: str, resource: str, count: int = 1) -> None:
        limit = self.quota_limit(session, project_id, resource)
        if limit >= 0 and self.usage(session, project_id, resource) + count > limit:
            raise nerr.OverQuota(overs=f"['{resource}']")

    def notify(self, event_type: str, payload: dict[str, Any]) -> None:
        """Tell whoever listens (compute waits for port status); never fails the request."""
        if self.bus is None:
            return
        try:
            self.bus.notify(self.publisher, event_type, payload)
        except Exception:
            LOG.exception("notification %s failed", event_type)
