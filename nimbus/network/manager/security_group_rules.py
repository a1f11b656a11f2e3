"""Security group rules: what a rule may say, and no two alike in one group."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import security_groups as group_db
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.security_groups import SecurityGroupManager
from nimbus.network.schemas import views

PROTOCOLS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "icmpv6": 58,
    "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "ipv6-nonxt": 59,
    "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132,
    "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112, "any": -1,
}
_PORT_PROTOCOLS = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"}
_ICMP = {"icmp", "icmpv6", "ipv6-icmp", "1", "58"}


def rule_key(rule: dict[str, Any] | models.SecurityGroupRule | models.DefaultSecurityGroupRule
             ) -> tuple[Any, ...]:
    """What makes two rules the same (Neutron's duplicate check); templates have no remote
    address group."""
    get = rule.get if isinstance(rule, dict) else lambda k: getattr(rule, k, None)
    prefix = get("remote_ip_prefix")
    if prefix is not None:
        prefix = str(ipaddress.ip_network(prefix, strict=False))
        if prefix in ("0.0.0.0/0", "::/0"):
            prefix = None
    return (get("direction"), get("ethertype"), get("protocol"), get("port_range_min"),
            get("port_range_max"), prefix, get("remote_group_id"),
            get("remote_address_group_id"))


class SecurityGroupRuleManager:
    def __init__(self, db: Database, access: Access, driver: NetworkDriver,
                 groups: SecurityGroupManager) -> None:
        self.db = db
        self.access = access
        self.driver = driver
        self.groups = groups

    @retry_on_lock()
    def create_rule(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            group = self.access.security_group(session, ctx, attrs["security_group_id"])
            rule = self._validated_rule(session, ctx, attrs)
            key = rule_key(rule)
            for existing in group_db.rules(session, group.id):
                if rule_key(existing) == key:
                    raise nerr.SecurityGroupRuleExists(rule_id=existing.id)
            self.access.check_quota(session, group.project_id, "security_group_rule")
            row = models.SecurityGroupRule(project_id=attrs.get("project_id") or group.project_id,
                                           security_group_id=group.id, **rule)
            session.add(row)
            group.touch()
            session.flush()
            view = views.security_group_rule(row)
            group_view = self.groups.view(session, group)
        self.driver.sync_security_group(group_view)
        return view

    def _validated_rule(self, session: Session, ctx: RequestContext,
                        attrs: dict[str, Any]) -> dict[str, Any]:
        rule = checked_rule(attrs)
        if rule["remote_group_id"] is not None:
            self.access.security_group(session, ctx, rule["remote_group_id"])
        address_group = attrs.get("remote_address_group_id") or None
        if address_group is not None:
            # Its own or one shared with it; the 404 names the group, as Neutron's does.
            self.access.address_group(session, ctx, address_group)
        return {**rule, "remote_address_group_id": address_group}

    def get_rule(self, ctx: RequestContext, rule_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return views.security_group_rule(self.access.rule(session, ctx, rule_id))

    def list_rules(self, ctx: RequestContext, query: PageQuery | None = None,
                   filters: Filters | None = None,
                   hidden: Hidden = ()) -> Page[dict[str, Any]]:
        self.groups.ensure_default_group(ctx.project_id or "")
        with self.db.reader() as session:
            seen = group_db.visible_rules(ctx.project_id, self.access.everything(ctx))
            page = group_db.list_rules(session, query or PageQuery(), filters or {}, hidden,
                                       seen)
            return with_items(page, [views.security_group_rule(row) for row in page.items])

    @retry_on_lock()
    def delete_rule(self, ctx: RequestContext, rule_id: str) -> None:
        with self.db.writer() as session:
            row = self.access.rule(session, ctx, rule_id)
            group = group_db.get(session, row.security_group_id)
            session.delete(row)
            session.flush()
            view = self.groups.view(session, group) if group is not None else None
            if group is not None:
                group.touch()
        if view is not None:
            self.driver.sync_security_group(view)


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
    if text.isascii() and text.isdigit() and 0 <= int(text) <= 255:
        return str(int(text))
    raise nerr.InvalidInput(error_message=f"Security group rule protocol {value} not "
                            f"supported. Only protocol values {sorted(PROTOCOLS)} and "
                            "integer representations [0 to 255] are supported",
                            neutron_type="SecurityGroupRuleInvalidProtocol")


def checked_rule(attrs: dict[str, Any]) -> dict[str, Any]:
    """A rule's attributes, normalised and checked as Neutron checks them (not whether its
    remote group exists: that is the caller's to look up)."""
    ethertype = attrs.get("ethertype") or "IPv4"
    protocol = _protocol(attrs.get("protocol"), ethertype)
    low, high = attrs.get("port_range_min"), attrs.get("port_range_max")
    if (low is not None or high is not None) and protocol is None:
        raise nerr.InvalidInput(error_message="Must also specify protocol if port range is "
                                "given", neutron_type="SecurityGroupProtocolRequiredWithPorts")
    if protocol in _PORT_PROTOCOLS and (low is not None or high is not None):
        if low == 0 or high == 0:
            raise nerr.InvalidInput(error_message="Invalid value for port 0",
                                    neutron_type="SecurityGroupInvalidPortValue")
        if low is None or high is None or low > high:
            raise nerr.InvalidInput(error_message="For TCP/UDP protocols, port_range_min "
                                    "must be <= port_range_max",
                                    neutron_type="SecurityGroupInvalidPortRange")
    elif protocol in _ICMP:
        for name, value in (("type", low), ("code", high)):
            if value is not None and not 0 <= value <= 255:
                attr = "port_range_min" if name == "type" else "port_range_max"
                raise nerr.InvalidInput(error_message=f"Invalid value for ICMP {name} "
                                        f"({attr}) {value}. It must be 0 to 255",
                                        neutron_type="SecurityGroupInvalidIcmpValue")
        if low is None and high is not None:
            raise nerr.InvalidInput(error_message=f"ICMP code (port-range-max) {high} is "
                                    "provided but ICMP type (port-range-min) is missing",
                                    neutron_type="SecurityGroupMissingIcmpType")
    elif low is not None or high is not None:
        raise nerr.InvalidInput(error_message=f"Port range is not supported for protocol "
                                f"{protocol}",
                                neutron_type="SecurityGroupInvalidProtocolForPort")
    prefix, remote_group = attrs.get("remote_ip_prefix"), attrs.get("remote_group_id")
    remotes = [prefix, remote_group, attrs.get("remote_address_group_id")]
    if sum(1 for r in remotes if r) > 1:
        raise nerr.InvalidInput(error_message="Only one of remote_ip_prefix or remote_group_id "
                                "or remote_address_group_id may be provided.",
                                neutron_type="SecurityGroupMultipleRemoteEntites")
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
    return {"direction": attrs["direction"], "ethertype": ethertype, "protocol": protocol,
            "port_range_min": low, "port_range_max": high, "remote_ip_prefix": prefix,
            "remote_group_id": remote_group, "description": attrs.get("description", "")}
