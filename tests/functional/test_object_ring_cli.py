"""A device of the object ring is lost under `nimbus up`: the unmodified `openstack object` CLI
still reads every object, and the replicator gives each its three copies back."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("object", "openstack object create/save with a ring device lost; replication "
                     "restores three replicas (/health replica counts)")]

pytestmark = pytest.mark.functional
OBJECTS = 4


def replica_counts(cloud: CloudProcess) -> dict[str, int]:
    with urllib.request.urlopen(f"{cloud.url}/health", timeout=10) as resp:
        counts: dict[str, int] = json.load(resp)["services"]["object"]["replica_counts"]
    return counts


def test_device_loss(tmp_path: Path) -> None:
    cloud = CloudProcess(tmp_path / "state",
                         env={"NIMBUS_OBJECT_REPLICATOR_INTERVAL": "0.5"}).start()
    try:
        container = f"c-{uuid.uuid4().hex[:8]}"
        cloud.openstack("container", "create", container)
        files = []
        for n in range(OBJECTS):
            source = tmp_path / f"o{n}.bin"
            source.write_bytes(f"object {n} ".encode() * (5000 + n))
            files.append(source)
            cloud.openstack("object", "create", container, str(source), "--name", f"o{n}")
        lost = cloud.state_dir / "objects" / "d2"
        # Renamed away first: a replicator pass may be writing into it while it is removed.
        lost.rename(tmp_path / "d2-gone")
        shutil.rmtree(tmp_path / "d2-gone")
        for n, source in enumerate(files):
            target = tmp_path / f"back{n}.bin"
            cloud.openstack("object", "save", container, f"o{n}", "--file", str(target))
            assert target.read_bytes() == source.read_bytes()
        # Bounded wait: the replicator passes every half second once it has work.
        # (/health counts copies as of the last full pass, so both are waited for.)
        deadline = time.monotonic() + 60
        while len(list(lost.glob("objects/*/*/*/*.data"))) < OBJECTS:
            assert time.monotonic() < deadline, "the replicator did not restore the device"
            time.sleep(0.5)
        while replica_counts(cloud) != {"3": OBJECTS}:
            assert time.monotonic() < deadline, replica_counts(cloud)
            time.sleep(0.5)
        assert cloud.server_errors() == []
    finally:
        cloud.stop()
