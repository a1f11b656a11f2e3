"""The fake driver keeps its guests in the compute database: a new driver of the same host (a
restarted agent, another process) finds them as the last one left them, resize backups too."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from nimbus.compute.db.fake_guests import GuestRecords
from nimbus.compute.drivers.fake import FakeDriver
from nimbus.compute.states import PowerState
from nimbus.core.db.engine import Database
from tests.unit.compute.conftest import Compute
from tests.unit.compute.fakes import IMAGE_ID

COVERS = [("compute", "fake driver guests (and resize backups) kept in the database, found "
                      "again by a new driver of the same host")]

FLAVOR = {"id": "42", "vcpus": 1, "ram": 128, "disk": 1}
BIGGER = {"id": "84", "vcpus": 2, "ram": 256, "disk": 2}


@pytest.fixture
def db(make_compute: Any) -> Database:
    compute: Compute = make_compute(workers=False)
    return compute.state.db


def _driver(db: Database, host: str = "h1") -> FakeDriver:
    driver = FakeDriver(host)
    driver.attach(GuestRecords(db, host))
    return driver


def _instance(uuid: str = "g1", flavor: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"uuid": uuid, "name": "instance-1", "flavor": dict(flavor or FLAVOR),
            "metadata": {}, "ports": [{"port_id": "p1"}]}


def test_a_guest_survives_a_new_driver_on_the_same_database(db: Database) -> None:
    first = _driver(db)
    first.spawn(_instance(), {"id": IMAGE_ID})
    first.attach_volume(_instance(), {"driver_volume_type": "fake"}, "/dev/vdb")
    first.power_off(_instance())
    first.rescue(_instance(), None, "secret")
    first.set_admin_password(_instance(), "secret")

    again = _driver(db)
    assert again.list_instances() == ["g1"]
    assert again.power_state(_instance()) == PowerState.RUNNING     # the rescue booted it
    guest = GuestRecords(db, "h1").get("g1")
    assert guest is not None
    assert guest["volumes"] == {"/dev/vdb": {"driver_volume_type": "fake"}}
    assert guest["ports"] == ["p1"] and guest["image"] == IMAGE_ID
    assert guest["rescued"] == "own" and guest["password_changes"] == 1
    # ...and every action goes on from there.
    again.unrescue(_instance())
    again.detach_volume(_instance(), None, "/dev/vdb")
    assert "rescued" not in (GuestRecords(db, "h1").get("g1") or {})
    assert _driver(db).get_diagnostics(_instance())["num_disks"] == 1
    assert again.get_available_resource()["memory_mb_used"] == 128
    again.destroy(_instance())
    assert _driver(db).list_instances() == []


def test_a_resize_backup_survives_a_new_driver(db: Database) -> None:
    source = _driver(db, "h1")
    source.spawn(_instance(), {"id": IMAGE_ID})
    disk_info = source.migrate_disk_and_power_off(_instance(), "h2", BIGGER)
    # Moved: the source holds only what it kept, which is not a guest of the host.
    assert source.list_instances() == []
    assert source.get_available_resource()["vcpus_used"] == 0
    dest = _driver(db, "h2")
    dest.finish_migration(_instance(flavor=BIGGER), disk_info, {"id": IMAGE_ID}, power_on=True)
    assert dest.get_available_resource()["vcpus_used"] == 2

    # The source's agent restarted meanwhile: the revert still finds what it kept.
    dest.destroy(_instance())
    restarted = _driver(db, "h1")
    restarted.finish_revert_migration(_instance(), power_on=True)
    assert restarted.list_instances() == ["g1"]
    assert restarted.power_state(_instance()) == PowerState.RUNNING
    assert GuestRecords(db, "h1").all(kept=True) == {}


def test_a_resize_on_one_host_keeps_both_until_confirmed(db: Database) -> None:
    driver = _driver(db)
    driver.spawn(_instance(), {"id": IMAGE_ID})
    disk_info = driver.migrate_disk_and_power_off(_instance(), "h1", BIGGER)
    driver.finish_migration(_instance(flavor=BIGGER), disk_info, None, power_on=False)
    records = GuestRecords(db, "h1")
    assert records.get("g1", kept=True) is not None
    assert (records.get("g1") or {})["vcpus"] == 2
    _driver(db).confirm_migration(_instance())
    assert records.get("g1", kept=True) is None and records.get("g1") is not None


def test_hosts_keep_their_own_guests(db: Database) -> None:
    _driver(db, "h1").spawn(_instance("a"), {"id": IMAGE_ID})
    _driver(db, "h2").spawn(_instance("b"), {"id": IMAGE_ID})
    assert _driver(db, "h1").list_instances() == ["a"]
    assert _driver(db, "h2").list_instances() == ["b"]
    with pytest.raises(Exception, match="is not on host h1"):
        _driver(db, "h1").power_off(_instance("b"))


def test_changes_to_one_guest_at_once_are_all_kept(db: Database) -> None:
    driver = _driver(db)
    driver.spawn(_instance(), {"id": IMAGE_ID})
    devices = [f"/dev/vd{chr(ord('b') + i)}" for i in range(8)]
    threads = [threading.Thread(target=driver.attach_volume, args=(_instance(), {}, d))
               for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((GuestRecords(db, "h1").get("g1") or {})["volumes"]) == devices


def test_a_driver_given_no_database_keeps_its_guests_to_itself() -> None:
    alone = FakeDriver("h1")
    alone.spawn(_instance(), {"id": IMAGE_ID})
    assert alone.list_instances() == ["g1"]
    assert FakeDriver("h1").list_instances() == []
