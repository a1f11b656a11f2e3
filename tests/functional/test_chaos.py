"""Nothing acknowledged is forgotten: kill -9 while servers, volumes and imports are in flight.

Embedded: the whole cloud is killed and started again. Scaled (PostgreSQL + RabbitMQ): the
compute agent is killed and started again, then the scheduler. Each time, within 60 s every
resource the cloud acknowledged is final (ACTIVE/available/active, or ERROR with a fault, or an
import that failed visibly), Placement holds exactly what the servers use, no port is left to a
server that is gone, and every resource can be deleted by its owner.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.backends import amqp_url, scratch_database
from tests.support.chaos import Load, call, check_books, delete_everything, session, settle
from tests.support.cloud_process import CloudProcess

COVERS = [("all", "kill -9 mid-flight (embedded): every acknowledged create ends final"),
          ("all", "kill -9 of the compute agent, then the scheduler (scaled, PostgreSQL + "
                  "RabbitMQ): every acknowledged create ends final")]

pytestmark = pytest.mark.functional

# Slow enough that a crash catches builds, volume creates and imports half-way.
# Creates answered at once (no create_wait), so that the crash finds builds half-way.
SLOW = {"compute_fake_spawn_seconds": 3.0, "volume_fake_delay": 3.0, "image_import_delay": 3.0,
        "compute_create_wait": 0}


def _kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _targets(load: Load) -> tuple[str, str, str]:
    """The image, flavor and network the servers are made of (with room in the project's
    compute quota for all of them: this is about crashes, not quotas)."""
    project = load.sess.get_project_id()
    assert call(load.sess, "PUT", f"{load.base}/compute/v2.1/os-quota-sets/{project}", json={
        "quota_set": {"instances": -1, "cores": -1, "ram": -1}}).status_code == 200
    images = call(load.sess, "GET", f"{load.base}/image/v2/images").json()["images"]
    image = next(i["id"] for i in images if i["name"] == "nimbus-test")
    flavors = call(load.sess, "GET", f"{load.base}/compute/v2.1/flavors").json()["flavors"]
    flavor = next(f["id"] for f in flavors if f["name"] == "m1.nano")
    networks = call(load.sess, "GET",
                    f"{load.base}/network/v2.0/networks?name=private").json()["networks"]
    return image, flavor, networks[0]["id"]


def _in_flight(load: Load) -> bool:
    """Some acknowledged work has not finished yet (so the crash catches it half-way)."""
    for sid in load.servers:
        body = call(load.sess, "GET", f"{load.base}/compute/v2.1/servers/{sid}").json()
        if body["server"]["status"] == "BUILD":
            return True
    return False


def _prepare(state: Path, extra: dict[str, Any] | None = None) -> None:
    state.mkdir(parents=True, exist_ok=True)
    (state / "nimbus.yaml").write_text(yaml.safe_dump({**SLOW, **(extra or {})}))


def test_embedded_cloud_killed_mid_flight(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _prepare(state)
    cloud = CloudProcess(state).start()
    try:
        load = Load(cloud.url, session(state, cloud.url))
        image, flavor, network = _targets(load)
        load.start(servers=20, volumes=10, imports=2, image=image, flavor=flavor,
                   network=network)
        assert len(load.servers) == 20 and len(load.volumes) == 10 and len(load.images) == 2
        assert _in_flight(load)
        assert cloud.proc is not None
        _kill(cloud.proc)
        cloud.start()
        load.sess = session(state, cloud.url)
        seen = settle(load, timeout=60)
        check_books(load, seen)
        delete_everything(load)
        assert cloud.server_errors() == []
    finally:
        cloud.stop()


@pytest.fixture
def scaled(tmp_path: Path) -> Iterator[tuple[CloudProcess, dict[str, subprocess.Popen[bytes]]]]:
    with ExitStack() as stack:
        db_url = stack.enter_context(scratch_database("postgresql"))
        state = tmp_path / "state"
        _prepare(state)
        api = CloudProcess(state, db_url, amqp_url(), command=("serve", "api"))
        api.start()
        stack.callback(api.stop)
        workers = {"scheduler": api.spawn("serve", "scheduler"),
                   "compute": api.spawn("agent", "compute"),
                   "volume": api.spawn("agent", "volume")}

        def stop_all() -> None:
            for proc in workers.values():
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=30)

        stack.callback(stop_all)
        yield api, workers


def _spawn(api: CloudProcess, role: str) -> subprocess.Popen[bytes]:
    return api.spawn(*(("serve", "scheduler") if role == "scheduler" else ("agent", role)))


def test_scaled_workers_killed_mid_flight(
        scaled: tuple[CloudProcess, dict[str, subprocess.Popen[bytes]]]) -> None:
    api, workers = scaled
    load = Load(api.url, session(api.state_dir, api.url))
    deadline = time.monotonic() + 60
    while not call(load.sess, "GET", f"{api.url}/compute/v2.1/os-hypervisors").json().get(
            "hypervisors"):
        assert time.monotonic() < deadline, "the compute agent never registered"
        time.sleep(0.5)
    image, flavor, network = _targets(load)
    for role in ("compute", "scheduler"):
        batch = Load(api.url, load.sess)
        creating = threading.Thread(target=batch.start, kwargs=dict(
            servers=10, volumes=5, imports=0, image=image, flavor=flavor, network=network))
        creating.start()
        # The scheduler dies while the creates are still coming in (what it had in hand, and
        # what the API accepts meanwhile, waits in its durable queue); the agent while builds run.
        while len(batch.servers) < (3 if role == "scheduler" else 10) and creating.is_alive():
            time.sleep(0.05)
        if role == "compute":
            assert _in_flight(batch)
        _kill(workers[role])
        creating.join()
        assert len(batch.servers) == 10 and len(batch.volumes) == 5
        workers[role] = _spawn(api, role)
        seen = settle(batch, timeout=60)
        check_books(batch, seen)
        load.servers += batch.servers
        load.volumes += batch.volumes
    delete_everything(load)
    assert api.server_errors() == []
