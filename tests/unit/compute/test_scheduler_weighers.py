"""The scheduler's weighers as Nova's: weights normalized over the candidates, times their
multipliers (settings); free RAM, vCPUs and disk spread, I/O under way and failed builds push
hosts away; ``host_subset_size`` picks among the best few."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute.db import host_load
from nimbus.compute.db import instances as instances_db
from nimbus.compute.db.models import Instance
from nimbus.compute.scheduler.chooser import HostChooser
from nimbus.compute.scheduler.filters import HostState
from nimbus.compute.scheduler.manager import SchedulerManager
from nimbus.compute.scheduler.weighers import (
    BuildFailureWeigher,
    DiskWeigher,
    IoOpsWeigher,
    RamWeigher,
    ServerGroupSoftAffinityWeigher,
    default_weighers,
    normalize,
    rank,
    scores,
)
from nimbus.compute.states import PowerState, TaskState, VmState
from nimbus.conf.compute import ComputeSettings
from nimbus.core.db.base import new_id
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "scheduler weighers: normalization, RAM/CPU/disk spreading, IoOpsWeigher, "
                      "BuildFailureWeigher, multipliers from settings, host_subset_size")]

SPEC: dict[str, Any] = {"flavor": {"vcpus": 1, "memory_mb": 64, "root_gb": 0}}


def _host(name: str, ram_free: int = 4096, disk_free: int = 100, io_ops: int = 0,
          failed: int = 0) -> HostState:
    resources = {"VCPU": {"capacity": 8, "used": 0},
                 "MEMORY_MB": {"capacity": 8192, "used": 8192 - ram_free},
                 "DISK_GB": {"capacity": 200, "used": 200 - disk_free}}
    return HostState(name, f"rp-{name}", {}, resources, io_ops=io_ops, failed_builds=failed)


def _names(hosts: list[HostState]) -> list[str]:
    return [h.host for h in hosts]


def test_normalize() -> None:
    assert normalize([2.0, 4.0, 3.0]) == [0.0, 1.0, 0.5]
    assert normalize([2.0, 4.0], minval=0.0) == [0.5, 1.0]
    assert normalize([5.0, 5.0]) == [0.0, 0.0]
    assert normalize([1.0, 3.0], maxval=5.0) == [0.0, 0.5]
    assert normalize([]) == []


def test_spreading_by_free_memory_and_disk() -> None:
    hosts = [_host("a", ram_free=1000), _host("b", ram_free=4000), _host("c", ram_free=2000)]
    assert _names(rank(hosts, SPEC, [RamWeigher()])) == ["b", "c", "a"]
    # Minimum 0: weights are each host's share of the most free memory.
    assert scores(hosts, SPEC, [RamWeigher()]) == [0.25, 1.0, 0.5]
    hosts = [_host("a", disk_free=10), _host("b", disk_free=5)]
    assert _names(rank(hosts, SPEC, [DiskWeigher()])) == ["a", "b"]
    assert _names(rank(hosts, SPEC, [DiskWeigher(-1.0)])) == ["b", "a"]


def test_busier_hosts_weigh_less() -> None:
    hosts = [_host("a", io_ops=3), _host("b", io_ops=0), _host("c", io_ops=1)]
    assert _names(rank(hosts, SPEC, [IoOpsWeigher()])) == ["b", "c", "a"]
    # A positive multiplier packs onto the busy ones instead.
    assert _names(rank(hosts, SPEC, [IoOpsWeigher(2.0)])) == ["a", "c", "b"]


def test_failed_builds_outweigh_any_spreading() -> None:
    hosts = [_host("broken", ram_free=8192, disk_free=200, failed=1), _host("full", ram_free=10,
                                                                          disk_free=1)]
    assert _names(rank(hosts, SPEC, default_weighers())) == ["full", "broken"]
    # The multiplier is given as the penalty: off, the roomier host wins again.
    off = default_weighers(ComputeSettings(build_failure_weight_multiplier=0.0))
    assert not any(isinstance(w, BuildFailureWeigher) for w in off)
    assert _names(rank(hosts, SPEC, off)) == ["broken", "full"]


def test_soft_policies_win_over_spreading() -> None:
    group = {"policy": "soft-affinity", "hosts": {"a": 1}}
    hosts = [_host("a", ram_free=100, io_ops=1), _host("b")]
    assert _names(rank(hosts, {**SPEC, "instance_group": group}, default_weighers())) == \
        ["a", "b"]
    assert ServerGroupSoftAffinityWeigher().weigh(hosts[0], SPEC) == 0.0


def test_multipliers_are_settings() -> None:
    conf = ComputeSettings(ram_weight_multiplier=2.5, io_ops_weight_multiplier=0.0)
    found = {type(w).__name__: w.multiplier for w in default_weighers(conf)}
    assert found["RamWeigher"] == 2.5 and "IoOpsWeigher" not in found
    assert found["DiskWeigher"] == 1.0 and found["BuildFailureWeigher"] == -1000000.0
    assert {type(w).__name__: w.multiplier for w in default_weighers()}["IoOpsWeigher"] == -1.0


def test_one_host_is_not_weighed() -> None:
    only = [_host("a", failed=5)]
    assert rank(only, SPEC, default_weighers()) == only


def test_host_subset_size_picks_among_the_best(monkeypatch: pytest.MonkeyPatch) -> None:
    chooser = HostChooser.__new__(HostChooser)
    ranked = [_host("a"), _host("b"), _host("c")]
    chooser.subset_size = 1
    assert chooser.pick(ranked) == ranked
    chooser.subset_size = 2
    firsts = Counter(chooser.pick(ranked)[0].host for _ in range(200))
    assert set(firsts) == {"a", "b"}
    for _ in range(20):
        picked = _names(chooser.pick(ranked))
        # The others keep their order behind it: the third is never picked first.
        assert sorted(picked) == ["a", "b", "c"] and picked[-1] == "c"


# -- what the weighers read, and through the scheduler -----------------------------------------

def _scheduler(compute: Compute) -> SchedulerManager:
    endpoint = next(w for w in compute.cloud.runtimes["compute"].workers
                    if getattr(w, "topic", "") == "scheduler").endpoint
    assert isinstance(endpoint, SchedulerManager)
    return endpoint


def _record(compute: Compute, host: str, vm_state: str, task_state: str | None) -> None:
    with compute.state.db.writer() as s:
        s.add(Instance(uuid=new_id(), name="load", project_id="p", user_id="u", flavor_id="42",
                       flavor={}, vm_state=vm_state, task_state=task_state,
                       power_state=PowerState.NOSTATE, host=host))


def test_io_ops_read_from_the_servers(make_compute: Callable[..., Compute]) -> None:
    compute = make_compute(hosts=2, workers=False)
    _record(compute, "node-1", VmState.BUILDING, TaskState.SPAWNING)
    _record(compute, "node-1", VmState.ACTIVE, TaskState.RESIZE_MIGRATING)
    _record(compute, "node-1", VmState.ACTIVE, TaskState.POWERING_OFF)   # no I/O to speak of
    _record(compute, "node-2", VmState.ACTIVE, TaskState.IMAGE_SNAPSHOT)
    _record(compute, "node-2", VmState.ACTIVE, None)
    assert host_load.io_ops(compute.state.db) == {"node-1": 2, "node-2": 1}


def test_failed_builds_count_since_the_last_success(
        make_compute: Callable[..., Compute]) -> None:
    compute = make_compute(hosts=3)
    admin = compute.as_("admin")

    def boot_on(host: str, fail: bool) -> None:
        metadata = {"fake_fail": "spawn"} if fail else {}
        compute.boot(persona="admin", wait="ERROR" if fail else "ACTIVE", metadata=metadata,
                     availability_zone=f"nova:{host}")

    for _ in range(2):
        boot_on("node-1", fail=True)
    boot_on("node-2", fail=True)
    assert host_load.failed_builds(compute.state.db) == {"node-1": 2, "node-2": 1}
    boot_on("node-2", fail=False)
    assert host_load.failed_builds(compute.state.db) == {"node-1": 2}
    # The scheduler reads them with Placement's view, and keeps new servers off node-1.
    _scheduler(compute).host_states.mark_stale()
    placed = [compute.boot()["id"] for _ in range(4)]
    hosts = {str(instances_db.find_instance(compute.state.db, s).host) for s in placed}
    assert hosts == {"node-2", "node-3"}
    shown = admin.get(f"/v2.1/servers/{placed[0]}", headers=MV).json()["server"]
    assert shown["status"] == "ACTIVE"


def test_settings_reach_the_scheduler(make_compute: Callable[..., Compute]) -> None:
    compute = make_compute(hosts=2, compute_host_subset_size=2,
                           compute_disk_weight_multiplier=0.5)
    chooser = _scheduler(compute).chooser
    assert chooser.subset_size == 2
    assert {type(w).__name__: w.multiplier for w in chooser.weighers}["DiskWeigher"] == 0.5
