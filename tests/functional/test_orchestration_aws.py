"""A CloudFormation template, as written for Heat, run unchanged with ``openstack stack
create``: an instance on the private subnet, an autoscaling group built from a launch
configuration whose scaling policy's pre-signed URL grows it without a token, and a wait
condition whose handle is signalled with a PUT, as cfn-signal would."""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("orchestration", "AWS::EC2::Instance booted from an image on a subnet, with its "
                            "PrivateIp, AvailabilityZone and Ref"),
          ("orchestration", "AWS::AutoScaling::LaunchConfiguration + AutoScalingGroup + "
                            "ScalingPolicy: the AlarmUrl POSTed without a token adds a member"),
          ("orchestration", "AWS::CloudFormation::WaitCondition held until its handle's Ref "
                            "URL is PUT a {Status, Reason, UniqueId, Data} signal")]

pytestmark = pytest.mark.functional
DEMO = {"cloud": "nimbus-demo"}
STACK = "cfn"


def _template() -> dict[str, Any]:
    image = {"Ref": "ImageId"}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Heat's CloudFormation resource types, end to end.",
        "Parameters": {"ImageId": {"Type": "String", "Default": "nimbus-test"},
                       "SubnetId": {"Type": "String"}},
        "Resources": {
            "Server": {"Type": "AWS::EC2::Instance", "Properties": {
                "ImageId": image, "InstanceType": "m1.nano", "SubnetId": {"Ref": "SubnetId"},
                "UserData": {"Fn::Base64": {"Fn::Join": ["", [
                    "#!/bin/sh\necho ", {"Ref": "AWS::StackName"}, "\n"]]}},
                "Tags": [{"Key": "role", "Value": "single"}]}},
            "Config": {"Type": "AWS::AutoScaling::LaunchConfiguration", "Properties": {
                "ImageId": image, "InstanceType": "m1.nano"}},
            "Group": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
                "AvailabilityZones": {"Fn::GetAZs": ""},
                "LaunchConfigurationName": {"Ref": "Config"}, "MinSize": "1", "MaxSize": "2",
                "VPCZoneIdentifier": [{"Ref": "SubnetId"}]}},
            "ScaleUp": {"Type": "AWS::AutoScaling::ScalingPolicy", "Properties": {
                "AutoScalingGroupName": {"Ref": "Group"}, "AdjustmentType": "ChangeInCapacity",
                "ScalingAdjustment": "1"}},
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Waiter": {"Type": "AWS::CloudFormation::WaitCondition", "Properties": {
                "Handle": {"Ref": "Handle"}, "Timeout": "120"}},
        },
        "Outputs": {
            "ServerId": {"Value": {"Ref": "Server"}},
            "ServerIp": {"Value": {"Fn::GetAtt": ["Server", "PrivateIp"]}},
            "ServerZone": {"Value": {"Fn::GetAtt": ["Server", "AvailabilityZone"]}},
            "Instances": {"Value": {"Fn::GetAtt": ["Group", "InstanceList"]}},
            "ScaleUpUrl": {"Value": {"Fn::GetAtt": ["ScaleUp", "AlarmUrl"]}},
            "HandleUrl": {"Value": {"Ref": "Handle"}},
            "WaitData": {"Value": {"Fn::GetAtt": ["Waiter", "Data"]}},
        },
    }


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("orchestration-aws") / "state"
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def _until(check: Any, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.5)


def _status(cloud: CloudProcess) -> str:
    return str(cloud.openstack_json("stack", "show", STACK, **DEMO)["stack_status"])


def _output(cloud: CloudProcess, key: str) -> Any:
    return cloud.openstack_json("stack", "output", "show", STACK, key, **DEMO)["output_value"]


def _send(url: str, method: str, body: dict[str, Any]) -> int:
    """A request with no token, as an alarm or a booting server sends it."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _servers(cloud: CloudProcess) -> list[str]:
    return sorted(s["ID"] for s in cloud.openstack_json("server", "list", **DEMO))


def test_cloudformation_template_runs_unchanged(cloud: CloudProcess, tmp_path: Path) -> None:
    template = tmp_path / "cfn.template"
    template.write_text(json.dumps(_template(), indent=2))
    subnet = cloud.openstack_json("subnet", "show", "private-subnet", **DEMO)["id"]
    before = _servers(cloud)
    cloud.openstack("stack", "create", "-t", str(template), "--parameter",
                    f"SubnetId={subnet}", STACK, **DEMO)
    # Everything but the wait condition is made; the stack waits for its handle.
    _until(lambda: all(
        cloud.openstack_json("stack", "resource", "show", STACK, name, **DEMO)
        ["resource_status"] == "CREATE_COMPLETE" for name in ("Server", "Group", "ScaleUp")))
    time.sleep(1)
    assert _status(cloud) == "CREATE_IN_PROGRESS"
    handle = _output(cloud, "HandleUrl")
    assert _send(handle, "PUT", {"Status": "SUCCESS", "Reason": "ok", "UniqueId": "1",
                                 "Data": "x"}) == 200
    _until(lambda: _status(cloud) == "CREATE_COMPLETE")
    assert json.loads(_output(cloud, "WaitData")) == {"1": "x"}

    # The instance: its Ref is the server, its address one on the private subnet.
    server_id = _output(cloud, "ServerId")
    assert server_id in _servers(cloud) and len(_servers(cloud)) == len(before) + 2
    cidr = ipaddress.ip_network(cloud.openstack_json("subnet", "show", subnet, **DEMO)["cidr"])
    assert ipaddress.ip_address(_output(cloud, "ServerIp")) in cidr
    assert _output(cloud, "ServerZone")
    shown = cloud.openstack_json("server", "show", server_id, **DEMO)
    assert "single" in json.dumps(shown.get("properties"))

    # The group: one member at first, two once the policy's URL is POSTed without a token.
    assert len(str(_output(cloud, "Instances")).split(",")) == 1
    assert _send(_output(cloud, "ScaleUpUrl"), "POST", {}) == 200
    _until(lambda: len(_servers(cloud)) == len(before) + 3)
    _until(lambda: len(str(_output(cloud, "Instances")).split(",")) == 2)
    for address in str(_output(cloud, "Instances")).split(","):
        assert ipaddress.ip_address(address) in cidr
    # MaxSize holds: another alarm changes nothing.
    assert _send(_output(cloud, "ScaleUpUrl"), "POST", {}) == 200
    time.sleep(2)
    assert len(_servers(cloud)) == len(before) + 3

    cloud.openstack("stack", "delete", "--yes", "--wait", STACK, **DEMO)
    assert _servers(cloud) == before


NESTED_URL = "https://templates.example.com/child.template"


def test_nested_stack_from_its_template_url(cloud: CloudProcess) -> None:
    # The CLI sends no files for a TemplateURL, so the stack is made through the API, the
    # child template given among the stack's files under its URL.
    token = cloud.openstack_json("token", "issue", **DEMO)
    child = {"AWSTemplateFormatVersion": "2010-09-09",
             "Parameters": {"Greeting": {"Type": "String"}},
             "Resources": {"Note": {"Type": "OS::Heat::Value", "Properties": {
                 "value": {"Fn::Join": [" ", [{"Ref": "Greeting"}, "world"]]}}}},
             "Outputs": {"Said": {"Value": {"Fn::GetAtt": ["Note", "value"]}}}}
    parent = {"AWSTemplateFormatVersion": "2010-09-09",
              "Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
                  "TemplateURL": NESTED_URL, "TimeoutInMinutes": "5",
                  "Parameters": {"Greeting": "hello"}}}},
              "Outputs": {"Said": {"Value": {"Fn::GetAtt": ["Child", "Outputs.Said"]}},
                          "Arn": {"Value": {"Ref": "Child"}}}}
    body = {"stack_name": "cfn-nested", "template": parent,
            "files": {NESTED_URL: json.dumps(child)}}
    request = urllib.request.Request(
        f"{cloud.url}/orchestration/v1/{token['project_id']}/stacks",
        data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Auth-Token": token["id"]})
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 201
    _until(lambda: cloud.openstack_json("stack", "show", "cfn-nested", **DEMO)["stack_status"]
           == "CREATE_COMPLETE")
    said = cloud.openstack_json("stack", "output", "show", "cfn-nested", "Said", **DEMO)
    assert said["output_value"] == "hello world"
    arn = cloud.openstack_json("stack", "output", "show", "cfn-nested", "Arn", **DEMO)
    assert str(arn["output_value"]).startswith(f"arn:openstack:heat::{token['project_id']}:"
                                               "stacks/cfn-nested-Child-")
    cloud.openstack("stack", "delete", "--yes", "--wait", "cfn-nested", **DEMO)
