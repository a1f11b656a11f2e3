"""Volume backups through the API with the fake backend's data and an in-memory object store:
the lifecycle, incremental backups, restores into new and existing volumes, backups of attached
volumes and of snapshots, listing, and the admin actions."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.personas import project_of
from tests.unit.volume.backup_support import CHUNK, LATEST, Backups

COVERS = [("volume", "backups: create/show/list/update/delete, statuses, chunked data in the "
                     "object store"),
          ("volume", "incremental backups store only changed chunks; restore reads the chain"),
          ("volume", "backup restore into a new or an existing volume, identical bytes"),
          ("volume", "backups of attached volumes (force, temporary snapshot) and of snapshots"),
          ("volume", "backup listing filters, sort, paging, with_count"),
          ("volume", "backup admin actions: os-reset_status, os-force_delete")]

V39 = {"OpenStack-API-Version": "volume 3.9"}
V345 = {"OpenStack-API-Version": "volume 3.45"}
FIRST, SECOND, THIRD = b"first chunk " * 1000, b"second" * 3000, b"\x07third" * 500


@pytest.fixture
def bk(vol: Any) -> Backups:
    return Backups(vol)


def test_backup_lifecycle(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST, 5 * CHUNK + 17: SECOND, 100 * CHUNK: THIRD},
                               metadata={"purpose": "db"})
    resp = bk.api().post("/v3/backups", headers=LATEST, json={"backup": {
        "volume_id": volume_id, "name": "nightly", "description": "the first",
        "container": "my-backups", "metadata": {"k": "v"}}})
    assert resp.status_code == 202, resp.text
    made = resp.json()["backup"]
    assert set(made) == {"id", "name", "links"} and made["name"] == "nightly"
    backup = bk.wait(made["id"], "available")
    # Three chunks hold data; the manifest is the fourth object.
    assert backup["object_count"] == 4
    assert backup["container"] == "my-backups" and backup["size"] == 1
    assert backup["is_incremental"] is False and backup["has_dependent_backups"] is False
    assert backup["volume_id"] == volume_id and backup["fail_reason"] is None
    assert backup["metadata"] == {"k": "v"} and backup["data_timestamp"]
    assert backup["availability_zone"] == "nova" and backup["snapshot_id"] is None
    assert bk.vol.wait(volume_id, "available")["status"] == "available"
    assert len(bk.objects.under(f"volume_{volume_id}/backup_{made['id']}")) == 4
    # Listed, plain and detailed; renamed from 3.9.
    listed = bk.api().get("/v3/backups").json()["backups"]
    assert [b["id"] for b in listed] == [made["id"]] and set(listed[0]) == {"id", "name",
                                                                               "links"}
    detailed = bk.api().get("/v3/backups/detail", headers=LATEST).json()["backups"]
    assert detailed[0]["status"] == "available"
    assert bk.api().put(f"/v3/backups/{made['id']}",
                        json={"backup": {"name": "x"}}).status_code == 404
    resp = bk.api().put(f"/v3/backups/{made['id']}", headers=LATEST,
                        json={"backup": {"name": "renamed", "metadata": {"a": "b"}}})
    assert resp.status_code == 200 and resp.json()["backup"]["name"] == "renamed"
    shown = bk.show(made["id"], "member").json()["backup"]
    assert shown["name"] == "renamed" and shown["metadata"] == {"a": "b"}
    assert shown["description"] == "the first"
    assert bk.api().delete(f"/v3/backups/{made['id']}").status_code == 202
    bk.wait(made["id"], "deleted")
    assert bk.objects.objects == {}


def test_statuses_while_the_work_runs(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    bk.driver.delay = 0.4
    backup = bk.create(volume_id, wait=None)
    assert bk.vol.wait(volume_id, "backing-up")["status"] == "backing-up"
    assert bk.show(backup["id"]).json()["backup"]["status"] == "creating"
    # Busy: neither deleted nor restored, and the volume is not deleted either.
    assert bk.api().delete(f"/v3/backups/{backup['id']}").status_code == 400
    assert bk.api().delete(f"/v3/volumes/{volume_id}").status_code == 400
    bk.wait(backup["id"], "available")
    bk.vol.wait(volume_id, "available")
    resp = bk.api().post(f"/v3/backups/{backup['id']}/restore",
                         json={"restore": {"volume_id": volume_id}})
    assert resp.status_code == 202
    assert bk.vol.wait(volume_id, "restoring-backup")["status"] == "restoring-backup"
    assert bk.show(backup["id"]).json()["backup"]["status"] == "restoring"
    bk.wait(backup["id"], "available")
    bk.vol.wait(volume_id, "available")


def test_incremental_backups_store_only_what_changed(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST, 5 * CHUNK: SECOND, 100 * CHUNK: THIRD})
    full = bk.create(volume_id)
    before = bk.data(volume_id)
    # One chunk changes, one becomes zeros, one new chunk is written.
    bk.driver.write(volume_id, 5 * CHUNK + 10, b"changed")
    bk.driver.write(volume_id, 100 * CHUNK, bytes(len(THIRD)))
    bk.driver.write(volume_id, 300 * CHUNK, b"new data")
    incremental = bk.create(volume_id, incremental=True)
    assert incremental["is_incremental"] is True
    # The changed chunk and the new one, and the manifest.
    assert incremental["object_count"] == 3
    assert len(bk.objects.under(f"volume_{volume_id}/backup_{incremental['id']}")) == 3
    assert bk.show(full["id"]).json()["backup"]["has_dependent_backups"] is True
    resp = bk.api().delete(f"/v3/backups/{full['id']}")
    assert resp.status_code == 400 and "Incremental backups exist" in resp.text
    # The newest data is the next incremental backup's parent.
    after = bk.data(volume_id)
    unchanged = bk.create(volume_id, incremental=True)
    assert unchanged["object_count"] == 1
    for backup, expected in ((full, before), (incremental, after), (unchanged, after)):
        restored = bk.restore(backup["id"])
        assert bk.data(restored["volume_id"]) == expected
    # Deleted newest first; the parent's data goes last.
    for backup in (unchanged, incremental, full):
        assert bk.api().delete(f"/v3/backups/{backup['id']}").status_code == 202
        bk.wait(backup["id"], "deleted")
    assert bk.objects.objects == {}


def test_incremental_needs_a_backup_to_build_on(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    resp = bk.api().post("/v3/backups", json={"backup": {"volume_id": volume_id,
                                                         "incremental": True}})
    assert resp.status_code == 400
    assert "No backups available to do an incremental backup" in resp.text


def test_restore_into_a_new_volume(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST, 7 * CHUNK + 3: SECOND}, metadata={"role": "db"})
    backup = bk.create(volume_id)
    named = bk.restore(backup["id"], name="copy")
    new = bk.vol.wait(named["volume_id"], "available", "member")
    assert named["volume_name"] == "copy" and new["name"] == "copy" and new["size"] == 1
    assert new["metadata"] == {"role": "db"}
    assert bk.data(new["id"]) == bk.data(volume_id)
    unnamed = bk.restore(backup["id"])
    assert unnamed["volume_name"] == f"restore_backup_{backup['id']}"
    shown = bk.vol.wait(unnamed["volume_id"], "available", "member")
    assert shown["description"] == "auto-created_from_restore_from_backup"
    # A backup outlives its volume.
    assert bk.api().delete(f"/v3/volumes/{volume_id}").status_code == 202
    bk.vol.wait(volume_id, "deleted")
    again = bk.restore(backup["id"])
    assert bk.data(again["volume_id"]) == bk.data(new["id"])


def test_restore_into_an_existing_volume(bk: Backups) -> None:
    source = bk.volume_with({0: FIRST, 3 * CHUNK: THIRD}, metadata={"a": "backup"})
    backup = bk.create(source)
    target = bk.volume_with({0: b"old" * 100, 1500 * CHUNK: b"beyond"}, size=2,
                            metadata={"a": "target", "b": "kept"})
    done = bk.restore(backup["id"], volume_id=target, name="ignored")
    assert done["volume_id"] == target
    # The backup's bytes, zeros after them.
    assert bk.data(target) == bk.data(source)
    shown = bk.vol.wait(target, "available", "member")
    assert shown["metadata"] == {"a": "backup", "b": "kept"} and shown["size"] == 2
    small = bk.volume_with({})
    big = bk.volume_with({}, size=3)
    bk.create(big)
    big_backup = bk.api().get("/v3/backups/detail", params={"volume_id": big}).json()
    resp = bk.api().post(f"/v3/backups/{big_backup['backups'][0]['id']}/restore",
                         json={"restore": {"volume_id": small}})
    assert resp.status_code == 400 and "too small" in resp.text
    resp = bk.api().post(f"/v3/backups/{backup['id']}/restore",
                         json={"restore": {"volume_id": "00000000-0000-0000-0000-000000000000"}})
    assert resp.status_code == 404


def _attach(bk: Backups, volume_id: str) -> None:
    resp = bk.api().post(f"/v3/volumes/{volume_id}/action", json={"os-attach": {
        "instance_uuid": "11111111-2222-3333-4444-555555555555", "mountpoint": "/dev/vdb"}})
    assert resp.status_code == 202, resp.text
    bk.vol.wait(volume_id, "in-use")


def test_attached_volume_is_backed_up_with_force_through_a_snapshot(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST, 9 * CHUNK: SECOND})
    _attach(bk, volume_id)
    resp = bk.api().post("/v3/backups", json={"backup": {"volume_id": volume_id}})
    assert resp.status_code == 400 and "force" in resp.text
    made = []
    real = bk.driver.create_snapshot

    def watched(snapshot: dict[str, Any], volume: dict[str, Any]) -> dict[str, Any]:
        made.append(snapshot["id"])
        return real(snapshot, volume)

    bk.driver.create_snapshot = watched  # type: ignore[method-assign]
    backup = bk.create(volume_id, force=True)
    assert len(made) == 1 and bk.driver.snapshots == {}
    assert bk.vol.wait(volume_id, "in-use")["attachments"]
    restored = bk.restore(backup["id"])
    assert bk.data(restored["volume_id"]) == bk.data(volume_id)
    resp = bk.api().post(f"/v3/backups/{backup['id']}/restore",
                         json={"restore": {"volume_id": volume_id}})
    assert resp.status_code == 400 and "must be available" in resp.text


def test_backup_of_a_snapshot(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    resp = bk.api().post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id}})
    snap_id = resp.json()["snapshot"]["id"]
    deadline = time.monotonic() + 10
    while bk.api().get(f"/v3/snapshots/{snap_id}").json()["snapshot"]["status"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    at_snapshot = bk.data(volume_id)
    bk.driver.write(volume_id, 0, b"after the snapshot")
    backup = bk.create(volume_id, snapshot_id=snap_id)
    assert backup["snapshot_id"] == snap_id
    assert bk.api().get(f"/v3/snapshots/{snap_id}").json()["snapshot"]["status"] == "available"
    restored = bk.restore(backup["id"])
    assert bk.data(restored["volume_id"]) == at_snapshot != bk.data(volume_id)
    other = bk.volume_with({})
    resp = bk.api().post("/v3/backups", json={"backup": {"volume_id": other,
                                                         "snapshot_id": snap_id}})
    assert resp.status_code == 400 and "does not match" in resp.text


def test_listing_filters_sorts_and_pages(bk: Backups) -> None:
    first, second = bk.volume_with({0: FIRST}), bk.volume_with({})
    made = [bk.create(first, name="a"), bk.create(first, name="b"), bk.create(second, name="c")]
    member = bk.api()
    by_volume = member.get("/v3/backups/detail", params={"volume_id": first}).json()
    assert {b["name"] for b in by_volume["backups"]} == {"a", "b"}
    by_name = member.get("/v3/backups", params={"name": "c"}).json()["backups"]
    assert [b["id"] for b in by_name] == [made[2]["id"]]
    assert member.get("/v3/backups", params={"status": "error"}).json()["backups"] == []
    ordered = member.get("/v3/backups", params={"sort": "name:asc"}).json()["backups"]
    assert [b["name"] for b in ordered] == ["a", "b", "c"]
    page = member.get("/v3/backups", params={"sort": "name:asc", "limit": 2}).json()
    assert len(page["backups"]) == 2 and page["backups_links"][0]["rel"] == "next"
    rest = member.get("/v3/backups", params={"sort": "name:asc", "limit": 2,
                                             "marker": page["backups"][-1]["id"]}).json()
    assert [b["name"] for b in rest["backups"]] == ["c"]
    counted = member.get("/v3/backups", headers=V345, params={"with_count": "true"}).json()
    assert counted["count"] == 3
    assert member.get("/v3/backups", params={"sort": "nope:asc"}).status_code == 400
    # Whose a backup is: for admins only, from 3.18.
    admin = bk.api("admin").get("/v3/backups/detail", headers=LATEST,
                                params={"all_tenants": "1"}).json()["backups"]
    assert {b["os-backup-project-attr:project_id"] for b in admin} == {project_of("member")}
    assert {b["user_id"] for b in admin} == {"u-member"}
    assert "os-backup-project-attr:project_id" not in member.get(
        "/v3/backups/detail", headers=LATEST).json()["backups"][0]
    assert bk.api("admin").get("/v3/backups").json()["backups"] == []


def test_admin_actions(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    backup = bk.create(volume_id)
    url = f"/v3/backups/{backup['id']}/action"
    assert bk.api().post(url, json={"os-reset_status": {"status": "error"}}).status_code == 403
    resp = bk.api("admin").post(url, json={"os-reset_status": {"status": "creating"}})
    assert resp.status_code == 400 and "is invalid" in resp.text
    assert bk.api("admin").post(url, json={"os-reset_status": {"status": "ERROR"}}
                                ).status_code == 202
    assert bk.show(backup["id"]).json()["backup"]["status"] == "error"
    assert bk.api().post(url, json={"os-force_delete": {}}).status_code == 403
    assert bk.api("admin").post(url, json={"os-nope": {}}).status_code == 400
    # Forced, whatever the backup is doing.
    bk.driver.delay = 0.3
    busy = bk.create(volume_id, wait=None)
    resp = bk.api("admin").post(f"/v3/backups/{busy['id']}/action",
                                json={"os-force_delete": None})
    assert resp.status_code == 202
    bk.wait(busy["id"], "deleted")
    bk.vol.wait(volume_id, "available")
    bk.driver.delay = 0
    assert bk.api().delete(f"/v3/backups/{backup['id']}").status_code == 202
    bk.wait(backup["id"], "deleted")
    deadline = time.monotonic() + 5
    while bk.objects.objects and time.monotonic() < deadline:
        time.sleep(0.02)
    assert bk.objects.objects == {}


def test_a_volume_made_from_a_backup(bk: Backups) -> None:
    v347 = {"OpenStack-API-Version": "volume 3.47"}
    volume_id = bk.volume_with({0: FIRST, 2 * CHUNK: SECOND}, size=2)
    backup = bk.create(volume_id)
    member = bk.api()
    resp = member.post("/v3/volumes", headers=v347, json={"volume": {
        "backup_id": backup["id"], "name": "from-backup", "metadata": {"m": "1"}}})
    assert resp.status_code == 202, resp.text
    made = resp.json()["volume"]
    assert made["name"] == "from-backup" and made["size"] == 2
    assert made["status"] == "restoring-backup"
    bk.wait(backup["id"], "available")
    assert bk.vol.wait(made["id"], "available")["metadata"] == {"m": "1"}
    assert bk.data(made["id"]) == bk.data(volume_id)
    for extra, words in (({"size": 1}, "cannot be smaller"),
                         ({"source_volid": volume_id}, "only one of")):
        resp = member.post("/v3/volumes", headers=v347, json={"volume": {
            "backup_id": backup["id"], **extra}})
        assert resp.status_code == 400 and words in resp.text, resp.text
    # Before 3.47 the member is not one: an ordinary volume, of the size asked for.
    resp = member.post("/v3/volumes", json={"volume": {"backup_id": backup["id"], "size": 1}})
    assert resp.status_code == 202
    assert bk.data(bk.vol.wait(resp.json()["volume"]["id"], "available")["id"]) == {}
