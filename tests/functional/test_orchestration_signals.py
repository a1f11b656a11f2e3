"""Signals from outside a stack, through pre-signed URLs that need no token: a scaling
policy's webhook grows and shrinks an autoscaling group of servers, and a wait condition
holds its stack until its handle is signalled (as a server's boot script would)."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("orchestration", "OS::Heat::AutoScalingGroup with ScalingPolicy: the alarm_url "
                            "webhook (no token) adds a server, the down policy removes one"),
          ("orchestration", "OS::Heat::WaitCondition/WaitConditionHandle: the stack waits "
                            "for the handle's curl_cli signal, its data an attribute"),
          ("orchestration", "a pre-signed URL with a wrong signature is refused (403)")]

pytestmark = pytest.mark.functional
DEMO = {"cloud": "nimbus-demo"}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("orchestration-signals") / "state"
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def _status(cloud: CloudProcess, name: str) -> str:
    return str(cloud.openstack_json("stack", "show", name, **DEMO)["stack_status"])


def _until(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.5)


def _output(cloud: CloudProcess, name: str, key: str) -> Any:
    return cloud.openstack_json("stack", "output", "show", name, key, **DEMO)["output_value"]


def _post(url: str) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _servers(cloud: CloudProcess) -> list[str]:
    return sorted(s["ID"] for s in cloud.openstack_json("server", "list", **DEMO))


def test_scaling_webhooks_and_a_wait_condition(cloud: CloudProcess) -> None:
    template = str(Path(__file__).with_name("orchestration_scaling.yaml"))
    before = _servers(cloud)
    cloud.openstack("stack", "create", "-t", template, "scaled", **DEMO)
    # The stack waits for its handle: still in progress with everything else made.
    _until(lambda: cloud.openstack_json("stack", "resource", "show", "scaled", "group",
                                        **DEMO)["resource_status"] == "CREATE_COMPLETE")
    time.sleep(1)
    assert _status(cloud, "scaled") == "CREATE_IN_PROGRESS"
    command = shlex.split(_output(cloud, "scaled", "curl")) + [
        "--silent", "--data-binary", json.dumps({"status": "SUCCESS", "data": "booted"})]
    assert subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    _until(lambda: _status(cloud, "scaled") == "CREATE_COMPLETE")
    assert json.loads(_output(cloud, "scaled", "data")) == {"1": "booted"}

    assert len(_servers(cloud)) == len(before) + 1
    up, down = _output(cloud, "scaled", "up_url"), _output(cloud, "scaled", "down_url")
    assert _post(up) == 200
    _until(lambda: len(_servers(cloud)) == len(before) + 2)
    assert _output(cloud, "scaled", "size") == 2
    assert _post(down) == 200
    _until(lambda: len(_servers(cloud)) == len(before) + 1)
    assert _output(cloud, "scaled", "size") == 1
    # The minimum holds: one more down signal changes nothing.
    assert _post(down) == 200
    time.sleep(2)
    assert len(_servers(cloud)) == len(before) + 1
    # A URL whose signature was changed is refused.
    assert _post(up[:-1] + ("0" if up[-1] != "0" else "1")) == 403

    cloud.openstack("stack", "delete", "--yes", "--wait", "scaled", **DEMO)
    assert _servers(cloud) == before
