"""Who may see which row, and how many of each resource a project may have.

Every resource manager takes one ``Access``: another project's resource does not exist for the
caller (a 404, never a 403), and every create counts against its project's quota.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.network import constants as c
from nimbus.network import errors as nerr
from nimbus.network.db import address_groups as address_group_db
from nimbus.network.db import floating_ips as fip_db
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import ports as port_db
from nimbus.network.db import quotas as quota_db
from nimbus.network.db import rbac as rbac_db
from nimbus.network.db import routers as router_db
from nimbus.network.db import security_groups as group_db
from nimbus.network.db import subnets as subnet_db

# (session, caller, policy id or None, the project of the port or network): raises when that
# project may not use the policy (``QosManager.check_usable``).
QosCheck = Callable[[Session, RequestContext, "str | None", str], None]


class Access:
    """Visibility and quotas, shared by the resource managers."""

    def __init__(self, quota_defaults: Mapping[str, int] = c.DEFAULT_QUOTAS) -> None:
        self.quota_defaults = dict(quota_defaults)

    # -- visibility ------------------------------------------------------------------------
    @staticmethod
    def everything(ctx: RequestContext) -> bool:
        """Admins, and the service role (compute binding ports), work on every project's."""
        return ctx.is_admin or "service" in ctx.roles

    def owns(self, ctx: RequestContext, row: Any) -> bool:
        return self.everything(ctx) or row.project_id == ctx.project_id

    def sees_network(self, session: Session, ctx: RequestContext, row: models.Network) -> bool:
        return self.owns(ctx, row) or row.shared or row.external or rbac_db.grants(
            session, "network", row.id, ctx.project_id, (rbac_db.SHARED, rbac_db.EXTERNAL))

    def network(self, session: Session, ctx: RequestContext, net_id: str) -> models.Network:
        row = network_db.get(session, net_id)
        if row is None or not self.sees_network(session, ctx, row):
            raise nerr.NetworkNotFound(id=net_id)
        return row

    def usable(self, session: Session, ctx: RequestContext, object_type: str, row: Any) -> bool:
        """The caller may see and use ``row`` (a QoS policy, address scope or subnet pool):
        its own, shared with all, or opened to its project by an RBAC policy."""
        return self.owns(ctx, row) or bool(getattr(row, "shared", False)) or rbac_db.grants(
            session, object_type, row.id, ctx.project_id)

    def external_for(self, session: Session, ctx: RequestContext, row: models.Network) -> bool:
        """The network is external for the caller: for everyone, or for its project by an
        ``access_as_external`` policy."""
        return row.external or rbac_db.grants(session, "network", row.id, ctx.project_id,
                                              (rbac_db.EXTERNAL,))

    def mark_shared(self, session: Session, ctx: RequestContext, object_type: str,
                    items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Neutron shows ``shared`` true to a project an RBAC policy shares an object with."""
        if self.everything(ctx):
            return items
        others = [i["id"] for i in items if not i.get("shared")
                  and i.get("project_id") != ctx.project_id]
        opened = rbac_db.granted_among(session, object_type, others, ctx.project_id)
        for item in items:
            if item["id"] in opened:
                item["shared"] = True
        return items

    def subnet(self, session: Session, ctx: RequestContext, subnet_id: str) -> models.Subnet:
        row = subnet_db.get(session, subnet_id)
        if row is not None and not self.owns(ctx, row):
            net = network_db.get(session, row.network_id)
            if net is None or not (net.shared or rbac_db.grants(session, "network", net.id,
                                                                ctx.project_id)):
                row = None
        if row is None:
            raise nerr.SubnetNotFound(id=subnet_id)
        return row

    def port(self, session: Session, ctx: RequestContext, port_id: str) -> models.Port:
        row = port_db.get(session, port_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.PortNotFound(id=port_id)
        return row

    def router(self, session: Session, ctx: RequestContext, router_id: str) -> models.Router:
        row = router_db.get(session, router_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.RouterNotFound(id=router_id)
        return row

    def security_group(self, session: Session, ctx: RequestContext, group_id: str,
                       shared: bool = False) -> models.SecurityGroup:
        """The caller's group; with ``shared``, also one an RBAC policy opens to its project
        (to see and to use on its ports, not to change)."""
        row = group_db.get(session, group_id)
        if row is None or not (self.owns(ctx, row) or (shared and rbac_db.grants(
                session, "security_group", row.id, ctx.project_id))):
            raise nerr.SecurityGroupNotFound(id=group_id)
        return row

    def rule(self, session: Session, ctx: RequestContext,
             rule_id: str) -> models.SecurityGroupRule:
        row = group_db.get_rule(session, rule_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.SecurityGroupRuleNotFound(id=rule_id)
        return row

    def address_group(self, session: Session, ctx: RequestContext,
                      group_id: str) -> models.AddressGroup:
        """An address group the caller may see and name in its rules: its own, or one an RBAC
        policy shares with its project (Neutron has no ``shared`` flag for these)."""
        row = address_group_db.get(session, group_id)
        if row is None or not (self.owns(ctx, row) or rbac_db.grants(
                session, address_group_db.RBAC_TYPE, row.id, ctx.project_id)):
            raise nerr.AddressGroupNotFound(address_group_id=group_id)
        return row

    def floating_ip(self, session: Session, ctx: RequestContext,
                    fip_id: str) -> models.FloatingIP:
        row = fip_db.get(session, fip_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.FloatingIPNotFound(id=fip_id)
        return row

    # -- quotas ----------------------------------------------------------------------------
    def quota_limit(self, session: Session, project_id: str, resource: str) -> int:
        row = quota_db.limit_row(session, project_id, resource)
        return row.limit if row is not None else self.quota_defaults.get(resource, -1)

    def check_quota(self, session: Session, project_id: str, resource: str,
                    count: int = 1) -> None:
        limit = self.quota_limit(session, project_id, resource)
        if limit >= 0 and quota_db.usage(session, project_id, resource) + count > limit:
            raise nerr.OverQuota(overs=f"['{resource}']")
