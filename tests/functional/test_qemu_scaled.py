"""Real guests in scaled mode: `nimbus agent compute --compute-driver qemu` beside the API and
the scheduler on PostgreSQL and RabbitMQ. A `kill -9` of the agent leaves its guest running;
the agent started again adopts it, and stop and delete still work."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import guests
from tests.support.backends import amqp_url, scratch_database
from tests.support.cloud_process import BIN, CloudProcess

pytestmark = [pytest.mark.functional, pytest.mark.guests]

COVERS = [("compute", "qemu driver in scaled mode: kill -9 of `nimbus agent compute` leaves "
                      "the guest running; the restarted agent adopts it")]


def _until(check: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("condition not reached")


def _qemu_pids(state: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", f"qemu-system.*{state}"], capture_output=True,
                         text=True, check=False).stdout
    return [int(p) for p in out.split()]


def test_a_killed_agent_finds_its_guest_again(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    image = subprocess.run([str(BIN / "nimbus"), "guest-image"], capture_output=True,
                           text=True, timeout=900, check=True).stdout.strip()
    # Every process of the cloud (they inherit this) runs the qemu driver.
    monkeypatch.setenv("NIMBUS_COMPUTE_DRIVER", "qemu")
    state = tmp_path / "state"
    # A SIGTERM to the run still ends in the finally below, which removes the guest.
    with guests.interrupted_by_sigterm(), scratch_database("postgresql") as db_url:
        api = CloudProcess(state, db_url, amqp_url(), command=("serve", "api"))
        api.start(timeout=120)
        scheduler = api.spawn("serve", "scheduler")
        agent = api.spawn("agent", "compute")
        try:
            os_ = api.openstack_json
            _until(lambda: any(s["State"] == "up" and s["Binary"] == "nova-compute"
                               for s in os_("compute", "service", "list")))
            api.openstack("image", "create", "--disk-format", "qcow2", "--container-format",
                          "bare", "--file", image, "guest")
            server = os_("server", "create", "--image", "guest", "--flavor", "m1.tiny",
                         "--network", "private", "--wait", "scaled-guest")
            assert server["status"] == "ACTIVE"
            pids = _qemu_pids(state)
            assert len(pids) == 1
            os.killpg(agent.pid, signal.SIGKILL)
            agent.wait()
            assert _qemu_pids(state) == pids
            agent = api.spawn("agent", "compute")
            _until(lambda: all(s["State"] == "up" for s in os_("compute", "service", "list")
                               if s["Binary"] == "nova-compute"))
            assert _qemu_pids(state) == pids
            api.openstack("server", "stop", "scaled-guest")
            _until(lambda: os_("server", "show", "scaled-guest")["status"] == "SHUTOFF")
            assert _qemu_pids(state) == []
            api.openstack("server", "delete", "--wait", "scaled-guest")
            assert list((state / "instances").glob("*/*-*-*-*-*")) == []
        finally:
            try:
                for proc in (agent, scheduler):
                    if proc.poll() is None:
                        os.killpg(proc.pid, signal.SIGTERM)
                        proc.wait(timeout=60)
                api.stop()
            finally:
                # What the stops leave: the agent keeps its guests running when it stops,
                # and a process that did not stop in time is still there.
                guests.sweep(state)
