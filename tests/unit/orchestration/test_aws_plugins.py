"""The CloudFormation resource types Heat maps (``AWS::EC2::Instance``, the autoscaling trio,
security groups, elastic IPs and ``AWS::CloudFormation::Stack``) driven against fake service
clients and a fake stack: what they send, what they read from the resources they name, and
Heat's words when a template is wrong."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from nimbus.orchestration.resources import aws_autoscaling, aws_cfn, aws_ec2, aws_ec2_net, registry
from nimbus.orchestration.resources.aws_autoscaling import (
    AwsAutoScalingGroup,
    AwsScalingPolicy,
    LaunchConfiguration,
)
from nimbus.orchestration.resources.aws_cfn import CfnStack
from nimbus.orchestration.resources.aws_ec2 import Instance
from nimbus.orchestration.resources.aws_ec2_net import (
    AwsSecurityGroup,
    ElasticIp,
    ElasticIpAssociation,
)
from nimbus.orchestration.resources.base import Resource, ResourceFailure, UpdateReplace
from tests.unit.orchestration.test_service_plugins import (
    IMAGE_ID,
    NET_ID,
    NOT_FOUND,
    PORT_ID,
    SERVER_ID,
    SG_ID,
    SUBNET_ID,
    VOLUME_ID,
    FakeClient,
    FakeRuntime,
    make,
    poll,
    typed,
)

SG2_ID = "99999999-9999-9999-9999-999999999999"
PORT2_ID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
SERVER = f"/servers/{SERVER_ID}"
ALL = [*aws_ec2.TYPES, *aws_ec2_net.TYPES, *aws_autoscaling.TYPES, *aws_cfn.TYPES]


# -- a stack and its nested stacks, as the engine gives them to plugins --------------------------
@dataclass
class FakeState:
    name: str
    plugin: Resource | None
    physical_id: str | None = None


class FakeEnv:
    def for_nested(self, name: str) -> FakeEnv:
        return self

    def as_dict(self) -> dict[str, Any]:
        return {}


@dataclass
class FakeStack:
    resources: dict[str, FakeState] = field(default_factory=dict)
    definitions: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    env: FakeEnv = field(default_factory=FakeEnv)

    def resolve(self, snippet: Any) -> Any:
        return snippet

    def add(self, name: str, plugin: Resource, metadata: Any = None) -> None:
        self.resources[name] = FakeState(name, plugin, plugin.physical_id)
        self.definitions[name] = SimpleNamespace(metadata=metadata)


class FakeNested:
    """Nested stacks by id: the template each was made or last updated with."""

    def __init__(self) -> None:
        self.made: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.outs: dict[str, dict[str, Any]] = {}
        self.stack: Any = None

    def prepare(self, template: dict[str, Any], params: dict[str, Any], files: dict[str, Any],
                env: dict[str, Any], timeout_mins: int | None = None,
                tags: list[str] | None = None) -> str:
        ident = f"nested-{len(self.made) + 1}"
        self.made[ident] = {"template": template, "params": params, "timeout": timeout_mins}
        return ident

    def build(self, ident: str) -> None:
        self.calls.append(("build", ident))

    def update(self, ident: str, template: dict[str, Any], params: dict[str, Any],
               files: dict[str, Any], env: dict[str, Any]) -> None:
        self.made[ident].update(template=template, params=params)
        self.calls.append(("update", ident))

    def delete(self, ident: str) -> None:
        self.calls.append(("delete", ident))

    def outputs(self, ident: str) -> dict[str, dict[str, Any]]:
        return self.outs

    def loaded(self, ident: str) -> Any:
        return self.stack


class StackRuntime(FakeRuntime):
    """A runtime with the stack the resource is in, its nested stacks and signal URLs."""

    def __init__(self, name: str = "res", stack: FakeStack | None = None,
                 nested: FakeNested | None = None, **clients: FakeClient) -> None:
        super().__init__(name, **clients)
        self.stack = stack or FakeStack()
        self.nested_stacks = nested or FakeNested()

    def nested(self) -> FakeNested:
        return self.nested_stacks

    def resource_signal_url(self, stack_id: str, resource_name: str) -> str:
        return f"http://signed/{stack_id}/{resource_name}?sig=x"

    def native_signal_url(self) -> str:
        return "http://native"


def _described(cls: type[Resource]) -> dict[str, Any]:
    described = cls.info().describe()
    json.dumps(described)
    return described


# -- every type -----------------------------------------------------------------------------------
def test_every_type_is_registered_and_described_as_heat_names_it() -> None:
    names = {cls.TYPE for cls in ALL}
    assert names == {"AWS::EC2::Instance", "AWS::EC2::SecurityGroup", "AWS::EC2::EIP",
                     "AWS::EC2::EIPAssociation", "AWS::AutoScaling::LaunchConfiguration",
                     "AWS::AutoScaling::AutoScalingGroup", "AWS::AutoScaling::ScalingPolicy",
                     "AWS::CloudFormation::Stack"}
    assert names <= set(registry.types())
    for cls in ALL:
        described = _described(cls)
        assert described["description"] and "show" in described["attributes"]
    instance = _described(Instance)
    assert set(instance["attributes"]) == {"AvailabilityZone", "PrivateDnsName",
                                           "PublicDnsName", "PrivateIp", "PublicIp", "show"}
    assert instance["properties"]["InstanceType"]["update_allowed"] is True
    # Heat's unimplemented properties are taken (and refused) but not shown.
    assert "KernelId" not in instance["properties"]
    ebs = instance["properties"]["BlockDeviceMappings"]["schema"]["*"]["schema"]["Ebs"]
    assert set(ebs["schema"]) == {"DeleteOnTermination", "SnapshotId", "VolumeSize"}
    group = _described(AwsAutoScalingGroup)
    assert set(group["attributes"]) == {"InstanceList", "show"}
    assert "HealthCheckType" not in group["properties"]
    assert set(_described(AwsScalingPolicy)["attributes"]) == {"AlarmUrl", "show"}
    assert _described(ElasticIp)["attributes"]["AllocationId"]


# -- AWS::EC2::Instance ------------------------------------------------------------------------------
def _clients() -> tuple[FakeClient, FakeClient, FakeClient, FakeClient]:
    compute, net, image, volume = FakeClient(), FakeClient(), FakeClient(), FakeClient()
    for name in ("m1.tiny", "m1.small"):
        compute.on("GET", f"/flavors/{name}", NOT_FOUND)
    compute.on("GET", "/flavors/detail", {"flavors": [{"id": "1", "name": "m1.tiny"},
                                                      {"id": "2", "name": "m1.small"}]})
    image.on("GET", "/v2/images?name=cirros", {"images": [{"id": IMAGE_ID, "name": "cirros"}]})
    image.on("GET", f"/v2/images/{IMAGE_ID}", {"id": IMAGE_ID})
    compute.on("POST", "/servers", {"server": {"id": SERVER_ID}})
    net.on("GET", f"/v2.0/subnets/{SUBNET_ID}", {"subnet": {"id": SUBNET_ID,
                                                            "network_id": NET_ID}})
    net.on("GET", "/v2.0/security-groups?project_id=proj",
           {"security_groups": [{"id": SG_ID, "name": "web"}]})
    net.on("POST", "/v2.0/ports", {"port": {"id": PORT_ID}})
    return compute, net, image, volume


def test_instance_boots_on_its_subnet_and_attaches_its_volumes() -> None:
    compute, net, image, volume = _clients()
    compute.on("GET", SERVER, [{"server": {"status": "BUILD"}}, {"server": {
        "status": "ACTIVE", "OS-EXT-AZ:availability_zone": "nova",
        "addresses": {"private": [{"addr": "10.0.0.5"}], "ext": [{"addr": "1.2.3.4"}]}}}])
    compute.on("POST", f"{SERVER}/os-volume_attachments", {"volumeAttachment": {"id": "a"}})
    volume.on("GET", f"/volumes/{VOLUME_ID}", [{"volume": {"status": "attaching"}},
                                               {"volume": {"status": "in-use"}}])
    rt = FakeRuntime("web", compute=compute, network=net, image=image, volume=volume)
    plugin = make(Instance, {
        "ImageId": "cirros", "InstanceType": "m1.tiny", "KeyName": "k",
        "UserData": "#!/bin/sh\necho hi", "SecurityGroups": ["web"], "SubnetId": SUBNET_ID,
        "Tags": [{"Key": "role", "Value": "db"}],
        "NovaSchedulerHints": [{"Key": "group", "Value": "g1"}, {"Key": "group", "Value": "g2"},
                               {"Key": "near", "Value": "x"}],
        "Volumes": [{"Device": "/dev/vdb", "VolumeId": VOLUME_ID}]}, rt)
    plugin.create()
    assert plugin.physical_id == plugin.reference() == SERVER_ID
    port = net.sent("POST", "/v2.0/ports")[0]["port"]
    assert port["fixed_ips"] == [{"subnet_id": SUBNET_ID}] and port["network_id"] == NET_ID
    assert port["security_groups"] == [SG_ID]
    (body,) = compute.sent("POST", "/servers")
    server = body["server"]
    assert server["name"].startswith("st-web-") and server["imageRef"] == IMAGE_ID
    assert server["flavorRef"] == "1" and server["key_name"] == "k"
    assert server["networks"] == [{"port": PORT_ID}]
    assert server["security_groups"] == [{"name": "web"}]
    # The user data is the template's text, base64'd once for the compute API.
    assert base64.b64decode(server["user_data"]) == b"#!/bin/sh\necho hi"
    assert server["metadata"] == {"role": "db"}
    assert body["os:scheduler_hints"] == {"group": ["g1", "g2"], "near": "x"}
    # Active first, then the volume: attached, and waited for until it is in use.
    assert poll(plugin.check_create_complete) == 4
    assert compute.sent("POST", f"{SERVER}/os-volume_attachments") == [
        {"volumeAttachment": {"volumeId": VOLUME_ID, "device": "/dev/vdb"}}]
    assert plugin.data["internal_ports"] == [PORT_ID]
    # Every address attribute is the first address, networks in reverse name order.
    assert plugin.attribute("PrivateIp") == plugin.attribute("PublicDnsName") == "10.0.0.5"
    assert plugin.attribute("AvailabilityZone") == "nova"
    # Deleted: the server waited for, then the port made for it.
    compute.on("DELETE", SERVER, None)
    compute.on("GET", SERVER, NOT_FOUND)
    net.on("DELETE", f"/v2.0/ports/{PORT_ID}", None)
    plugin.delete()
    assert poll(plugin.check_delete_complete) == 1
    assert net.paths("DELETE") == [f"/v2.0/ports/{PORT_ID}"]


def test_instance_ports_block_devices_and_addresses() -> None:
    compute, net, image, _ = _clients()
    for port in ("p1", "p2"):
        net.on("GET", f"/v2.0/ports/{port}", {"port": {"id": port}})
    rt = FakeRuntime(compute=compute, network=net, image=image)
    plugin = make(Instance, {
        "ImageId": IMAGE_ID, "InstanceType": "m1.tiny", "AvailabilityZone": "az1",
        "NetworkInterfaces": [{"NetworkInterfaceId": "p2", "DeviceIndex": "1"},
                              {"NetworkInterfaceId": "p1", "DeviceIndex": "0"}],
        "BlockDeviceMappings": [{"DeviceName": "vdb", "Ebs": {"SnapshotId": "snap",
                                                              "VolumeSize": "10"}}]}, rt)
    plugin.create()
    server = compute.sent("POST", "/servers")[0]["server"]
    assert server["networks"] == [{"port": "p1"}, {"port": "p2"}]
    assert server["availability_zone"] == "az1" and "security_groups" not in server
    assert server["block_device_mapping"] == [{"device_name": "vdb", "snapshot_id": "snap",
                                               "volume_size": 10,
                                               "delete_on_termination": True}]
    assert "user_data" not in server and net.sent("POST", "/v2.0/ports") == []
    compute.on("GET", SERVER, {"server": {"status": "ACTIVE", "addresses": {}}})
    assert plugin.attribute("PublicIp") == "0.0.0.0"
    assert plugin.attribute("AvailabilityZone") == "az1"
    assert make(Instance, {"ImageId": "i", "InstanceType": "f"}).attribute("PublicIp") is None


@pytest.mark.parametrize(("props", "message"), [
    ({"SecurityGroupIds": [SG_ID], "NetworkInterfaces": ["p"]},
     "Cannot define the following properties at the same time: "
     "SecurityGroups/SecurityGroupIds, NetworkInterfaces."),
    ({"BlockDeviceMappings": [{"DeviceName": "vdb"}]},
     "Ebs is missing, this is required when specifying BlockDeviceMappings."),
    ({"BlockDeviceMappings": [{"DeviceName": "vdb", "Ebs": {"VolumeSize": "1"}}]},
     "SnapshotId is missing, this is required when specifying BlockDeviceMappings."),
    ({"KernelId": "k"}, "Property KernelId not implemented yet"),
    ({"BlockDeviceMappings": [{"DeviceName": "vdb", "Ebs": {"SnapshotId": "s", "Iops": 5}}]},
     "Property Iops not implemented yet"),
])
def test_instance_is_checked_as_heat_checks_it(props: dict[str, Any], message: str) -> None:
    given = typed(Instance, {"ImageId": "i", "InstanceType": "f", **props})
    with pytest.raises(ResourceFailure, match=f"^{message}$") as exc:
        Instance.validate_properties(given)
    assert exc.value.kind in ("StackValidationFailed", "ResourcePropertyConflict")
    with pytest.raises(ResourceFailure, match=f"^{message}$"):
        make(Instance, {"ImageId": "i", "InstanceType": "f", **props}).create()


def test_instance_snapshot_may_be_unknown_while_validating() -> None:
    given = typed(Instance, {"ImageId": "i", "InstanceType": "f", "BlockDeviceMappings": [
        {"DeviceName": "vdb", "Ebs": {}}]})
    Instance.validate_properties(given, complete=False)


def test_instance_update_resizes_retags_or_replaces() -> None:
    compute, net, image, _ = _clients()
    props = {"ImageId": IMAGE_ID, "InstanceType": "m1.tiny",
             "Tags": [{"Key": "a", "Value": "1"}]}
    plugin = make(Instance, props, FakeRuntime(compute=compute, network=net, image=image),
                  SERVER_ID)
    compute.on("PUT", f"{SERVER}/metadata", {"metadata": {}})
    compute.on("POST", f"{SERVER}/action", None)
    compute.on("GET", SERVER, [{"server": {"status": "RESIZE"}},
                               {"server": {"status": "VERIFY_RESIZE"}},
                               {"server": {"status": "VERIFY_RESIZE"}},
                               {"server": {"status": "ACTIVE"}}])
    new = typed(Instance, {**props, "InstanceType": "m1.small",
                           "Tags": [{"Key": "b", "Value": "2"}]})
    plugin.update(new, {"InstanceType", "Tags"})
    assert compute.sent("PUT", f"{SERVER}/metadata") == [{"metadata": {"b": "2"}}]
    poll(plugin.check_update_complete)
    assert compute.sent("POST", f"{SERVER}/action") == [{"resize": {"flavorRef": "2"}},
                                                        {"confirmResize": None}]
    assert plugin.properties == new
    for changed, extra in (({"ImageId"}, {"ImageId": "cirros"}), ({"KeyName"}, {"KeyName": "k"}),
                           ({"UserData"}, {"UserData": "x"})):
        with pytest.raises(UpdateReplace):
            plugin.update(typed(Instance, {**props, **extra}), changed)


def test_instance_moves_to_a_new_subnet_by_swapping_interfaces() -> None:
    compute, net, image, _ = _clients()
    old_port = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
    props = {"ImageId": IMAGE_ID, "InstanceType": "m1.tiny", "SubnetId": "old-subnet"}
    plugin = make(Instance, props, FakeRuntime(compute=compute, network=net, image=image),
                  SERVER_ID, data={"internal_ports": [old_port]})
    compute.on("GET", f"{SERVER}/os-interface",
               {"interfaceAttachments": [{"port_id": old_port}]})
    compute.on("DELETE", f"{SERVER}/os-interface/{old_port}", None)
    compute.on("POST", f"{SERVER}/os-interface", {"interfaceAttachment": {}})
    net.on("DELETE", f"/v2.0/ports/{old_port}", None)
    plugin.update(typed(Instance, {**props, "SubnetId": SUBNET_ID}), {"SubnetId"})
    poll(plugin.check_update_complete)
    assert compute.paths("DELETE") == [f"{SERVER}/os-interface/{old_port}"]
    assert net.paths("DELETE") == [f"/v2.0/ports/{old_port}"]
    assert net.sent("POST", "/v2.0/ports")[0]["port"]["fixed_ips"] == [{"subnet_id": SUBNET_ID}]
    assert compute.sent("POST", f"{SERVER}/os-interface") == [
        {"interfaceAttachment": {"port_id": PORT_ID}}]
    assert plugin.data["internal_ports"] == [PORT_ID]


def test_instance_swaps_only_the_interfaces_that_changed() -> None:
    compute = FakeClient()
    compute.on("DELETE", f"{SERVER}/os-interface/p1", None)
    compute.on("POST", f"{SERVER}/os-interface", {"interfaceAttachment": {}})
    props = {"ImageId": "i", "InstanceType": "f", "NetworkInterfaces": ["p1", "p2"]}
    plugin = make(Instance, props, FakeRuntime(compute=compute), SERVER_ID)
    plugin.update(typed(Instance, {**props, "NetworkInterfaces": ["p2", "p3"]}),
                  {"NetworkInterfaces"})
    poll(plugin.check_update_complete)
    assert compute.sent("POST", f"{SERVER}/os-interface") == [
        {"interfaceAttachment": {"port_id": "p3"}}]
    assert compute.paths("DELETE") == [f"{SERVER}/os-interface/p1"]


def test_instance_that_fails_to_boot_says_why() -> None:
    compute = FakeClient().on("GET", SERVER, [
        {"server": {"status": "ERROR", "fault": {"message": "no host", "code": 500}}},
        {"server": {"status": "MIGRATING"}}])
    plugin = make(Instance, {"ImageId": "i", "InstanceType": "f"}, FakeRuntime(compute=compute),
                  SERVER_ID)
    with pytest.raises(ResourceFailure, match='^Went to status ERROR due to "Message: no host, '
                                              'Code: 500"$'):
        plugin.check_create_complete()
    with pytest.raises(ResourceFailure, match="^Instance is not active - Unknown status "
                                              "MIGRATING"):
        plugin.check_create_complete()


def test_instance_suspend_resume_and_check() -> None:
    compute = FakeClient().on("POST", f"{SERVER}/action", None)
    compute.on("GET", SERVER, [{"server": {"status": "ACTIVE"}},
                               {"server": {"status": "SUSPENDED"}},
                               {"server": {"status": "SUSPENDED"}},
                               {"server": {"status": "ACTIVE"}},
                               {"server": {"status": "SHUTOFF"}}])
    plugin = make(Instance, {"ImageId": "i", "InstanceType": "f"}, FakeRuntime(compute=compute),
                  SERVER_ID)
    plugin.suspend()
    assert plugin.check_suspend_complete()
    plugin.resume()
    assert plugin.check_resume_complete()
    assert compute.sent("POST", f"{SERVER}/action") == [{"suspend": None}, {"resume": None}]
    with pytest.raises(ResourceFailure, match=r"^Instance is not ACTIVE \(was: SHUTOFF\)$"):
        plugin.check()


# -- AWS::AutoScaling::* --------------------------------------------------------------------------
LAUNCH = {"ImageId": "cirros", "InstanceType": "m1.tiny", "KeyName": "k", "UserData": "boot",
          "SecurityGroups": ["web"]}


def _scaling(group_props: dict[str, Any],
             metadata: Any = None) -> tuple[FakeStack, FakeNested, LaunchConfiguration,
                                            AwsAutoScalingGroup]:
    stack, nested = FakeStack(), FakeNested()
    config = make(LaunchConfiguration, LAUNCH, StackRuntime("config", stack, nested))
    config.create()
    stack.add("config", config, metadata)
    props = {"AvailabilityZones": ["nova"], "LaunchConfigurationName": config.physical_id,
             "MinSize": 1, "MaxSize": 3, **group_props}
    group = make(AwsAutoScalingGroup, props, StackRuntime("group", stack, nested))
    return stack, nested, config, group


def _members(nested: FakeNested, ident: str) -> dict[str, Any]:
    return dict(nested.made[ident]["template"]["resources"])


def test_group_members_are_instances_of_its_launch_configuration() -> None:
    meta = {"AWS::CloudFormation::Init": {"config": {"files": {}}}}
    stack, nested, config, group = _scaling({
        "DesiredCapacity": 2, "VPCZoneIdentifier": [SUBNET_ID], "LoadBalancerNames": ["lb"],
        "Tags": [{"Key": "app", "Value": "web"}]}, meta)
    assert config.physical_id and config.physical_id.startswith("st-config-")
    assert config.reference() == config.physical_id
    group.create()
    assert group.physical_id == "nested-1" and group.reference() == "nested-1"
    members = _members(nested, "nested-1")
    assert len(members) == 2
    for member in members.values():
        assert member["type"] == "AWS::EC2::Instance" and member["metadata"] == meta
        assert member["properties"] == {
            **LAUNCH, "SubnetId": SUBNET_ID,
            "Tags": [{"Key": "app", "Value": "web"},
                     {"Key": "metering.groupname", "Value": "group"},
                     {"Key": "metering.AutoScalingGroupName", "Value": "group"}]}
        # What the group builds is what an instance takes.
        typed(Instance, member["properties"])
    assert group.check_create_complete() and nested.calls == [("build", "nested-1")]


def test_a_policy_url_resizes_the_group() -> None:
    stack, nested, _, group = _scaling({})
    group.create()
    group.check_create_complete()
    stack.add("group", group)
    rt = StackRuntime("up", stack, nested)
    up = make(AwsScalingPolicy, {"AutoScalingGroupName": "nested-1", "ScalingAdjustment": 1,
                                 "AdjustmentType": "ChangeInCapacity"}, rt)
    up.create()
    url = "http://signed/stack-id/up?sig=x"
    assert up.attribute("AlarmUrl") == up.reference() == url
    first = list(_members(nested, "nested-1"))
    up.signal({})
    members = _members(nested, "nested-1")
    assert list(members)[0] == first[0] and len(members) == 2
    assert nested.calls[-1] == ("update", "nested-1")
    # Once the nested stack exists, the members' tags name it (the group's Ref).
    assert {"Key": "metering.AutoScalingGroupName", "Value": "nested-1"} in \
        members[first[0]]["properties"]["Tags"]
    up.signal({})
    up.signal({})
    grown = list(_members(nested, "nested-1"))
    assert len(grown) == 3 and up.data["last_signal"] == "ignored"
    exact = make(AwsScalingPolicy, {"AutoScalingGroupName": "nested-1", "ScalingAdjustment": 1,
                                    "AdjustmentType": "ExactCapacity"},
                 StackRuntime("exact", stack, nested))
    exact.create()
    exact.signal(None)
    # The oldest members go first.
    assert list(_members(nested, "nested-1")) == [grown[-1]]


def test_percent_policy_and_cooldown() -> None:
    stack, nested, _, group = _scaling({"DesiredCapacity": 2, "MaxSize": 10, "Cooldown": 60})
    group.create()
    group.check_create_complete()
    stack.add("group", group)
    policy = make(AwsScalingPolicy, {"AutoScalingGroupName": "nested-1",
                                     "ScalingAdjustment": 100,
                                     "AdjustmentType": "PercentChangeInCapacity"},
                  StackRuntime("grow", stack, nested))
    policy.create()
    # The group's cooldown runs from its creation.
    policy.signal({})
    assert len(_members(nested, "nested-1")) == 2 and policy.data["last_signal"] == "ignored"
    group.data["last_scaled"] = 0
    policy.signal({})
    assert len(_members(nested, "nested-1")) == 4
    with pytest.raises(ResourceFailure, match="^MinAdjustmentStep property should only be "
                                              "specified for AdjustmentType with value "
                                              "PercentChangeInCapacity.$"):
        make(AwsScalingPolicy, {"AutoScalingGroupName": "g", "ScalingAdjustment": 1,
                                "AdjustmentType": "ChangeInCapacity",
                                "MinAdjustmentStep": 1}).create()


def test_group_update_resizes_and_takes_a_new_configuration() -> None:
    stack, nested, _, group = _scaling({})
    group.create()
    replacement = make(LaunchConfiguration, {**LAUNCH, "InstanceType": "m1.small"},
                       StackRuntime("config", stack, nested))
    replacement.create()
    stack.add("config", replacement)
    new = typed(AwsAutoScalingGroup, {"AvailabilityZones": ["nova"], "MaxSize": 3,
                                      "LaunchConfigurationName": replacement.physical_id,
                                      "DesiredCapacity": 3, "MinSize": 2})
    group.update(new, {"LaunchConfigurationName", "DesiredCapacity", "MinSize"})
    members = _members(nested, "nested-1")
    assert len(members) == 3
    assert {m["properties"]["InstanceType"] for m in members.values()} == {"m1.small"}
    # A launch configuration never changes in place: its Ref must change.
    with pytest.raises(UpdateReplace):
        replacement.update(replacement.properties, set())


def test_group_instance_list_is_its_members_addresses() -> None:
    stack, nested, _, group = _scaling({"DesiredCapacity": 2})
    assert group.attribute("InstanceList") is None
    group.create()
    first, second = list(group.data["members"])
    addresses = {first: "10.0.0.4", second: None}
    nested.stack = SimpleNamespace(resources=addresses, context=SimpleNamespace(
        get_attr=lambda name, attr: addresses[name] if attr == "PublicIp" else None))
    assert group.attribute("InstanceList") == "10.0.0.4,0.0.0.0"


def test_group_finds_its_configuration_only_by_reference() -> None:
    stack, _, _, group = _scaling({"LaunchConfigurationName": "config"})
    with pytest.raises(ResourceFailure, match=r"^LaunchConfigurationName \(config\) requires "
                                              "a reference to the configuration not just the "
                                              "name of the resource.$"):
        group.create()
    _, _, _, group = _scaling({"LaunchConfigurationName": "other"})
    with pytest.raises(ResourceFailure, match=r"^LaunchConfigurationName \(other\) reference "
                                              "can not be found.$"):
        group.create()


def test_group_and_configuration_from_an_existing_server() -> None:
    compute = FakeClient().on("GET", SERVER, {"server": {
        "image": {"id": IMAGE_ID}, "flavor": {"id": "1"}, "key_name": "k",
        "security_groups": [{"name": "default"}]}})
    stack, nested = FakeStack(), FakeNested()
    group = make(AwsAutoScalingGroup, {"AvailabilityZones": [], "InstanceId": SERVER_ID,
                                       "MinSize": 1, "MaxSize": 1},
                 StackRuntime("group", stack, nested, compute=compute))
    group.create()
    (member,) = _members(nested, "nested-1").values()
    assert member["properties"]["ImageId"] == IMAGE_ID
    assert member["properties"]["InstanceType"] == "1"
    assert member["properties"]["SecurityGroups"] == ["default"]
    config = make(LaunchConfiguration, {"InstanceId": SERVER_ID, "KeyName": "mine"},
                  StackRuntime("config", stack, nested, compute=compute))
    config.create()
    assert config.member_properties() == {"ImageId": IMAGE_ID, "InstanceType": "1",
                                          "KeyName": "mine", "SecurityGroups": ["default"]}


@pytest.mark.parametrize(("props", "message"), [
    ({"MinSize": 3, "MaxSize": 2}, "MinSize can not be greater than MaxSize"),
    ({"MinSize": -1}, "The size of AutoScalingGroup can not be less than zero"),
    ({"DesiredCapacity": 5}, "DesiredCapacity must be between MinSize and MaxSize"),
    ({"VPCZoneIdentifier": ["a", "b"]},
     "Anything other than one VPCZoneIdentifier is not supported."),
    ({"LaunchConfigurationName": None},
     "Either 'InstanceId' or 'LaunchConfigurationName' must be provided."),
    ({"InstanceId": SERVER_ID},
     "Either 'InstanceId' or 'LaunchConfigurationName' must be provided."),
    ({"HealthCheckType": "EC2"}, "Property HealthCheckType not implemented yet"),
])
def test_group_is_checked_as_heat_checks_it(props: dict[str, Any], message: str) -> None:
    given = typed(AwsAutoScalingGroup, {"AvailabilityZones": [], "MinSize": 1, "MaxSize": 2,
                                        "LaunchConfigurationName": "lc", **props})
    with pytest.raises(ResourceFailure, match=f"^{message}$"):
        AwsAutoScalingGroup.validate_properties(given)


def test_configuration_needs_an_image_and_a_flavor_or_a_server() -> None:
    with pytest.raises(ResourceFailure, match="^If without InstanceId, ImageId and "
                                              "InstanceType are required.$"):
        make(LaunchConfiguration, {"ImageId": "i"}).create()
    # Unknown while validating (a Ref not made yet): not refused then.
    LaunchConfiguration.validate_properties(typed(LaunchConfiguration, {}), complete=False)
    with pytest.raises(ResourceFailure, match="^Property KernelId not implemented yet$"):
        LaunchConfiguration.validate_properties(typed(LaunchConfiguration,
                                                      {**LAUNCH, "KernelId": "k"}))


# -- AWS::CloudFormation::Stack --------------------------------------------------------------------
NESTED_URL = "https://example.com/nested.template"
NESTED = json.dumps({"AWSTemplateFormatVersion": "2010-09-09",
                     "Parameters": {"Size": {"Type": "String"}},
                     "Outputs": {"Out": {"Value": {"Ref": "Size"}}}})


def test_nested_stack_from_the_files_under_its_url() -> None:
    stack, nested = FakeStack(files={NESTED_URL: NESTED}), FakeNested()
    rt = StackRuntime("child", stack, nested)
    plugin = make(CfnStack, {"TemplateURL": NESTED_URL, "Parameters": {"Size": "3"},
                             "TimeoutInMinutes": 5}, rt)
    assert plugin.reference() is None
    plugin.create()
    made = nested.made["nested-1"]
    assert made["template"]["Outputs"] == {"Out": {"Value": {"Ref": "Size"}}}
    assert made["params"] == {"Size": "3"} and made["timeout"] == 5
    assert plugin.check_create_complete() and nested.calls == [("build", "nested-1")]
    nested.outs = {"Out": {"output_value": "3"}, "Bad": {"output_error": "boom"}}
    assert plugin.attribute("Outputs.Out") == "3"
    with pytest.raises(ResourceFailure, match="^Error in child output Bad: boom$"):
        plugin.attribute("Outputs.Bad")
    for name in ("Outputs.Missing", "Out"):
        with pytest.raises(ResourceFailure, match=r"^The Referenced Attribute \(child "
                                                  f"{name}\\) is incorrect.$") as exc:
            plugin.attribute(name)
        assert exc.value.kind == "InvalidTemplateAttribute"
    nested.stack = SimpleNamespace(identity=SimpleNamespace(id="nested-1", name="st-child-x",
                                                            project_id="proj"))
    assert plugin.reference() == "arn:openstack:heat::proj:stacks/st-child-x/nested-1"
    new = typed(CfnStack, {"TemplateURL": NESTED_URL, "Parameters": {"Size": "4"}})
    plugin.update(new, {"Parameters"})
    assert nested.made["nested-1"]["params"] == {"Size": "4"}
    plugin.delete()
    assert nested.calls[-1] == ("delete", "nested-1")


def test_nested_stack_template_must_be_among_the_files() -> None:
    plugin = make(CfnStack, {"TemplateURL": NESTED_URL}, StackRuntime())
    with pytest.raises(ResourceFailure, match="^Could not fetch remote template "
                                              f"'{NESTED_URL}'"):
        plugin.create()


# -- AWS::EC2::SecurityGroup, EIP, EIPAssociation ----------------------------------------------
def test_security_group_rules_in_neutron_words() -> None:
    net = FakeClient()
    net.on("POST", "/v2.0/security-groups", {"security_group": {"id": SG_ID}})
    net.on("GET", f"/v2.0/security-groups/{SG_ID}", {"security_group": {
        "security_group_rules": [{"id": "e4", "direction": "egress", "ethertype": "IPv4"},
                                 {"id": "e6", "direction": "egress", "ethertype": "IPv6"}]}})
    net.on("DELETE", "/v2.0/security-group-rules/e4", None)
    net.on("DELETE", "/v2.0/security-group-rules/e6", None)
    net.on("POST", "/v2.0/security-group-rules", {"security_group_rules": []})
    net.on("GET", "/v2.0/security-groups?project_id=proj",
           {"security_groups": [{"id": SG2_ID, "name": "web"}]})
    plugin = make(AwsSecurityGroup, {
        "GroupDescription": "ssh and web",
        "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": "22", "ToPort": "22", "CidrIp": "0.0.0.0/0"},
            {"IpProtocol": "icmp", "FromPort": "-1", "ToPort": "-1", "CidrIp": "10.0.0.0/8"},
            {"IpProtocol": "tcp", "FromPort": "80", "ToPort": "80",
             "SourceSecurityGroupName": "web"}],
        "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}]},
        FakeRuntime("sg", network=net))
    plugin.create()
    assert plugin.physical_id == plugin.reference() == SG_ID
    group = net.sent("POST", "/v2.0/security-groups")[0]["security_group"]
    assert group["description"] == "ssh and web" and group["name"].startswith("st-sg-")
    # Egress rules given: Neutron's default ones go.
    assert net.paths("DELETE") == ["/v2.0/security-group-rules/e4",
                                   "/v2.0/security-group-rules/e6"]
    base = {"ethertype": "IPv4", "security_group_id": SG_ID}
    assert net.sent("POST", "/v2.0/security-group-rules")[0]["security_group_rules"] == [
        {**base, "direction": "ingress", "protocol": "tcp", "port_range_min": 22,
         "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0", "remote_group_id": None},
        {**base, "direction": "ingress", "protocol": "icmp", "port_range_min": None,
         "port_range_max": None, "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": None},
        {**base, "direction": "ingress", "protocol": "tcp", "port_range_min": 80,
         "port_range_max": 80, "remote_ip_prefix": None, "remote_group_id": SG2_ID},
        {**base, "direction": "egress", "protocol": None, "port_range_min": None,
         "port_range_max": None, "remote_ip_prefix": None, "remote_group_id": None}]
    with pytest.raises(UpdateReplace):
        plugin.update(typed(AwsSecurityGroup, {"GroupDescription": "other"}),
                      {"GroupDescription"})
    net.on("DELETE", f"/v2.0/security-groups/{SG_ID}", None)
    plugin.delete()
    assert plugin.check_delete_complete()
    assert net.paths("DELETE")[-1] == f"/v2.0/security-groups/{SG_ID}"


def test_security_group_rule_changes_in_place() -> None:
    net = FakeClient()
    net.on("GET", f"/v2.0/security-groups/{SG_ID}", {"security_group": {
        "security_group_rules": [
            {"id": "r1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
             "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0",
             "security_group_id": SG_ID},
            {"id": "e4", "direction": "egress", "ethertype": "IPv4",
             "security_group_id": SG_ID},
            {"id": "e6", "direction": "egress", "ethertype": "IPv6",
             "security_group_id": SG_ID}]}})
    net.on("DELETE", "/v2.0/security-group-rules/r1", None)
    net.on("POST", "/v2.0/security-group-rules", {"security_group_rules": []})
    props = {"GroupDescription": "d", "SecurityGroupIngress": [
        {"IpProtocol": "tcp", "FromPort": "22", "ToPort": "22", "CidrIp": "0.0.0.0/0"}]}
    plugin = make(AwsSecurityGroup, props, FakeRuntime(network=net), SG_ID)
    new = typed(AwsSecurityGroup, {**props, "SecurityGroupIngress": [
        {"IpProtocol": "tcp", "FromPort": "443", "ToPort": "443", "CidrIp": "0.0.0.0/0"}]})
    plugin.update(new, {"SecurityGroupIngress"})
    assert net.paths("DELETE") == ["/v2.0/security-group-rules/r1"]
    (added,) = net.sent("POST", "/v2.0/security-group-rules")[0]["security_group_rules"]
    assert added["port_range_min"] == 443 and plugin.properties == new
    with pytest.raises(ResourceFailure, match="^Property SourceSecurityGroupOwnerId not "
                                              "implemented yet$"):
        AwsSecurityGroup.validate_properties(typed(AwsSecurityGroup, {
            "GroupDescription": "d",
            "SecurityGroupEgress": [{"SourceSecurityGroupOwnerId": "x"}]}))


def _fip_clients() -> tuple[FakeClient, FakeClient]:
    compute, net = FakeClient(), FakeClient()
    net.on("GET", "/v2.0/networks?router%3Aexternal=True", {"networks": [{"id": "ext"}]})
    net.on("POST", "/v2.0/floatingips", {"floatingip": {
        "id": "fip1", "floating_ip_address": "172.24.4.10"}})
    net.on("PUT", "/v2.0/floatingips/fip1", {"floatingip": {}})
    compute.on("GET", f"{SERVER}/os-interface", {"interfaceAttachments": [
        {"port_id": PORT_ID, "fixed_ips": [{"ip_address": "fd00::5"},
                                           {"ip_address": "10.0.0.5"}]}]})
    return compute, net


def test_elastic_ip_is_a_floating_ip_given_to_the_instance() -> None:
    compute, net = _fip_clients()
    plugin = make(ElasticIp, {"InstanceId": SERVER_ID},
                  FakeRuntime("ip", compute=compute, network=net))
    assert plugin.reference() is None
    plugin.create()
    assert net.sent("POST", "/v2.0/floatingips") == [
        {"floatingip": {"floating_network_id": "ext"}}]
    assert net.sent("PUT", "/v2.0/floatingips/fip1") == [
        {"floatingip": {"port_id": PORT_ID, "fixed_ip_address": "10.0.0.5"}}]
    assert plugin.reference() == "172.24.4.10" and plugin.attribute("AllocationId") == "fip1"
    plugin.update(typed(ElasticIp, {}), {"InstanceId"})
    assert net.sent("PUT", "/v2.0/floatingips/fip1")[-1] == {
        "floatingip": {"port_id": None, "fixed_ip_address": None}}
    with pytest.raises(UpdateReplace):
        plugin.update(typed(ElasticIp, {"Domain": "vpc"}), {"Domain"})
    net.on("DELETE", "/v2.0/floatingips/fip1", NOT_FOUND)
    plugin.delete()
    assert net.paths("DELETE") == ["/v2.0/floatingips/fip1"]
    two = FakeClient().on("GET", "/v2.0/networks?router%3Aexternal=True",
                          {"networks": [{"id": "a"}, {"id": "b"}]})
    with pytest.raises(ResourceFailure, match="^Expected 1 external network, found 2$"):
        make(ElasticIp, {}, FakeRuntime(network=two)).create()


def test_elastic_ip_association_by_address_or_allocation() -> None:
    compute, net = _fip_clients()
    net.on("GET", "/v2.0/floatingips?floating_ip_address=172.24.4.10",
           {"floatingips": [{"id": "fip1"}]})
    rt = FakeRuntime("assoc", compute=compute, network=net)
    by_address = make(ElasticIpAssociation, {"InstanceId": SERVER_ID, "EIP": "172.24.4.10"}, rt)
    by_address.create()
    assert by_address.physical_id == "172.24.4.10"
    assert str(by_address.reference()).startswith("st-assoc-")
    assert net.sent("PUT", "/v2.0/floatingips/fip1") == [
        {"floatingip": {"port_id": PORT_ID, "fixed_ip_address": "10.0.0.5"}}]
    by_address.delete()
    assert net.sent("PUT", "/v2.0/floatingips/fip1")[-1]["floatingip"]["port_id"] is None
    net.on("GET", f"/v2.0/ports?device_id={SERVER_ID}", {"ports": [{"id": PORT2_ID}]})
    by_id = make(ElasticIpAssociation, {"InstanceId": SERVER_ID, "AllocationId": "fip1"}, rt)
    by_id.create()
    assert by_id.physical_id == "fip1"
    assert net.sent("PUT", "/v2.0/floatingips/fip1")[-1] == {
        "floatingip": {"port_id": PORT2_ID, "fixed_ip_address": None}}
    by_id.update(typed(ElasticIpAssociation, {"AllocationId": "fip1",
                                              "NetworkInterfaceId": PORT_ID}),
                 {"InstanceId", "NetworkInterfaceId"})
    assert net.sent("PUT", "/v2.0/floatingips/fip1")[-1]["floatingip"]["port_id"] == PORT_ID
    with pytest.raises(UpdateReplace):
        by_id.update(typed(ElasticIpAssociation, {"AllocationId": "fip2",
                                                  "InstanceId": "other"}),
                     {"AllocationId", "InstanceId"})


@pytest.mark.parametrize(("props", "message"), [
    ({"InstanceId": "i"}, "Either 'EIP' or 'AllocationId' must be provided."),
    ({"EIP": "1.2.3.4", "AllocationId": "a", "InstanceId": "i"},
     "Either 'EIP' or 'AllocationId' must be provided."),
    ({"EIP": "1.2.3.4", "NetworkInterfaceId": "p"},
     "Must specify 'InstanceId' if you specify 'EIP'."),
    ({"AllocationId": "a"}, "At least one of the following properties must be specified: "
                            "InstanceId, NetworkInterfaceId."),
])
def test_elastic_ip_association_is_checked_once_resolved(props: dict[str, Any],
                                                         message: str) -> None:
    given = typed(ElasticIpAssociation, props)
    ElasticIpAssociation.validate_properties(given, complete=False)
    with pytest.raises(ResourceFailure, match=f"^{message}$"):
        ElasticIpAssociation.validate_properties(given)
