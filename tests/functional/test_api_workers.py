"""``--workers``: several API processes on one port, one bus, one set of caches that agree."""

from __future__ import annotations

import http.client
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cloud_process import CloudProcess

pytestmark = pytest.mark.functional

COVERS = [
    ("all", "--workers: API processes share the port; RPC from any of them reaches the "
            "first process's workers"),
    ("identity", "revocation and role changes take effect at once in every API process"),
    ("all", "a killed API worker is started again; workers end with the first process"),
]


def _workers_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"nimbus.cmd.api_worker" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


# What a worker logs once it listens (the first process's own lines about workers differ).
SERVES = "serves http://"


def _wait(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached")


class Api:
    """Each request on a new connection, so that the kernel spreads them over the workers."""

    def __init__(self, cloud: CloudProcess) -> None:
        self.cloud = cloud
        secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
        self.password = secrets["admin_password"]

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.cloud.port, timeout=60)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers={"Content-Type": "application/json", **(headers or {})})
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, (
                json.loads(raw) if raw.strip() else None)
        finally:
            conn.close()

    def token(self, user: str = "admin", password: str | None = None,
              project: str = "admin") -> str:
        status, headers, _ = self.request("POST", "/identity/v3/auth/tokens", {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"id": "default"},
                "password": password or self.password}}},
            "scope": {"project": {"name": project, "domain": {"id": "default"}}}}})
        assert status == 201
        return headers["x-subject-token"]

    def validate(self, caller: str, subject: str) -> int:
        status, _, _ = self.request("GET", "/identity/v3/auth/tokens",
                                    headers={"X-Auth-Token": caller, "X-Subject-Token": subject})
        return status


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("workers") / "state"
    state.mkdir()
    cp = CloudProcess(state, extra=["--workers", "3"]).start()
    _wait(lambda: len(_pids_serving(cp, SERVES)) == 2)
    yield cp
    cp.stop()
    assert not cp.server_errors()


def _pids_serving(cloud: CloudProcess, fragment: str) -> set[int]:
    pids = set()
    for line in (cloud.state_dir / "nimbus.log").read_text().splitlines():
        doc = json.loads(line)
        if fragment in doc.get("msg", ""):
            pids.add(doc["pid"])
    return pids


def test_every_process_serves_and_rpc_from_any_reaches_the_workers(cloud: CloudProcess) -> None:
    api = Api(cloud)
    admin = api.token()
    _, _, body = api.request("GET", "/compute/v2.1/flavors", headers={"X-Auth-Token": admin})
    flavor = body["flavors"][0]["id"]
    _, _, body = api.request("GET", "/image/v2/images", headers={"X-Auth-Token": admin})
    image = body["images"][0]["id"]
    status, _, body = api.request("POST", "/compute/v2.1/servers", {"server": {
        "name": "across", "flavorRef": flavor, "imageRef": image, "networks": "none"}},
        {"X-Auth-Token": admin, "OpenStack-API-Version": "compute 2.37"})
    assert status == 202, body
    server = body["server"]["id"]

    def active() -> bool:
        _, _, shown = api.request("GET", f"/compute/v2.1/servers/{server}",
                                  headers={"X-Auth-Token": admin})
        assert shown["server"]["status"] != "ERROR", shown
        return bool(shown["server"]["status"] == "ACTIVE")

    _wait(active)
    # The console log is an RPC call to the compute agent with a reply: from every process.
    for _ in range(24):
        status, _, out = api.request(
            "POST", f"/compute/v2.1/servers/{server}/action", {"os-getConsoleOutput": {}},
            {"X-Auth-Token": admin})
        assert status == 200 and "Linux version" in out["output"]
    serving = _pids_serving(cloud, f"/servers/{server}/action 200")
    assert len(serving) == 3, serving
    status, _, _ = api.request("DELETE", f"/compute/v2.1/servers/{server}",
                               headers={"X-Auth-Token": admin})
    assert status == 204


def test_a_revocation_holds_at_once_in_every_process(cloud: CloudProcess) -> None:
    api = Api(cloud)
    admin = api.token()
    for _ in range(3):
        victim = api.token()
        # Every process validates (and keeps) the token...
        for _ in range(12):
            assert api.validate(admin, victim) == 200
        status, _, _ = api.request("DELETE", "/identity/v3/auth/tokens",
                                   headers={"X-Auth-Token": admin, "X-Subject-Token": victim})
        assert status == 204
        # ...and none accepts it after the revocation returned, as caller or subject.
        for _ in range(12):
            assert api.validate(admin, victim) == 404
            status, _, _ = api.request("GET", "/compute/v2.1/flavors",
                                       headers={"X-Auth-Token": victim})
            assert status == 401


def test_a_role_removed_is_gone_at_once_in_every_process(cloud: CloudProcess) -> None:
    api = Api(cloud)
    admin = api.token()
    h = {"X-Auth-Token": admin}
    _, _, body = api.request("POST", "/identity/v3/users", {"user": {
        "name": "worker-user", "password": "worker-pass-1", "domain_id": "default"}}, h)
    user = body["user"]["id"]
    _, _, body = api.request("GET", "/identity/v3/projects?name=demo", headers=h)
    project = body["projects"][0]["id"]
    _, _, body = api.request("GET", "/identity/v3/roles?name=member", headers=h)
    role = body["roles"][0]["id"]
    grant = f"/identity/v3/projects/{project}/users/{user}/roles/{role}"
    assert api.request("PUT", grant, headers=h)[0] == 204
    token = api.token("worker-user", "worker-pass-1", "demo")
    for _ in range(12):
        assert api.validate(admin, token) == 200
        assert api.request("GET", "/compute/v2.1/flavors",
                           headers={"X-Auth-Token": token})[0] == 200
    assert api.request("DELETE", grant, headers=h)[0] == 204
    for _ in range(12):
        assert api.validate(admin, token) == 404
        assert api.request("GET", "/compute/v2.1/flavors",
                           headers={"X-Auth-Token": token})[0] == 401


def test_a_killed_worker_is_replaced_and_workers_end_with_the_first(
        tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    cp = CloudProcess(state, extra=["--workers", "2"]).start()
    try:
        primary = cp.proc.pid  # type: ignore[union-attr]
        first = _wait(lambda: _workers_of(primary))
        os.kill(first[0], signal.SIGKILL)
        second = _wait(lambda: [p for p in _workers_of(primary) if p not in first])
        _wait(lambda: second[0] in _pids_serving(cp, SERVES))
        # Every request on a new connection is answered: none is left to the dead worker.
        api = Api(cp)
        assert all(api.request("GET", "/health")[0] == 200 for _ in range(10))
        os.kill(primary, signal.SIGKILL)
        _wait(lambda: not Path(f"/proc/{second[0]}").exists()
              or "Z" in Path(f"/proc/{second[0]}/stat").read_text().split()[2], timeout=20)
    finally:
        cp.stop()


def test_scaled_api_workers_on_postgresql_and_rabbitmq(tmp_path: Path) -> None:
    """``nimbus serve api --workers 2``: each worker its own broker connection; a server built
    through any of them; a revocation holds in both at once."""
    import subprocess
    from contextlib import ExitStack

    from tests.support.backends import amqp_url, scratch_database

    with ExitStack() as stack:
        db_url = stack.enter_context(scratch_database("postgresql"))
        state = tmp_path / "state"
        state.mkdir()
        api_proc = CloudProcess(state, db_url, amqp_url(), command=("serve", "api"),
                                extra=["--workers", "2"]).start()
        stack.callback(api_proc.stop)
        _wait(lambda: len(_pids_serving(api_proc, SERVES)) == 1)
        others = [api_proc.spawn("serve", "scheduler"), api_proc.spawn("agent", "compute")]

        def stop(proc: subprocess.Popen[bytes]) -> None:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)

        for proc in others:
            stack.callback(stop, proc)
        api = Api(api_proc)
        admin = api.token()

        def compute_up() -> bool:
            _, _, listed = api.request("GET", "/compute/v2.1/os-services?binary=nova-compute",
                                       headers={"X-Auth-Token": admin})
            return any(s["state"] == "up" for s in listed["services"])

        _wait(compute_up)
        _, _, body = api.request("GET", "/compute/v2.1/flavors",
                                 headers={"X-Auth-Token": admin})
        flavor = body["flavors"][0]["id"]
        _, _, body = api.request("GET", "/image/v2/images", headers={"X-Auth-Token": admin})
        image = body["images"][0]["id"]
        ids = []
        for n in range(4):
            status, _, body = api.request("POST", "/compute/v2.1/servers", {"server": {
                "name": f"scaled-{n}", "flavorRef": flavor, "imageRef": image,
                "networks": "none"}},
                {"X-Auth-Token": admin, "OpenStack-API-Version": "compute 2.37"})
            assert status == 202, body
            ids.append(body["server"]["id"])

        def all_active() -> bool:
            states = []
            for sid in ids:
                _, _, shown = api.request("GET", f"/compute/v2.1/servers/{sid}",
                                          headers={"X-Auth-Token": admin})
                states.append(shown["server"]["status"])
            assert "ERROR" not in states, states
            return all(s == "ACTIVE" for s in states)

        _wait(all_active, timeout=120)
        victim = api.token()
        for _ in range(8):
            assert api.validate(admin, victim) == 200
        assert api.request("DELETE", "/identity/v3/auth/tokens", headers={
            "X-Auth-Token": admin, "X-Subject-Token": victim})[0] == 204
        for _ in range(8):
            assert api.validate(admin, victim) == 404
        assert len(_pids_serving(api_proc, "/identity/v3/auth/tokens 404")) == 2
        assert not api_proc.server_errors()


def test_a_second_api_node_on_the_same_state_dir_keeps_to_its_own_bus(
        cloud: CloudProcess) -> None:
    """A second node of the same cloud (``serve api`` on another loopback address, as
    devstack's second image API) with workers of its own: workers of the first cloud started
    after it still reach the first cloud's agents, not the second node's bus."""
    import subprocess

    from tests.support.cloud_process import BIN

    node = subprocess.Popen(
        [str(BIN / "nimbus"), "serve", "api", "--state-dir", str(cloud.state_dir), "--host",
         "127.0.0.2", "--port", str(cloud.port), "--public-host", "127.0.0.1", "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        primary = cloud.proc.pid  # type: ignore[union-attr]
        before = _pids_serving(cloud, SERVES)
        _wait(lambda: len(_pids_serving(cloud, SERVES) - before) == 1)
        # The first cloud's workers start again now, after the second node's bridge exists.
        old = _workers_of(primary)
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        _wait(lambda: len([p for p in _workers_of(primary) if p not in old]) == 2)
        _wait(lambda: len(_pids_serving(cloud, SERVES) - before) == 3, timeout=90)
        test_every_process_serves_and_rpc_from_any_reaches_the_workers(cloud)
    finally:
        os.killpg(node.pid, signal.SIGTERM)
        node.wait(timeout=30)
