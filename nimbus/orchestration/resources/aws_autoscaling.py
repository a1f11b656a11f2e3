"""CloudFormation autoscaling, as Heat maps it: ``AWS::AutoScaling::LaunchConfiguration`` (a
definition of instances, which makes nothing), ``AWS::AutoScaling::AutoScalingGroup`` (a
nested stack of ``AWS::EC2::Instance`` members built from a launch configuration, or from an
existing server) and ``AWS::AutoScaling::ScalingPolicy`` (a pre-signed URL that resizes the
group when POSTed to).

The group and the policy are the native ``OS::Heat::`` plugins underneath: their CloudFormation
properties are given to the native code beside their native spellings (``MinSize`` also as
``min_size``…), so the sizing, cooldown and nested-stack work is the native plugins' own.
"""

from __future__ import annotations

import copy
import time
from typing import Any, ClassVar

from nimbus.orchestration.resources.autoscaling import (
    CHANGE,
    EXACT,
    PERCENT,
    AutoScalingGroup,
    ScalingPolicy,
)
from nimbus.orchestration.resources.aws_ec2 import (
    BLOCK_DEVICE_MAPPINGS,
    KEY_VALUE,
    SCHEDULER_HINTS,
    Instance,
    check_mappings,
    refuse_unused,
)
from nimbus.orchestration.resources.base import (
    Resource,
    ResourceFailure,
    Runtime,
    UpdateReplace,
)
from nimbus.orchestration.resources.heat_basic import physical_name
from nimbus.orchestration.resources.schema import (
    INTEGER,
    LIST,
    MAP,
    STRING,
    Attr,
    Prop,
    Support,
    TypeInfo,
)
from nimbus.orchestration.resources.service_common import ServiceResource, failure, item

_NOT_IMPLEMENTED = "Not implemented: a value given is refused."
# CloudFormation's adjustment types and the native ones they are.
CFN_KINDS = {"ChangeInCapacity": CHANGE, "ExactCapacity": EXACT,
             "PercentChangeInCapacity": PERCENT}
MEMBER_TEMPLATE_VERSION = "2015-04-30"


def server_properties(nova: Any, server_id: str) -> dict[str, Any]:
    """What a launch configuration takes from an existing server: its image, flavor, key
    pair and security groups."""
    server = nova.get(item("/servers", server_id))["server"]
    image = server.get("image") if isinstance(server.get("image"), dict) else {}
    flavor = server.get("flavor") if isinstance(server.get("flavor"), dict) else {}
    return {"ImageId": image.get("id"),
            "InstanceType": flavor.get("id") or flavor.get("original_name"),
            "KeyName": server.get("key_name"),
            "SecurityGroups": [str(g["name"]) for g in server.get("security_groups") or []]}


def aliased(props: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """``props`` with each CloudFormation property also under its native name, which is what
    the native plugin's code reads. The engine keeps its own copy of the properties, so only
    the plugin sees the native names."""
    return {**props, **{native: props.get(cfn) for cfn, native in names.items()}}


class LaunchConfiguration(ServiceResource):
    TYPE = "AWS::AutoScaling::LaunchConfiguration"
    DESCRIPTION = ("The definition of the instances an AWS::AutoScaling::AutoScalingGroup "
                   "makes. Nothing is made for it; its Ref names it for the group, and a "
                   "change replaces it (and so the group's members).")
    SUPPORT = Support(version="2014.1")
    HIDDEN = frozenset({"KernelId", "RamDiskId", "BlockDeviceMappings.NoDevice",
                        "BlockDeviceMappings.VirtualName", "BlockDeviceMappings.Ebs.Iops",
                        "BlockDeviceMappings.Ebs.VolumeType"})
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "ImageId": Prop(STRING, "The image the instances boot, by name or ID.",
                        custom="glance.image"),
        "InstanceType": Prop(STRING, "The flavor of the instances, by name or ID.",
                             custom="nova.flavor"),
        "InstanceId": Prop(STRING, "An existing server whose image, flavor, key pair and "
                                   "security groups the instances take (the properties given "
                                   "here win; block device mappings are never taken).",
                           custom="nova.server"),
        "KeyName": Prop(STRING, "The key pair put on the instances.", custom="nova.keypair"),
        "UserData": Prop(STRING, "The user data given to the instances."),
        "SecurityGroups": Prop(LIST, "Security groups of the instances, by name or ID."),
        "KernelId": Prop(STRING, _NOT_IMPLEMENTED),
        "RamDiskId": Prop(STRING, _NOT_IMPLEMENTED),
        "BlockDeviceMappings": BLOCK_DEVICE_MAPPINGS,
        "NovaSchedulerHints": SCHEDULER_HINTS,
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        refuse_unused(props, ("KernelId", "RamDiskId"))
        check_mappings(props.get("BlockDeviceMappings"), complete)
        # A value still unknown at validation may be the one that is missing: checked when
        # everything is resolved.
        if complete and not props.get("InstanceId") and \
                not (props.get("ImageId") and props.get("InstanceType")):
            raise failure("StackValidationFailed",
                          "If without InstanceId, ImageId and InstanceType are required.")

    def create(self) -> None:
        self.validate_properties(self.properties)
        self.physical_id = physical_name(self.rt.stack_name, self.rt.resource_name)
        if self.properties.get("InstanceId"):
            self.data["derived"] = server_properties(self.client("compute"),
                                                     str(self.properties["InstanceId"]))

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        # No property changes in place, and the engine also asks when only the metadata
        # changed: either way a new configuration (a new Ref) is what makes the group
        # rebuild its members.
        raise UpdateReplace()

    def member_properties(self) -> dict[str, Any]:
        """The properties of the instances made from this configuration: those given, and
        for the rest what the server named by InstanceId has."""
        found = {k: copy.deepcopy(v) for k, v in self.properties.items()
                 if v is not None and k != "InstanceId"}
        for key, value in (self.data.get("derived") or {}).items():
            if value is not None:
                found.setdefault(key, value)
        return found


GROUP_ALIASES = {"MinSize": "min_size", "MaxSize": "max_size", "Cooldown": "cooldown",
                 "DesiredCapacity": "desired_capacity"}
_GROUP_UNUSED = ("HealthCheckGracePeriod", "HealthCheckType")


class AwsAutoScalingGroup(AutoScalingGroup):
    TYPE = "AWS::AutoScaling::AutoScalingGroup"
    DESCRIPTION = ("A CloudFormation autoscaling group: between MinSize and MaxSize "
                   "AWS::EC2::Instance members, built from a launch configuration (or an "
                   "existing server), in a nested stack; scaling policies resize it.")
    SUPPORT = Support(version="2014.1")
    # Signals go to its policies, not to the group.
    SIGNALS = False
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "AvailabilityZones": Prop(LIST, "Availability zones of the group (accepted, not "
                                        "used: compute places the members).", required=True),
        "LaunchConfigurationName": Prop(STRING, "The Ref of the launch configuration the "
                                                "members are built from.",
                                        update_allowed=True),
        "InstanceId": Prop(STRING, "An existing server the members are built like, instead "
                                   "of a launch configuration.", custom="nova.server"),
        "MaxSize": Prop(INTEGER, "The most members there may be.", required=True,
                        update_allowed=True),
        "MinSize": Prop(INTEGER, "The fewest members there may be.", required=True,
                        update_allowed=True),
        "Cooldown": Prop(INTEGER, "Seconds after a scaling during which a policy changes "
                                  "nothing.", update_allowed=True),
        "DesiredCapacity": Prop(INTEGER, "The number of members to start with (MinSize when "
                                         "left out).", update_allowed=True),
        "HealthCheckGracePeriod": Prop(INTEGER, _NOT_IMPLEMENTED),
        "HealthCheckType": Prop(STRING, _NOT_IMPLEMENTED, allowed=("EC2", "ELB")),
        "LoadBalancerNames": Prop(LIST, "Load balancers of the group (accepted, not used)."),
        "VPCZoneIdentifier": Prop(LIST, "The subnet the members get their port on: exactly "
                                        "one subnet ID.", items=Prop(STRING, "A subnet ID.")),
        "Tags": Prop(LIST, "Key/Value pairs put in each member's metadata.",
                     items=Prop(MAP, schema=KEY_VALUE)),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "InstanceList": Attr("The members' addresses, comma-separated (a Heat extension).",
                             STRING),
    }

    def __init__(self, rt: Runtime, properties: dict[str, Any], data: dict[str, Any],
                 physical_id: str | None = None) -> None:
        super().__init__(rt, aliased(properties, GROUP_ALIASES), data, physical_id)

    @classmethod
    def info(cls) -> TypeInfo:
        found = super().info()
        found.properties = {k: v for k, v in found.properties.items()
                            if k not in _GROUP_UNUSED}
        return found

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        refuse_unused(props, _GROUP_UNUSED)
        low, high = props.get("MinSize"), props.get("MaxSize")
        wanted = props.get("DesiredCapacity")
        if low is not None and high is not None and high < low:
            raise failure("StackValidationFailed", "MinSize can not be greater than MaxSize")
        if low is not None and low < 0:
            raise failure("StackValidationFailed",
                          "The size of AutoScalingGroup can not be less than zero")
        if wanted is not None and low is not None and high is not None and \
                not low <= wanted <= high:
            raise failure("StackValidationFailed",
                          "DesiredCapacity must be between MinSize and MaxSize")
        zones = props.get("VPCZoneIdentifier")
        if zones and len(zones) != 1:
            # Neutron cannot tie subnets to zones, so one subnet is all a group can use.
            raise failure("NotSupported", "Anything other than one VPCZoneIdentifier is not "
                                          "supported.")
        if complete and bool(props.get("InstanceId")) == \
                bool(props.get("LaunchConfigurationName")):
            raise failure("StackValidationFailed", "Either 'InstanceId' or "
                                                   "'LaunchConfigurationName' must be provided.")

    # -- what the members are -------------------------------------------------------------------
    def _configuration(self) -> tuple[dict[str, Any], Any]:
        """The members' properties and metadata, from the launch configuration the group
        names (its Ref: the name alone is refused, as it gives no dependency) or from an
        existing server."""
        if self.properties.get("InstanceId"):
            derived = self.data.get("derived")
            if not derived:
                derived = server_properties(self.rt.client("compute"),
                                            str(self.properties["InstanceId"]))
                self.data["derived"] = derived
            return {k: v for k, v in derived.items() if v is not None}, None
        ref = str(self.properties.get("LaunchConfigurationName") or "")
        stack: Any = getattr(self.rt, "stack", None)
        states = list(stack.resources.values()) if stack is not None else []
        for state in states:
            plugin = state.plugin
            if isinstance(plugin, LaunchConfiguration) and ref and ref == plugin.reference():
                defn = stack.definitions.get(state.name)
                metadata = stack.resolve(defn.metadata) if defn is not None and \
                    defn.metadata else None
                return plugin.member_properties(), metadata
        if any(state.name == ref for state in states):
            raise ResourceFailure(f"LaunchConfigurationName ({ref}) requires a reference to "
                                  "the configuration not just the name of the resource.",
                                  "ValueError")
        raise ResourceFailure(f"LaunchConfigurationName ({ref}) reference can not be found.",
                              "ValueError")

    def _member(self) -> dict[str, Any]:
        props, metadata = self._configuration()
        # The tags a metering service matches members to their group by, after the group's
        # own (Heat's: the group's Ref, its name until the nested stack exists).
        ref = self.physical_id or self.rt.resource_name
        tags = [dict(t) for t in self.properties.get("Tags") or []]
        if not any(str(t.get("Key", "")).startswith("metering.") for t in tags):
            tags.append({"Key": "metering.groupname", "Value": ref})
        tags.append({"Key": "metering.AutoScalingGroupName", "Value": ref})
        props["Tags"] = tags
        subnets = self.properties.get("VPCZoneIdentifier")
        if subnets:
            props["SubnetId"] = subnets[0]
        member: dict[str, Any] = {"type": Instance.TYPE, "properties": props}
        if metadata:
            member["metadata"] = metadata
        return member

    def _template(self) -> dict[str, Any]:
        member = self._member()
        return {"heat_template_version": MEMBER_TEMPLATE_VERSION,
                "resources": {name: copy.deepcopy(member)
                              for name in self.data.get("members") or []}}

    # -- the steps ------------------------------------------------------------------------------
    def create(self) -> None:
        self.validate_properties(self.properties)
        super().create()

    def check_create_complete(self) -> bool:
        done = super().check_create_complete()
        if done:
            # The cooldown runs from the group's creation too, as Heat times it.
            self.data["last_scaled"] = time.time()
        return done

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.validate_properties(new)
        super().update(aliased(new, GROUP_ALIASES),
                       {GROUP_ALIASES.get(k, k) for k in changed})
        self.data["last_scaled"] = time.time()

    def attribute(self, name: str) -> Any:
        if name == "InstanceList":
            loaded = self._loaded()
            if loaded is None:
                return None
            members = [n for n in self.data.get("members") or [] if n in loaded.resources]
            addresses = [str(loaded.context.get_attr(n, "PublicIp") or "0.0.0.0")
                         for n in members]
            return ",".join(addresses) or None
        return super().attribute(name)


POLICY_ALIASES = {"AutoScalingGroupName": "auto_scaling_group_id",
                  "ScalingAdjustment": "scaling_adjustment", "Cooldown": "cooldown",
                  "MinAdjustmentStep": "min_adjustment_step"}


def _policy_native(props: dict[str, Any]) -> dict[str, Any]:
    found = aliased(props, POLICY_ALIASES)
    found["adjustment_type"] = CFN_KINDS.get(str(props.get("AdjustmentType")))
    return found


class AwsScalingPolicy(ScalingPolicy):
    TYPE = "AWS::AutoScaling::ScalingPolicy"
    DESCRIPTION = ("A CloudFormation scaling policy: its AlarmUrl (also its Ref) is a "
                   "pre-signed URL that changes the group's size when POSTed to, with no "
                   "token, unless the group is cooling down.")
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "AutoScalingGroupName": Prop(STRING, "The Ref of the group the policy resizes.",
                                     required=True),
        "ScalingAdjustment": Prop(INTEGER, "How much the size changes (or the size, for "
                                           "ExactCapacity).", required=True,
                                  update_allowed=True),
        "AdjustmentType": Prop(STRING, "What ScalingAdjustment is: a change in members, the "
                                       "number of members, or a change in percent.",
                               required=True, update_allowed=True, allowed=tuple(CFN_KINDS)),
        "Cooldown": Prop(INTEGER, "Seconds after a scaling during which this policy changes "
                                  "nothing (the group's Cooldown when left out).",
                         update_allowed=True),
        "MinAdjustmentStep": Prop(INTEGER, "The fewest members a PercentChangeInCapacity "
                                           "adds or removes; only with that type.",
                                  update_allowed=True, range=(0, None)),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "AlarmUrl": Attr("The pre-signed URL that takes the alarm (a Heat extension).",
                         STRING),
    }

    def __init__(self, rt: Runtime, properties: dict[str, Any], data: dict[str, Any],
                 physical_id: str | None = None) -> None:
        super().__init__(rt, _policy_native(properties), data, physical_id)

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        kind = props.get("AdjustmentType")
        if props.get("MinAdjustmentStep") is not None and kind is not None and \
                kind != "PercentChangeInCapacity":
            raise failure("ResourcePropertyValueDependency",
                          "MinAdjustmentStep property should only be specified for "
                          "AdjustmentType with value PercentChangeInCapacity.")

    def create(self) -> None:
        self.validate_properties(self.properties)
        super().create()

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.validate_properties(new)
        super().update(_policy_native(new), changed)

    def reference(self) -> Any:
        # Alarms name the policy by Ref: it is the URL they call.
        return self.data.get("alarm_url") if self.physical_id else None

    def attribute(self, name: str) -> Any:
        return super().attribute("alarm_url" if name == "AlarmUrl" else name)


TYPES: tuple[type[Resource], ...] = (LaunchConfiguration, AwsAutoScalingGroup,
                                     AwsScalingPolicy)
