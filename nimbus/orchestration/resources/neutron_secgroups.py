"""Security groups: ``OS::Neutron::SecurityGroup`` (with its rules inline) and
``OS::Neutron::SecurityGroupRule``.

As Heat does, a group given rules of its own loses the egress rules Neutron adds to every new
group as soon as one of its rules is an egress rule; on update, a group left without any egress
rule gets Neutron's defaults back.
"""

from __future__ import annotations

from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.neutron import NeutronResource, find_id
from nimbus.orchestration.resources.schema import BOOLEAN, INTEGER, LIST, MAP, STRING, Prop, Support
from nimbus.orchestration.resources.service_common import conflict, failure, item, query, remove

_PROTOCOL_NAMES = ("ah", "dccp", "egp", "esp", "gre", "icmp", "icmpv6", "igmp", "ipv6-encap",
                   "ipv6-frag", "ipv6-icmp", "ipv6-nonxt", "ipv6-opts", "ipv6-route", "ospf",
                   "pgm", "rsvp", "sctp", "tcp", "udp", "udplite", "vrrp")
# Protocols by name or by number (0-255); numbers are compared as the strings they arrive as.
PROTOCOLS = tuple(str(n) for n in range(256)) + _PROTOCOL_NAMES
_PROTOCOL_DOC = ("The protocol the security group rule matches: one of "
                 f"{', '.join(_PROTOCOL_NAMES)}, or its number (0-255).")
_DIRECTION_DOC = ("The direction the rule applies to. For a compute instance, an ingress rule "
                  "matches the traffic coming into it (ingress) and an egress rule the traffic "
                  "leaving it.")
_MIN_DOC = ("The lowest port number of the range the rule matches. For TCP or UDP it must not "
            "be above port_range_max; for ICMP it is an ICMP type.")
_MAX_DOC = ("The highest port number of the range the rule matches; port_range_min bounds it. "
            "For ICMP it is an ICMP {}.")
_PREFIX_DOC = "The remote IP prefix (CIDR) the security group rule is associated with."

DEFAULT_EGRESS = ({"direction": "egress", "ethertype": "IPv4"},
                  {"direction": "egress", "ethertype": "IPv6"})
_COMPARED = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max",
             "remote_group_id", "remote_ip_prefix", "security_group_id")


def _rule_key(rule: dict[str, Any]) -> tuple[str | None, ...]:
    return tuple(str(rule[k]) if rule.get(k) is not None else None for k in _COMPARED)


class SecurityGroup(NeutronResource):
    TYPE = "OS::Neutron::SecurityGroup"
    DESCRIPTION = ("A resource for managing Neutron security groups: sets of IP filter rules "
                   "applied to an instance's networking. They belong to a project, whose "
                   "members may edit its groups' rules; every project has a \"default\" group, "
                   "given to instances that have no other.")
    SUPPORT = Support(version="2014.1")
    COLLECTION, KEY = "/v2.0/security-groups", "security_group"
    RULE: ClassVar[dict[str, Prop]] = {
        "direction": Prop(STRING, _DIRECTION_DOC, default="ingress",
                          allowed=("ingress", "egress")),
        "ethertype": Prop(STRING, "Ethertype of the traffic.", default="IPv4",
                          allowed=("IPv4", "IPv6")),
        "port_range_min": Prop(INTEGER, _MIN_DOC, range=(0, 65535)),
        "port_range_max": Prop(INTEGER, _MAX_DOC.format("type"), range=(0, 65535)),
        "protocol": Prop(STRING, _PROTOCOL_DOC + " Every protocol matches when it is not "
                                                 "given.", allowed=PROTOCOLS),
        "remote_mode": Prop(STRING, "Whether the rule names a remote group or a remote IP "
                                    "prefix.", default="remote_ip_prefix",
                            allowed=("remote_ip_prefix", "remote_group_id")),
        "remote_group_id": Prop(STRING, "The remote group ID the rule is associated with. "
                                        "Without one, the rule refers to this security group "
                                        "itself. remote_mode must be \"remote_group_id\".",
                                custom="neutron.security_group"),
        "remote_ip_prefix": Prop(STRING, _PREFIX_DOC, custom="net_cidr"),
        "description": Prop(STRING, "Description of the security group rule."),
    }
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "A symbolic name for the security group, which does not have to "
                             "be unique.", update_allowed=True),
        "description": Prop(STRING, "Description of the security group.", update_allowed=True),
        "rules": Prop(LIST, "List of security group rules.", default=[], update_allowed=True,
                      items=Prop(MAP, schema=RULE)),
        "stateful": Prop(BOOLEAN, "Whether the security group is stateful or stateless.",
                         update_allowed=True),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        if props.get("name") == "default":
            raise failure("StackValidationFailed",
                          'Security groups cannot be assigned the name "default".')

    def _format(self, rule: dict[str, Any]) -> dict[str, Any]:
        found = dict(rule)
        found["security_group_id"] = self.physical_id
        if "remote_mode" in found:
            mode = found.pop("remote_mode")
            if mode == "remote_group_id":
                found["remote_ip_prefix"] = None
                if not found.get("remote_group_id"):
                    # A rule without remote group refers to its own group.
                    found["remote_group_id"] = self.physical_id
            else:
                found["remote_group_id"] = None
        if found.get("description") is None:
            found.pop("description", None)
        return found

    def _rules(self) -> list[dict[str, Any]]:
        group = self.net.get(self._path())[self.KEY]
        return list(group.get("security_group_rules") or [])

    def _create_rules(self, rules: list[dict[str, Any]]) -> None:
        if not rules:
            return
        if any(r.get("direction") == "egress" for r in rules):
            for rule in self._rules():
                if rule.get("direction") == "egress":
                    remove(self.net, item("/v2.0/security-group-rules", rule["id"]))
        self.net.post("/v2.0/security-group-rules",
                      {"security_group_rules": [self._format(r) for r in rules]})

    def create(self) -> None:
        self.validate_properties(self.properties)
        body = self.body(self.properties, skip=("rules",))
        made = self.net.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])
        self._create_rules(list(self.properties.get("rules") or []))

    def _reconcile(self, rules: list[dict[str, Any]]) -> None:
        wanted = list(rules)
        if not any(r.get("direction") == "egress" for r in wanted):
            wanted.extend(dict(r) for r in DEFAULT_EGRESS)
        desired = [(_rule_key(r), r) for r in (self._format(r) for r in wanted)]
        desired_keys = {k for k, _ in desired}
        current = [(_rule_key(r), r) for r in self._rules()]
        current_keys = {k for k, _ in current}
        for key, rule in current:
            if key not in desired_keys:
                remove(self.net, item("/v2.0/security-group-rules", rule["id"]))
        missing = [r for k, r in desired if k not in current_keys]
        if missing:
            self.net.post("/v2.0/security-group-rules", {"security_group_rules": missing})

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.validate_properties(new)
        diff = self.changes(new, changed)
        rules = diff.pop("rules", None)
        if "stateful" in diff and diff["stateful"] != self.properties.get("stateful"):
            ports = self.net.get(query("/v2.0/ports", security_groups=self.physical_id)) or {}
            if ports.get("ports"):
                raise failure("NotSupported",
                              'Updating the "stateful" property while security group '
                              f'"{self.physical_id}" is attached to ports. Detach all ports '
                              "from the security group and retry. is not supported.")
        self.put(diff)
        if "rules" in changed:
            self._reconcile(list(rules or []))
        self.properties = new


class SecurityGroupRule(NeutronResource):
    TYPE = "OS::Neutron::SecurityGroupRule"
    DESCRIPTION = "A resource for managing Neutron security group rules, the rules of a " \
                  "security group."
    SUPPORT = Support(version="7.0.0")
    COLLECTION, KEY = "/v2.0/security-group-rules", "security_group_rule"
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "security_group": Prop(STRING, "Name or ID of the security group to add the rule to.",
                               required=True, custom="neutron.security_group"),
        "description": Prop(STRING, "Description of the security group rule."),
        "direction": Prop(STRING, _DIRECTION_DOC, default="ingress",
                          allowed=("ingress", "egress")),
        "ethertype": Prop(STRING, "Ethertype of the traffic.", default="IPv4",
                          allowed=("IPv4", "IPv6")),
        "port_range_min": Prop(INTEGER, _MIN_DOC, range=(0, 65535)),
        "port_range_max": Prop(INTEGER, _MAX_DOC.format("code"), range=(0, 65535)),
        "protocol": Prop(STRING, _PROTOCOL_DOC, default="tcp", allowed=PROTOCOLS),
        "remote_group": Prop(STRING, "Name or ID of the remote group the rule is associated "
                                     "with.", custom="neutron.security_group"),
        "remote_ip_prefix": Prop(STRING, _PREFIX_DOC, custom="net_cidr"),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        if props.get("remote_group") is not None and props.get("remote_ip_prefix") is not None:
            raise conflict("remote_group", "remote_ip_prefix")
        low, high = props.get("port_range_min"), props.get("port_range_max")
        if low is not None and high is not None and \
                props.get("protocol") not in ("icmp", "icmpv6", "ipv6-icmp") and high < low:
            raise failure("StackValidationFailed", "The minimum port number must be less than "
                                                   "or equal to the maximum port number.")

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = self.properties
        body = self.body(props, skip=("security_group", "remote_group"))
        body["security_group_id"] = find_id(self.net, "security_group",
                                            str(props["security_group"]))
        if props.get("remote_group"):
            body["remote_group_id"] = find_id(self.net, "security_group", props["remote_group"])
        made = self.net.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        raise UpdateReplace()


TYPES: tuple[type[Resource], ...] = (SecurityGroup, SecurityGroupRule)
