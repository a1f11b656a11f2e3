"""Security groups and rules, and each project's ``default`` group made on first need."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import retry_on_lock
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.manager.base import ManagerBase
from nimbus.network.schemas import views

PROTOCOLS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "icmpv6": 58,
    "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "ipv6-nonxt": 59,
    "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132,
    "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112, "any": -1,
}
_PORT_PROTOCOLS = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"}
_ICMP = {"icmp", "icmpv6", "ipv6-icmp", "1", "58"}


def _rule_key(rule: dict[str, Any] | models.SecurityGroupRule) -> tuple[Any, ...]:
    get = rule.get if isinstance(rule, dict) else lambda k: getattr(rule, k)
    prefix = get("remote_ip_prefix")
    if prefix is not None:
        prefix = str(ipaddress.ip_network(prefix, strict=False))
        if prefix in ("0.0.0.0/0", "::/0"):
            prefix = None
    return (get("direction"), get("ethertype"), get("protocol"), get("port_range_min"),
            get("port_range_max"), prefix, get("remote_group_id"))


class SecurityGroupOps(ManagerBase):
    def group_view(self, session: Session, row: models.SecurityGroup) -> dict[str, Any]:
        rules = session.scalars(select(models.SecurityGroupRule).where(
            models.SecurityGroupRule.security_group_id == row.id)).all()
        return views.security_group(row, list(rules))

    def _add_egress_defaults(self, session: Session, group: models.SecurityGroup) -> None:
        for ethertype in ("IPv4", "IPv6"):
            session.add(models.SecurityGroupRule(
                project_id=group.project_id, security_group_id=group.id, direction="egress",
                ethertype=ethertype, revision_number=0))

    def default_group_id(self, session: Session, project_id: str) -> str:
        """The project's ``default`` group, created with Neutron's standard rules if missing."""
        link = session.get(models.DefaultSecurityGroup, project_id)
        if link is not None:
            return link.security_group_id
        group = models.SecurityGroup(project_id=project_id, name="default",
                                     description="Default security group", revision_number=1)
        session.add(group)
        session.flush()
        self._add_egress_defaults(session, group)
        for ethertype in ("IPv4", "IPv6"):
            session.add(models.SecurityGroupRule(
                project_id=project_id, security_group_id=group.id, direction="ingress",
                ethertype=ethertype, remote_group_id=group.id))
        session.add(models.DefaultSecurityGroup(project_id=project_id,
                                                security_group_id=group.id))
        session.flush()
        return group.id

    @retry_on_lock()
    def ensure_default_group(self, project_id: str) -> None:
        if not project_id:
            return
        with self.db.reader() as session:
            if session.get(models.DefaultSecurityGroup, project_id) is not None:
                return
        with self.db.writer() as session:
            self.default_group_id(session, project_id)

    def group_row(self, session: Session, ctx: RequestContext,
                  group_id: str) -> models.SecurityGroup:
        row = session.get(models.SecurityGroup, group_id)
        if row is None or not self.owns(ctx, row):
            raise nerr.SecurityGroupNotFound(id=group_id)
        return row

    @retry_on_lock()
    def create_security_group(self, ctx: RequestContext,
                              attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or ctx.project_id or ""
        with self.db.writer() as session:
            self.default_group_id(session, project)
            if attrs.get("name") == "default":
                raise nerr.SecurityGroupDefaultAlreadyExists()
            self.check_quota(session, project, "security_group")
            row = models.SecurityGroup(project_id=project, name=attrs.get("name", ""),
                                       description=attrs.get("description", ""),
                                       stateful=attrs.get("stateful", True), revision_number=1)
            session.add(row)
            session.flush()
            self._add_egress_defaults(session, row)
            session.flush()
            view = self.group_view(session, row)
        self.driver.sync_security_group(view)
        return view

    def get_security_group(self, ctx: RequestContext, group_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return self.group_view(session, self.group_row(session, ctx, group_id))

    def list_security_groups(self, ctx: RequestContext,
                             project_ids: list[str]) -> list[dict[str, Any]]:
        for project in project_ids or [ctx.project_id or ""]:
            if ctx.is_admin or project == ctx.project_id:
                self.ensure_default_group(project)
        with self.db.reader() as session:
            rules: dict[str, list[models.SecurityGroupRule]] = {}
            for rule in session.scalars(select(models.SecurityGroupRule)):
                rules.setdefault(rule.security_group_id, []).append(rule)
            return [views.security_group(row, rules.get(row.id, []))
                    for row in session.scalars(select(models.SecurityGroup))
                    if self.owns(ctx, row)]

    @retry_on_lock()
    def update_security_group(self, ctx: RequestContext, group_id: str,
                              attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.group_row(session, ctx, group_id)
            if row.name == "default" and attrs.get("name", "default") != "default":
                raise nerr.Conflict(reason="Updating default security group not allowed.",
                                    neutron_type="SecurityGroupCannotUpdateDefault")
            if attrs.get("name") == "default" and row.name != "default":
                raise nerr.SecurityGroupDefaultAlreadyExists()
            self.apply(row, {k: v for k, v in attrs.items() if k != "project_id"})
            self.touch(row)
            return self.group_view(session, row)

    @retry_on_lock()
    def delete_security_group(self, ctx: RequestContext, group_id: str) -> None:
        with self.db.writer() as session:
            row = self.group_row(session, ctx, group_id)
            link = session.get(models.DefaultSecurityGroup, row.project_id)
            if link is not None and link.security_group_id == group_id:
                if not ctx.is_admin:
                    raise nerr.SecurityGroupCannotRemoveDefault()
                session.delete(link)
            for port in session.scalars(select(models.Port).where(
                    models.Port.project_id == row.project_id)):
                if group_id in (port.security_groups or []):
                    raise nerr.SecurityGroupInUse(id=group_id)
            view = self.group_view(session, row)
            for rule in session.scalars(select(models.SecurityGroupRule).where(
                    models.SecurityGroupRule.security_group_id == group_id)):
                session.delete(rule)
            session.flush()
            session.delete(row)
        self.driver.delete_security_group(view)

    # -- rules ------------------------------------------------------------------------------
    @retry_on_lock()
    def create_rule(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            group = self.group_row(session, ctx, attrs["security_group_id"])
            rule = self._validated_rule(session, ctx, attrs)
            key = _rule_key(rule)
            for existing in session.scalars(select(models.SecurityGroupRule).where(
                    models.SecurityGroupRule.security_group_id == group.id)):
                if _rule_key(existing) == key:
                    raise nerr.SecurityGroupRuleExists(rule_id=existing.id)
            self.check_quota(session, group.project_id, "security_group_rule")
            row = models.SecurityGroupRule(project_id=attrs.get("project_id") or group.project_id,
                                           security_group_id=group.id, **rule)
            session.add(row)
            self.touch(group)
            session.flush()
            view = views.security_group_rule(row)
            group_view = self.group_view(session, group)
        self.driver.sync_security_group(group_view)
        return view

    def _validated_rule(self, session: Session, ctx: RequestContext,
                        attrs: dict[str, Any]) -> dict[str, Any]:
        ethertype = attrs.get("ethertype") or "IPv4"
        protocol = self._protocol(attrs.get("protocol"), ethertype)
        low, high = attrs.get("port_range_min"), attrs.get("port_range_max")
        if (low is not None or high is not None) and protocol is None:
            raise nerr.InvalidInput(error_message="Must also specify protocol if port range is "
                                    "given", neutron_type="SecurityGroupProtocolRequiredWithPorts")
        if protocol in _PORT_PROTOCOLS:
            if (low is None) != (high is None):
                raise nerr.InvalidInput(error_message="For TCP/UDP protocols, port_range_min "
                                        "and port_range_max must both be set",
                                        neutron_type="SecurityGroupInvalidPortRange")
            if low is not None and high is not None and (
                    not 1 <= low <= 65535 or not 1 <= high <= 65535 or low > high):
                raise nerr.InvalidInput(error_message="For TCP/UDP protocols, port_range_min "
                                        "must be <= port_range_max",
                                        neutron_type="SecurityGroupInvalidPortRange")
        elif protocol in _ICMP:
            for name, value in (("type", low), ("code", high)):
                if value is not None and not 0 <= value <= 255:
                    raise nerr.InvalidInput(error_message=f"Invalid value for ICMP {name}: "
                                            f"{value}",
                                            neutron_type="SecurityGroupInvalidIcmpValue")
            if low is None and high is not None:
                raise nerr.InvalidInput(error_message="ICMP code (port-range-max) is provided "
                                        "but ICMP type (port-range-min) is missing",
                                        neutron_type="SecurityGroupMissingIcmpType")
        elif low is not None or high is not None:
            raise nerr.InvalidInput(error_message=f"Port range is not supported for protocol "
                                    f"{protocol}",
                                    neutron_type="SecurityGroupInvalidProtocolForPort")
        prefix, remote_group = attrs.get("remote_ip_prefix"), attrs.get("remote_group_id")
        if prefix is not None and remote_group is not None:
            raise nerr.InvalidInput(error_message="Only remote_ip_prefix or remote_group_id may "
                                    "be provided.",
                                    neutron_type="SecurityGroupRemoteGroupAndRemoteIpPrefix")
        if prefix is not None:
            try:
                net = ipaddress.ip_network(prefix, strict=False)
            except ValueError:
                raise nerr.HTTPBadRequest(attr="remote_ip_prefix",
                                          reason=f"'{prefix}' is not a valid IP subnet") from None
            if f"IPv{net.version}" != ethertype:
                raise nerr.InvalidInput(error_message=f"Conflicting value ethertype {ethertype} "
                                        f"for CIDR {prefix}",
                                        neutron_type="SecurityGroupRuleParameterConflict")
        if remote_group is not None:
            self.group_row(session, ctx, remote_group)
        return {"direction": attrs["direction"], "ethertype": ethertype, "protocol": protocol,
                "port_range_min": low, "port_range_max": high, "remote_ip_prefix": prefix,
                "remote_group_id": remote_group, "description": attrs.get("description", "")}

    @staticmethod
    def _protocol(value: Any, ethertype: str) -> str | None:
        if value is None or value == "":
            return None
        text = str(value).lower()
        if text in PROTOCOLS:
            if text == "any":
                return None
            if text in ("icmpv6", "ipv6-icmp") and ethertype == "IPv4":
                raise nerr.InvalidInput(error_message=f"Protocol {value} is not supported for "
                                        "ethertype IPv4",
                                        neutron_type="SecurityGroupRuleInvalidEtherType")
            return text
        if text.isdigit() and 0 <= int(text) <= 255:
            return str(int(text))
        raise nerr.InvalidInput(error_message=f"Security group rule protocol {value} not "
                                f"supported. Only protocol values {sorted(PROTOCOLS)} and "
                                "integer representations [0 to 255] are supported",
                                neutron_type="SecurityGroupRuleInvalidProtocol")

    def get_rule(self, ctx: RequestContext, rule_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = session.get(models.SecurityGroupRule, rule_id)
            if row is None or not self.owns(ctx, row):
                raise nerr.SecurityGroupRuleNotFound(id=rule_id)
            return views.security_group_rule(row)

    def list_rules(self, ctx: RequestContext) -> list[dict[str, Any]]:
        self.ensure_default_group(ctx.project_id or "")
        with self.db.reader() as session:
            return [views.security_group_rule(row)
                    for row in session.scalars(select(models.SecurityGroupRule))
                    if self.owns(ctx, row)]

    @retry_on_lock()
    def delete_rule(self, ctx: RequestContext, rule_id: str) -> None:
        with self.db.writer() as session:
            row = session.get(models.SecurityGroupRule, rule_id)
            if row is None or not self.owns(ctx, row):
                raise nerr.SecurityGroupRuleNotFound(id=rule_id)
            group = session.get(models.SecurityGroup, row.security_group_id)
            session.delete(row)
            session.flush()
            view = self.group_view(session, group) if group is not None else None
            if group is not None:
                self.touch(group)
        if view is not None:
            self.driver.sync_security_group(view)
