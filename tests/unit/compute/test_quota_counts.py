"""Quota use is counted by the database (servers, vCPUs and RAM summed out of each server's
flavor snapshot, per user): the same figures on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest

from nimbus.compute.db.models import Instance
from nimbus.compute.manager.quotas import QuotaManager
from nimbus.compute.states import PowerState, VmState
from nimbus.core.db.base import new_id
from nimbus.core.db.engine import Database
from nimbus.core.errors import Forbidden

COVERS = [("compute", "quota use counted in SQL on SQLite, PostgreSQL and MariaDB")]


def _server(db: Database, project: str, user: str, vcpus: int, ram: int) -> None:
    with db.writer() as s:
        s.add(Instance(uuid=new_id(), name="vm", project_id=project, user_id=user,
                       flavor_id="f", flavor={"vcpus": vcpus, "ram": ram, "disk": 1},
                       vm_state=VmState.ACTIVE, power_state=PowerState.RUNNING))


def test_use_is_summed_per_project_and_user(any_database: Database) -> None:
    database = any_database
    quotas = QuotaManager(database)
    assert quotas.usage("p")["instances"] == 0
    _server(database, "p", "alice", 2, 2048)
    _server(database, "p", "alice", 1, 512)
    _server(database, "p", "bob", 4, 8192)
    _server(database, "other", "alice", 8, 16384)
    whole = quotas.usage("p")
    assert (whole["instances"], whole["cores"], whole["ram"]) == (3, 7, 10752)
    alice = quotas.usage("p", "alice")
    assert (alice["instances"], alice["cores"], alice["ram"]) == (2, 3, 2560)
    nobody = quotas.usage("p", "carol")
    assert (nobody["instances"], nobody["cores"], nobody["ram"]) == (0, 0, 0)
    # A create is refused once the sum would pass the limit, on every backend.
    database_limits = quotas.limits("p")
    assert database_limits["cores"] == 20
    assert quotas.servers_allowed("p", "alice", {"vcpus": 13, "ram": 1}, 1, 1) == 1
    with pytest.raises(Forbidden, match="cores"):
        quotas.servers_allowed("p", "alice", {"vcpus": 14, "ram": 1}, 1, 1)
