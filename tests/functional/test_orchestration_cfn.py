"""Heat's CloudFormation-compatible Query API against ``nimbus up``, driven by the unmodified
boto3 ``cloudformation`` client signing with SigV4: keys from ``openstack ec2 credentials
create``, the endpoint from the catalog's ``cloudformation`` entry; a stack created, read
(outputs, parameters, events, resources, template), updated and deleted, and AWS's errors
for what is wrong."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [
    ("orchestration", "CloudFormation Query API (heat-api-cfn) with boto3: CreateStack, "
                      "DescribeStacks (outputs, parameters), DescribeStackEvents, ListStacks, "
                      "DescribeStackResources/Resource, ListStackResources, GetTemplate, "
                      "ValidateTemplate, UpdateStack, DeleteStack"),
    ("orchestration", "CloudFormation API errors as AWS words them: ValidationError for a bad "
                      "template and a missing stack, AlreadyExists, InvalidAction, "
                      "SignatureDoesNotMatch, InvalidClientTokenId, IncompleteSignature"),
    ("orchestration", "CloudFormation API policy: a project reader may describe, not create"),
]

pytestmark = pytest.mark.functional

TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "A stack made through the CloudFormation API",
    "Parameters": {
        "Greeting": {"Type": "String", "Description": "what the stack says"},
        "Length": {"Type": "Number", "Default": "8"},
    },
    "Resources": {
        "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "Word": {"Type": "OS::Heat::RandomString", "Description": "a random word",
                 "Properties": {"length": {"Ref": "Length"}}},
    },
    "Outputs": {
        "Word": {"Description": "the random word", "Value": {"Fn::GetAtt": ["Word", "value"]}},
        "Greeting": {"Value": {"Fn::Join": ["-", [{"Ref": "Greeting"},
                                                  {"Ref": "AWS::StackName"}]]}},
        "HandleUrl": {"Value": {"Ref": "Handle"}},
    },
}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("cfn") / "state"
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def keys(cloud: CloudProcess) -> dict[str, str]:
    cred = cloud.openstack_json("ec2", "credentials", "create", cloud="nimbus-demo")
    return {"access": cred["access"], "secret": cred["secret"]}


@pytest.fixture(scope="module")
def endpoint(cloud: CloudProcess) -> str:
    catalog = cloud.openstack_json("catalog", "show", "cloudformation")
    urls = {e["interface"]: e["url"] for e in catalog["endpoints"]}
    assert urls["public"] == f"{cloud.url}/orchestration/cfn/v1"
    return str(urls["public"])


def _client(endpoint: str, access: str, secret: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("cloudformation", endpoint_url=endpoint, aws_access_key_id=access,
                        aws_secret_access_key=secret, region_name="RegionOne",
                        config=Config(retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def cfn(endpoint: str, keys: dict[str, str]) -> Any:
    return _client(endpoint, keys["access"], keys["secret"])


def _wait(cfn: Any, name: str, timeout: float = 120) -> dict[str, Any]:
    """The stack once it is no longer IN_PROGRESS, read with DescribeStacks."""
    deadline = time.monotonic() + timeout
    while True:
        stack: dict[str, Any] = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        assert time.monotonic() < deadline, stack
        time.sleep(0.5)


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response: dict[str, Any] = caught.value.response
    return {**response["Error"], "Status": response["ResponseMetadata"]["HTTPStatusCode"]}


def test_stack_lifecycle(cfn: Any, endpoint: str, keys: dict[str, str]) -> None:
    name = f"cfn-{uuid.uuid4().hex[:8]}"
    made = cfn.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE),
                            Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "hi"}],
                            TimeoutInMinutes=10)
    stack_id = made["StackId"]
    assert stack_id.startswith("arn:openstack:heat::") and f":stacks/{name}/" in stack_id
    stack = _wait(cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    assert stack["StackId"] == stack_id and stack["StackName"] == name
    assert stack["Description"] == TEMPLATE["Description"]
    assert stack["TimeoutInMinutes"] == 10 and "LastUpdatedTime" not in stack
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params["Greeting"] == "hi" and params["Length"] == "8"
    outputs = {o["OutputKey"]: o for o in stack["Outputs"]}
    assert outputs["Greeting"]["OutputValue"] == f"hi-{name}"
    assert len(outputs["Word"]["OutputValue"]) == 8
    assert outputs["Word"]["Description"] == "the random word"
    assert outputs["HandleUrl"]["OutputValue"].startswith("http")

    # Events newest first: the stack's own completion leads.
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    assert events[0]["LogicalResourceId"] == name
    assert events[0]["ResourceStatus"] == "CREATE_COMPLETE"
    assert {(e["LogicalResourceId"], e["ResourceStatus"]) for e in events} >= {
        ("Word", "CREATE_IN_PROGRESS"), ("Word", "CREATE_COMPLETE"),
        ("Handle", "CREATE_COMPLETE")}
    assert all(e["StackId"] == stack_id and e["EventId"] for e in events)

    resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
    by_name = {r["LogicalResourceId"]: r for r in resources}
    assert by_name["Word"]["ResourceType"] == "OS::Heat::RandomString"
    assert by_name["Word"]["ResourceStatus"] == "CREATE_COMPLETE"
    assert by_name["Word"]["Description"] == "a random word"
    assert by_name["Handle"]["ResourceType"] == "AWS::CloudFormation::WaitConditionHandle"
    physical = by_name["Word"]["PhysicalResourceId"]
    found = cfn.describe_stack_resources(PhysicalResourceId=physical)["StackResources"]
    assert {r["LogicalResourceId"] for r in found} == {"Word", "Handle"}
    detail = cfn.describe_stack_resource(StackName=stack_id, LogicalResourceId="Word")
    assert detail["StackResourceDetail"]["PhysicalResourceId"] == physical
    assert json.loads(detail["StackResourceDetail"]["Metadata"]) == {}
    summaries = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert sorted(s["LogicalResourceId"] for s in summaries) == ["Handle", "Word"]
    # boto3 decodes the JSON body of GetTemplate itself.
    assert cfn.get_template(StackName=name)["TemplateBody"]["Resources"] == TEMPLATE["Resources"]
    listed = cfn.list_stacks()["StackSummaries"]
    assert [(s["StackName"], s["StackStatus"]) for s in listed if s["StackId"] == stack_id] == [
        (name, "CREATE_COMPLETE")]
    paged = cfn.get_paginator("describe_stacks").paginate().build_full_result()["Stacks"]
    assert stack_id in {s["StackId"] for s in paged}

    # The same endpoint spelled with a trailing slash: boto3 signs that path.
    slashed = _client(endpoint + "/", keys["access"], keys["secret"])
    assert slashed.describe_stacks(StackName=name)["Stacks"][0]["StackId"] == stack_id

    cfn.update_stack(StackName=name, UsePreviousTemplate=True,
                     Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "hello"},
                                 {"ParameterKey": "Length", "UsePreviousValue": True}])
    stack = _wait(cfn, name)
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack
    assert "LastUpdatedTime" in stack
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["Greeting"] == f"hello-{name}" and len(outputs["Word"]) == 8

    cfn.delete_stack(StackName=name)
    # boto3's own waiter: done when the name is no longer found (a ValidationError).
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    gone = _error(cfn.describe_stacks, StackName=name)
    assert gone["Code"] == "ValidationError" and gone["Status"] == 400
    assert gone["Message"] == f"Stack with id {name} does not exist"
    # By its id a deleted stack is still described, as AWS does.
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == (
        "DELETE_COMPLETE")
    deleted = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack_id in {s["StackId"] for s in deleted}
    assert stack_id not in {s["StackId"] for s in cfn.list_stacks()["StackSummaries"]}


def test_validate_template(cfn: Any) -> None:
    found = cfn.validate_template(TemplateBody=json.dumps(TEMPLATE))
    assert found["Description"] == TEMPLATE["Description"]
    params = {p["ParameterKey"]: p for p in found["Parameters"]}
    assert params["Length"]["DefaultValue"] == "8" and params["Length"]["NoEcho"] is False
    assert params["Greeting"]["Description"] == "what the stack says"


def test_errors(cfn: Any, endpoint: str, keys: dict[str, str]) -> None:
    name = f"cfn-{uuid.uuid4().hex[:8]}"
    bad = _error(cfn.create_stack, StackName=name, TemplateBody="[not: a template")
    assert bad["Code"] == "ValidationError" and bad["Type"] == "Sender", bad
    unknown_type = {**TEMPLATE, "Resources": {"Thing": {"Type": "AWS::No::Such"}}}
    bad = _error(cfn.create_stack, StackName=name, TemplateBody=json.dumps(unknown_type),
                 Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "x"}])
    assert bad["Code"] == "ValidationError" and "AWS::No::Such" in bad["Message"], bad
    bad = _error(cfn.validate_template, TemplateBody=json.dumps(unknown_type))
    assert bad["Code"] == "ValidationError", bad
    missing = _error(cfn.describe_stack_events, StackName="no-such-stack")
    assert missing["Code"] == "ValidationError"
    assert missing["Message"] == "Stack with id no-such-stack does not exist"
    assert _error(cfn.delete_stack, StackName="no-such-stack")["Code"] == "ValidationError"

    cfn.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE),
                     Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "x"}])
    again = _error(cfn.create_stack, StackName=name, TemplateBody=json.dumps(TEMPLATE),
                   Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "x"}])
    assert again["Code"] == "AlreadyExists", again
    assert _wait(cfn, name)["StackStatus"] == "CREATE_COMPLETE"
    nothing = _error(cfn.describe_stack_resource, StackName=name, LogicalResourceId="Nope")
    assert nothing["Code"] == "ValidationError", nothing
    assert _error(cfn.describe_stacks, NextToken="not-a-stack")["Code"] == "ValidationError"
    cfn.delete_stack(StackName=name)

    wrong = _client(endpoint, keys["access"], "not-the-secret")
    denied = _error(wrong.describe_stacks)
    assert (denied["Code"], denied["Status"]) == ("SignatureDoesNotMatch", 403), denied
    stranger = _client(endpoint, "0" * 32, "whatever")
    denied = _error(stranger.describe_stacks)
    assert (denied["Code"], denied["Status"]) == ("InvalidClientTokenId", 403), denied

    # Unsigned, and an action the API does not have: AWS's error document either way.
    req = urllib.request.Request(endpoint, data=b"Action=DescribeStacks", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, timeout=30)
    assert caught.value.code == 400
    body = caught.value.read().decode()
    assert "<Code>IncompleteSignature</Code>" in body and "<Type>Sender</Type>" in body
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signed = AWSRequest(method="POST", url=endpoint, data={"Action": "EstimateNothing"})
    SigV4Auth(Credentials(keys["access"], keys["secret"]), "cloudformation",
              "RegionOne").add_auth(signed)
    prepared = signed.prepare()
    data = prepared.body if isinstance(prepared.body, bytes) else str(prepared.body).encode()
    req = urllib.request.Request(endpoint, data=data, method="POST",
                                 headers=dict(prepared.headers))
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, timeout=30)
    assert caught.value.code == 400
    assert "<Code>InvalidAction</Code>" in caught.value.read().decode()


def test_reader_may_describe_not_create(cloud: CloudProcess, cfn: Any, endpoint: str) -> None:
    name = f"reader-{uuid.uuid4().hex[:6]}"
    cloud.openstack("user", "create", "--project", "demo", "--password", "secret-pw", name)
    cloud.openstack("role", "add", "--user", name, "--project", "demo", "reader")
    cred = cloud.openstack_json("ec2", "credentials", "create", "--user", name,
                                "--project", "demo")
    reader = _client(endpoint, cred["access"], cred["secret"])
    assert isinstance(reader.describe_stacks()["Stacks"], list)
    denied = _error(reader.create_stack, StackName="not-mine",
                    TemplateBody=json.dumps(TEMPLATE),
                    Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "x"}])
    assert (denied["Code"], denied["Status"]) == ("AccessDenied", 403), denied


def test_token_instead_of_signature(cloud: CloudProcess, endpoint: str) -> None:
    """A Keystone token stands in for a signature, as Heat's pipeline also accepts one."""
    token = cloud.openstack_json("token", "issue", cloud="nimbus-demo")["id"]
    req = urllib.request.Request(f"{endpoint}?Action=ListStacks",
                                 headers={"X-Auth-Token": token})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "application/xml"
        body = resp.read().decode()
    assert body.startswith("<?xml") and "<ListStacksResponse><ListStacksResult>" in body
