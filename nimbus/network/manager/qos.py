"""QoS policies and their rules (Neutron's ``qos`` and the rule extensions), and the policy a
port or a network is given.

A policy is a project's, and other projects use it once it is shared. Its rules are of four
types, at most one of a type per direction: ``bandwidth_limit`` (``max_kbps``,
``max_burst_kbps``), ``dscp_marking`` (``dscp_mark``), ``minimum_bandwidth`` (``min_kbps``)
and ``minimum_packet_rate`` (``min_kpps``; direction ``any`` covers both). A policy that a
port or network uses cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import qos as qos_db
from nimbus.network.db import rbac as rbac_db
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.schemas import qos_views as views

# rule type -> (the fields it has besides its direction, its default direction)
RULE_TYPES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "bandwidth_limit": (("max_kbps", "max_burst_kbps"), "egress"),
    "dscp_marking": (("dscp_mark",), None),
    "minimum_bandwidth": (("min_kbps",), "egress"),
    "minimum_packet_rate": (("min_kpps",), "egress"),
}


def _clash(rule_type: str, a: str | None, b: str | None) -> bool:
    """Whether two rules of ``rule_type`` cannot be in one policy."""
    if rule_type == "minimum_packet_rate" and "any" in (a, b):
        return True
    return a == b


class QosManager:
    def __init__(self, db: Database, access: Access) -> None:
        self.db = db
        self.access = access

    def _view(self, session: Session, row: models.QosPolicy) -> dict[str, Any]:
        return views.policy(row, qos_db.rules_of(session, [row.id])[row.id])

    def _policy(self, session: Session, ctx: RequestContext,
                policy_id: str) -> models.QosPolicy:
        row = qos_db.get(session, policy_id)
        if row is None or not self.access.usable(session, ctx, "qos_policy", row):
            raise nerr.QosPolicyNotFound(policy_id=policy_id)
        return row

    def check_usable(self, session: Session, ctx: RequestContext, policy_id: str | None,
                     project_id: str) -> None:
        """A port or network of ``project_id`` may be given the policy: it exists, and is that
        project's or shared."""
        if not policy_id:
            return
        row = qos_db.get(session, policy_id)
        if row is None or not (row.shared or row.project_id == project_id
                               or self.access.everything(ctx)
                               or rbac_db.grants(session, "qos_policy", row.id, project_id)):
            raise nerr.QosPolicyNotFound(policy_id=policy_id)

    # -- policies ------------------------------------------------------------------------------
    def list_policies(self, ctx: RequestContext, query: PageQuery | None = None,
                      filters: Filters | None = None,
                      hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = qos_db.visible(ctx.project_id, self.access.everything(ctx))
            page = qos_db.list_policies(session, query or PageQuery(), filters or {}, hidden,
                                        seen)
            rules = qos_db.rules_of(session, [row.id for row in page.items])
            items = [views.policy(row, rules[row.id]) for row in page.items]
            return with_items(page, self.access.mark_shared(session, ctx, "qos_policy", items))

    def get_policy(self, ctx: RequestContext, policy_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            item = self._view(session, self._policy(session, ctx, policy_id))
            return self.access.mark_shared(session, ctx, "qos_policy", [item])[0]

    @retry_on_lock()
    def create_policy(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or attrs.get("tenant_id") or ctx.project_id or ""
        with self.db.writer() as session:
            if attrs.get("is_default") and qos_db.default_of(session, project) is not None:
                raise nerr.QoSPolicyDefaultAlreadyExists(project_id=project)
            row = models.QosPolicy(project_id=project, name=attrs.get("name") or "",
                                   description=attrs.get("description") or "",
                                   shared=bool(attrs.get("shared", False)),
                                   is_default=bool(attrs.get("is_default", False)),
                                   revision_number=0)
            session.add(row)
            session.flush()
            return self._view(session, row)

    @retry_on_lock()
    def update_policy(self, ctx: RequestContext, policy_id: str,
                      attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._policy(session, ctx, policy_id)
            if attrs.get("is_default") and not row.is_default:
                other = qos_db.default_of(session, row.project_id)
                if other is not None and other.id != row.id:
                    raise nerr.QoSPolicyDefaultAlreadyExists(project_id=row.project_id)
            for key in ("name", "description", "shared", "is_default"):
                if key in attrs:
                    value = attrs[key]
                    setattr(row, key, value if value is not None else "")
            row.touch()
            return self._view(session, row)

    @retry_on_lock()
    def delete_policy(self, ctx: RequestContext, policy_id: str) -> None:
        with self.db.writer() as session:
            row = self._policy(session, ctx, policy_id)
            used = qos_db.users(session, policy_id)
            if used:
                raise nerr.QosPolicyInUse(policy_id=policy_id, object_type=used[0][0],
                                          object_id=used[0][1])
            for rule in qos_db.rules_of(session, [policy_id])[policy_id]:
                session.delete(rule)
            rbac_db.drop_for(session, "qos_policy", row.id)
            session.delete(row)

    # -- rules ---------------------------------------------------------------------------------
    def list_rules(self, ctx: RequestContext, policy_id: str,
                   rule_type: str) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            self._policy(session, ctx, policy_id)
            return [views.rule(r) for r in qos_db.rules_of(session, [policy_id])[policy_id]
                    if r.rule_type == rule_type]

    def get_rule(self, ctx: RequestContext, policy_id: str, rule_type: str,
                 rule_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            self._policy(session, ctx, policy_id)
            return views.rule(self._rule(session, policy_id, rule_type, rule_id))

    @retry_on_lock()
    def create_rule(self, ctx: RequestContext, policy_id: str, rule_type: str,
                    attrs: dict[str, Any]) -> dict[str, Any]:
        fields, default_direction = RULE_TYPES[rule_type]
        with self.db.writer() as session:
            policy = self._policy(session, ctx, policy_id)
            rule = models.QosRule(qos_policy_id=policy_id, rule_type=rule_type,
                                  direction=attrs.get("direction") or default_direction)
            for key in fields:
                setattr(rule, key, attrs.get(key, 0 if key == "max_burst_kbps" else None))
            self._check_conflicts(session, policy_id, rule)
            session.add(rule)
            policy.touch()
            session.flush()
            return views.rule(rule)

    @retry_on_lock()
    def update_rule(self, ctx: RequestContext, policy_id: str, rule_type: str, rule_id: str,
                    attrs: dict[str, Any]) -> dict[str, Any]:
        fields, _ = RULE_TYPES[rule_type]
        with self.db.writer() as session:
            policy = self._policy(session, ctx, policy_id)
            rule = self._rule(session, policy_id, rule_type, rule_id)
            for key in (*fields, "direction"):
                if key in attrs and (key != "direction" or RULE_TYPES[rule_type][1]):
                    setattr(rule, key, attrs[key])
            self._check_conflicts(session, policy_id, rule)
            policy.touch()
            return views.rule(rule)

    @retry_on_lock()
    def delete_rule(self, ctx: RequestContext, policy_id: str, rule_type: str,
                    rule_id: str) -> None:
        with self.db.writer() as session:
            policy = self._policy(session, ctx, policy_id)
            session.delete(self._rule(session, policy_id, rule_type, rule_id))
            policy.touch()

    @staticmethod
    def _rule(session: Session, policy_id: str, rule_type: str,
              rule_id: str) -> models.QosRule:
        row = qos_db.rule(session, policy_id, rule_id)
        if row is None or row.rule_type != rule_type:
            raise nerr.QosRuleNotFound(rule_id=rule_id, policy_id=policy_id)
        return row

    @staticmethod
    def _check_conflicts(session: Session, policy_id: str, rule: models.QosRule) -> None:
        for other in qos_db.rules_of(session, [policy_id])[policy_id]:
            if other.id != rule.id and other.rule_type == rule.rule_type \
                    and _clash(rule.rule_type, other.direction, rule.direction):
                raise nerr.QoSRulesConflict(new_rule_type=rule.rule_type, rule_id=other.id,
                                            policy_id=policy_id)

    # -- rule types ----------------------------------------------------------------------------
    @staticmethod
    def rule_types() -> list[dict[str, Any]]:
        return [{"type": t} for t in RULE_TYPES]

    @staticmethod
    def rule_type(name: str) -> dict[str, Any]:
        if name not in RULE_TYPES:
            raise nerr.QosRuleTypeNotFound(rule_type=name)
        fields, direction = RULE_TYPES[name]
        params = [{"parameter_name": f, "parameter_type": "range",
                   "parameter_values": {"start": 0, "end": 2 ** 31 - 1}} for f in fields]
        if direction is not None:
            values = ["any", "egress", "ingress"] if name == "minimum_packet_rate" \
                else ["egress", "ingress"]
            params.append({"parameter_name": "direction", "parameter_type": "choices",
                           "parameter_values": values})
        return {"type": name, "drivers": [{"name": "linux", "supported_parameters": params}]}
