"""RBAC policies (Neutron's ``rbac-policies``): an owner lets other projects use an object.

``access_as_shared`` opens a network, QoS policy, address scope, subnet pool or address group
to one project (or to every project, ``*``, which only admins grant); ``access_as_external``
opens a network as an external one (router gateways, floating IPs). The object must be the
caller's. A grant that the target project still uses (its ports on the network, its ports or
networks with the policy, its pools in the scope, its subnets from the pool, its rules naming
the address group) is not taken back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import rbac as db
from nimbus.network.db.jsonlist import json_has
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items

# object_type -> (its table, the actions it takes, the fault for an object not found)
OBJECTS: dict[str, tuple[Any, tuple[str, ...], Any]] = {
    "network": (models.Network, (db.SHARED, db.EXTERNAL),
                lambda oid: nerr.NetworkNotFound(id=oid)),
    "qos_policy": (models.QosPolicy, (db.SHARED,),
                   lambda oid: nerr.QosPolicyNotFound(policy_id=oid)),
    "address_scope": (models.AddressScope, (db.SHARED,),
                      lambda oid: nerr.AddressScopeNotFound(address_scope_id=oid)),
    "subnetpool": (models.SubnetPool, (db.SHARED,),
                   lambda oid: nerr.SubnetPoolNotFound(subnetpool_id=oid)),
    "address_group": (models.AddressGroup, (db.SHARED,),
                      lambda oid: nerr.AddressGroupNotFound(address_group_id=oid)),
    "security_group": (models.SecurityGroup, (db.SHARED,),
                       lambda oid: nerr.SecurityGroupNotFound(id=oid)),
}
# What a target project may have made with a grant, per object type: (table, the condition
# on its rows that name the object).
_USERS: dict[str, list[tuple[Any, Callable[[str], Any]]]] = {
    "network": [(models.Port, lambda oid: models.Port.network_id == oid)],
    "qos_policy": [(models.Port, lambda oid: models.Port.qos_policy_id == oid),
                   (models.Network, lambda oid: models.Network.qos_policy_id == oid)],
    "address_scope": [(models.SubnetPool, lambda oid: models.SubnetPool.address_scope_id == oid)],
    "subnetpool": [(models.Subnet, lambda oid: models.Subnet.subnetpool_id == oid)],
    "address_group": [(models.SecurityGroupRule,
                       lambda oid: models.SecurityGroupRule.remote_address_group_id == oid)],
    # Ports hold their groups as a list.
    "security_group": [(models.Port, lambda oid: json_has(models.Port.security_groups, oid))],
}


def view(row: models.RbacPolicy) -> dict[str, Any]:
    return {"id": row.id, "project_id": row.project_id, "tenant_id": row.project_id,
            "object_type": row.object_type, "object_id": row.object_id, "action": row.action,
            "target_tenant": row.target_project}


class RbacManager:
    def __init__(self, database: Database, access: Access) -> None:
        self.db = database
        self.access = access

    def _policy(self, session: Session, ctx: RequestContext,
                policy_id: str) -> models.RbacPolicy:
        row = db.get(session, policy_id)
        if row is None or not self.access.owns(ctx, row):
            raise nerr.RbacPolicyNotFound(id=policy_id)
        return row

    def list_policies(self, ctx: RequestContext, query: PageQuery | None = None,
                      filters: Filters | None = None,
                      hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = (models.RbacPolicy.project_id == (ctx.project_id or "")
                    if not self.access.everything(ctx) else models.RbacPolicy.id.isnot(None))
            page = db.list_page(session, query or PageQuery(), filters or {}, hidden, seen)
            return with_items(page, [view(r) for r in page.items])

    def get_policy(self, ctx: RequestContext, policy_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return view(self._policy(session, ctx, policy_id))

    @retry_on_lock()
    def create_policy(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        kind, action = attrs["object_type"], attrs["action"]
        if kind not in OBJECTS:
            raise nerr.InvalidInput(error_message=f"Invalid object_type {kind}; expected one "
                                                  f"of {', '.join(sorted(OBJECTS))}")
        model, actions, missing = OBJECTS[kind]
        if action not in actions:
            raise nerr.InvalidInput(error_message=f"Action {action} is not supported for "
                                                  f"{kind}")
        target = attrs["target_tenant"]
        with self.db.writer() as session:
            obj = session.get(model, attrs["object_id"])
            if obj is None or not self.access.owns(ctx, obj):
                raise missing(attrs["object_id"])
            if db.find(session, kind, obj.id, action, target) is not None:
                raise nerr.DuplicateRbacPolicy()
            row = models.RbacPolicy(project_id=attrs.get("project_id") or ctx.project_id or "",
                                    object_type=kind, object_id=obj.id, action=action,
                                    target_project=target)
            session.add(row)
            session.flush()
            return view(row)

    @retry_on_lock()
    def update_policy(self, ctx: RequestContext, policy_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._policy(session, ctx, policy_id)
            target = attrs.get("target_tenant")
            if target and target != row.target_project:
                if db.find(session, row.object_type, row.object_id, row.action,
                           target) is not None:
                    raise nerr.DuplicateRbacPolicy()
                self._not_in_use(session, row)
                row.target_project = target
            return view(row)

    @retry_on_lock()
    def delete_policy(self, ctx: RequestContext, policy_id: str) -> None:
        with self.db.writer() as session:
            row = self._policy(session, ctx, policy_id)
            self._not_in_use(session, row)
            session.delete(row)

    @staticmethod
    def _not_in_use(session: Session, row: models.RbacPolicy) -> None:
        """A grant whose target (or, for ``*``, any other project) still uses the object
        stays, unless another grant or the object's own sharing still covers that use."""
        if row.action != db.SHARED and row.object_type == "network":
            return  # an external network's floating IPs keep their addresses
        model, _, _ = OBJECTS[row.object_type]
        obj = session.get(model, row.object_id)
        if obj is None or getattr(obj, "shared", False):
            return
        for table, naming in _USERS[row.object_type]:
            for project in db.user_projects(session, table, naming(row.object_id),
                                            obj.project_id, row.target_project):
                others = [p for p in db.of_object(session, row.object_type, row.object_id)
                          if p.id != row.id and p.action == row.action
                          and p.target_project in (project, db.WILDCARD)]
                if not others:
                    raise nerr.RbacPolicyInUse(object_id=row.object_id,
                                               details=f"project {project} uses it")
