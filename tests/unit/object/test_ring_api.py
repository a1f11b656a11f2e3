"""The ring driver behind the Swift API: 503 without a quorum, replica counts in /health."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.unit.object.conftest import account

COVERS = [("object", "ring driver behind the API: device loss, 503 without quorum, /health "
                     "replica counts")]

A = account()


def test_device_loss_and_quorum_over_the_api(make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["object"], prefix="/object", object_driver="ring",
                            object_mount_check=True, object_replicator_interval=3600.0)
    member = api.as_("member")
    state = cloud.runtimes["object"].state
    for device in state.driver.devices.values():
        device.root.mkdir(parents=True, exist_ok=True)
    assert member.put(f"{A}/c").status_code == 201
    bodies = {f"o{n}": f"body {n}".encode() * 100 for n in range(8)}
    for name, data in bodies.items():
        assert member.put(f"{A}/c/{name}", content=data).status_code == 201
    roots = sorted(d.root for d in state.driver.devices.values())
    shutil.rmtree(roots[0])
    for name, data in bodies.items():
        got = member.get(f"{A}/c/{name}")
        assert got.status_code == 200 and got.content == data
    shutil.rmtree(roots[1])
    assert member.put(f"{A}/c/late", content=b"x").status_code == 503
    assert member.get(f"{A}/c/late").status_code == 404
    for name, data in bodies.items():  # nothing acknowledged was lost
        assert member.get(f"{A}/c/{name}").content == data
    for root in roots[:2]:  # the disks come back empty, and replication refills them
        root.mkdir()
    state.driver.replicate_pass(10_000)
    health = TestClient(_app(cloud)).get("/health").json()["services"]["object"]
    assert health["driver"] == "ring" and health["replicas"] == 3
    assert health["replica_counts"] == {"3": len(bodies)}
    assert all(d["available"] for d in health["devices"])


def _app(cloud: Any) -> Any:
    from nimbus.core.api.app import build_app

    return build_app(cloud)
