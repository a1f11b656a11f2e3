"""A compute agent remembers its Placement registration, so a restart serves at once."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from nimbus.compute.agent import AgentDeps, ComputeAgent
from nimbus.compute.drivers.fake import FakeDriver
from tests.unit.compute.conftest import Compute

COVERS = [("compute", "agent restart reuses its Placement registration, confirmed behind")]


def _agent(compute: Compute, where: Path, placement: Any) -> ComputeAgent:
    state = compute.cloud.runtimes["compute"].state
    deps = AgentDeps(db=state.db, bus=compute.cloud.bus, registry=compute.cloud.registry,
                     images=state.clients.image, volumes=state.clients.volume,
                     placement=placement, networking=state.networking,
                     block_devices=state.block_devices, snapshots=state.snapshots,
                     registrations=where)
    return ComputeAgent(deps, "restarted", FakeDriver("restarted",
                                                              compute.cloud.settings))


class _Gated:
    """The fake Placement, answering only once the gate opens, and counting the calls."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.gate = threading.Event()
        self.gate.set()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.gate.wait(5)
            self.calls.append(name)
            return method(*args, **kwargs)

        return call


def test_a_restarted_agent_serves_before_confirming(make_compute: Any, tmp_path: Path) -> None:
    compute = make_compute(workers=False)
    placement = _Gated(compute.clients.placement)
    first = _agent(compute, tmp_path, placement)
    first.start()
    first.stop()
    remembered = json.loads((tmp_path / "restarted.json").read_text())
    assert remembered["uuid"] == first.rp_uuid and placement.calls[:1] == ["find_provider"]

    placement.calls.clear()
    placement.gate.clear()
    second = _agent(compute, tmp_path, placement)
    second.start()
    # It knows its provider without asking Placement (which does not answer yet)...
    assert second.rp_uuid == first.rp_uuid and placement.calls == []
    # ...and confirms it on a thread of its own once Placement answers.
    placement.gate.set()
    deadline = time.monotonic() + 5
    while "set_inventories" not in placement.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "set_inventories" in placement.calls
    second.stop()


def test_a_changed_capacity_registers_again(make_compute: Any, tmp_path: Path) -> None:
    compute = make_compute(workers=False)
    (tmp_path / "restarted.json").write_text(json.dumps({"uuid": "stale", "inventory": "{}"}))
    agent = _agent(compute, tmp_path, compute.clients.placement)
    agent.start()
    assert agent.rp_uuid != "stale"
    assert json.loads((tmp_path / "restarted.json").read_text())["uuid"] == agent.rp_uuid
    agent.stop()
