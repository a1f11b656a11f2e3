"""Volume backups, continued: export and import of backup records, what fails and how it says
so, who may do what, the quotas, and what the agent's start-up reconciliation does."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from nimbus.core.db.base import utcnow
from nimbus.volume.agent import Reconciler
from nimbus.volume.db.models import Backup
from tests.support.personas import project_of
from tests.unit.volume.backup_support import LATEST, Backups

COVERS = [("volume", "backup export_record / import_record (admin), imported data checked"),
          ("volume", "backup faults: object store down, data gone, busy, refused input"),
          ("volume", "backup protection: admin, member, reader, another project"),
          ("volume", "backup quotas (backups, backup_gigabytes) and limits usage"),
          ("volume", "backups in flight when the volume agent restarts")]

FIRST = b"first chunk " * 1000


@pytest.fixture
def bk(vol: Any) -> Backups:
    return Backups(vol)


def _record(url: str) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(url)))


def _url(record: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(record).encode()).decode()


def _import(bk: Backups, service: str, url: str, persona: str = "admin") -> Any:
    return bk.api(persona).post("/v3/backups/import_record", json={
        "backup-record": {"backup_service": service, "backup_url": url}})


def test_export_and_import(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    backup = bk.create(volume_id, name="exported")
    assert bk.api().get(f"/v3/backups/{backup['id']}/export_record").status_code == 403
    resp = bk.api("admin").get(f"/v3/backups/{backup['id']}/export_record")
    assert resp.status_code == 200, resp.text
    exported = resp.json()["backup-record"]
    assert exported["backup_service"].startswith("cinder.backup.drivers")
    record = _record(exported["backup_url"])
    assert record["id"] == backup["id"] and record["display_name"] == "exported"
    # The same record again is refused; under another id it is a second backup of the data.
    resp = _import(bk, exported["backup_service"], exported["backup_url"])
    assert resp.status_code == 400 and "already exists" in resp.text
    new_id = str(uuid.uuid4())
    resp = _import(bk, exported["backup_service"], _url({**record, "id": new_id}))
    assert resp.status_code == 201, resp.text
    assert resp.json()["backup"]["id"] == new_id
    imported = bk.wait(new_id, "available")
    assert imported["name"] == "exported" and imported["volume_id"] == volume_id
    restored = bk.restore(new_id, persona="admin")
    assert bk.data(restored["volume_id"]) == bk.data(volume_id)
    # After a database loss, the record brings the backup back under its own id.
    with bk.vol.cloud.db.writer() as s:
        s.delete(s.get(Backup, backup["id"]))
    assert _import(bk, exported["backup_service"], exported["backup_url"]).status_code == 201
    assert bk.wait(backup["id"], "available")["name"] == "exported"
    # A record whose data is not in the object store: the import fails, saying so.
    gone = {**record, "id": str(uuid.uuid4()),
            "service_metadata": f"volume_{volume_id}/backup_{uuid.uuid4()}"}
    assert _import(bk, exported["backup_service"], _url(gone)).status_code == 201
    failed = bk.wait(gone["id"], "error")
    assert "Import failed" in failed["fail_reason"]


@pytest.mark.parametrize(("change", "words"), [
    ({"service_metadata": "images/anything"}, "no backup data of this cloud"),
    ({"container": "a/b"}, "no valid container"),
    ({"size": "big"}, "not a valid number"),
    ({"id": "x" * 40}, "not a valid id"),
    ({"display_name": None, "display_description": None, "metadata": {"k": 1}}, "metadata"),
])
def test_import_refuses_bad_records(bk: Backups, change: dict[str, Any], words: str) -> None:
    record = {"id": str(uuid.uuid4()), "display_name": "n", "display_description": "d",
              "container": "c", "size": 1, "object_count": 2,
              "service_metadata": f"volume_{uuid.uuid4()}/backup_{uuid.uuid4()}", **change}
    service = "cinder.backup.drivers.swift.SwiftBackupDriver"
    resp = _import(bk, service, _url(record))
    assert resp.status_code == 400 and words in resp.text, resp.text
    assert _import(bk, "cinder.backup.drivers.nfs", _url(record)).status_code == 400
    assert _import(bk, service, "not base64!").status_code == 400
    del record["object_count"]
    resp = _import(bk, service, _url(record))
    assert resp.status_code == 400 and "missing fields" in resp.text


def test_object_store_down(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    bk.objects.failing = True
    failed = bk.create(volume_id, wait="error")
    assert "object store" in failed["fail_reason"]
    assert bk.vol.wait(volume_id, "available")["status"] == "available"
    messages = bk.api().get("/v3/messages", headers=LATEST,
                            params={"resource_uuid": failed["id"]}).json()["messages"]
    assert [m["resource_type"] for m in messages] == ["VOLUME_BACKUP"]
    bk.objects.failing = False
    backup = bk.create(volume_id)
    bk.objects.failing = True
    assert bk.api().delete(f"/v3/backups/{backup['id']}").status_code == 202
    assert "object store" in bk.wait(backup["id"], "error")["fail_reason"]
    bk.objects.failing = False
    # An errored backup may be deleted again.
    assert bk.api().delete(f"/v3/backups/{backup['id']}").status_code == 202
    bk.wait(backup["id"], "deleted")


def test_restore_of_lost_data_fails_the_volume_not_the_backup(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    backup = bk.create(volume_id)
    bk.objects.objects = {k: v for k, v in bk.objects.objects.items()
                          if not k[1].endswith("chunk-00000000")}
    resp = bk.api().post(f"/v3/backups/{backup['id']}/restore",
                         json={"restore": {"volume_id": volume_id}})
    assert resp.status_code == 202
    bk.vol.wait(volume_id, "error_restoring")
    assert bk.wait(backup["id"], "available")["status"] == "available"


def test_refused_requests(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    member = bk.api()
    for body, status in [
        ({"volume_id": "00000000-0000-0000-0000-000000000000"}, 404),
        ({"volume_id": "not-a-uuid"}, 400),
        ({"volume_id": volume_id, "unknown": 1}, 400),
        ({"volume_id": volume_id, "container": "a/b"}, 400),
        ({"volume_id": volume_id, "incremental": "maybe"}, 400),
        ({"volume_id": volume_id, "snapshot_id": "00000000-0000-0000-0000-000000000000"}, 404),
    ]:
        resp = member.post("/v3/backups", json={"backup": body})
        assert resp.status_code == status, (body, resp.text)
    # ``metadata`` only from 3.43, ``availability_zone`` only from 3.51.
    assert member.post("/v3/backups", json={"backup": {
        "volume_id": volume_id, "metadata": {"a": "b"}}}).status_code == 400
    assert member.post("/v3/backups", headers={"OpenStack-API-Version": "volume 3.51"},
                       json={"backup": {"volume_id": volume_id,
                                        "availability_zone": "elsewhere"}}).status_code == 400
    assert member.get("/v3/backups/nope").status_code == 404
    assert member.post("/v3/backups/nope/restore", json={"restore": {}}).status_code == 404


@pytest.mark.parametrize(("persona", "show", "write", "admin_only"), [
    ("admin", 200, 202, 202), ("member", 200, 202, 403), ("reader", 200, 403, 403),
    ("other", 404, 404, 404),
])
def test_protection(bk: Backups, persona: str, show: int, write: int, admin_only: int) -> None:
    volume_id = bk.volume_with({0: FIRST})
    backup = bk.create(volume_id)
    url = f"/v3/backups/{backup['id']}"
    client = bk.api(persona)
    assert client.get(url).status_code == show
    listed = client.get("/v3/backups").json()["backups"]
    assert bool(listed) == (persona in ("member", "reader"))
    create = client.post("/v3/backups", json={"backup": {"volume_id": volume_id}})
    assert create.status_code == write
    if create.status_code == 202:
        bk.wait(create.json()["backup"]["id"], "available")
    assert client.put(url, headers=LATEST, json={"backup": {"name": "x"}}).status_code == (
        200 if write == 202 else write)
    restore = client.post(f"{url}/restore", json={"restore": {"name": "r"}})
    assert restore.status_code == write
    if restore.status_code == 202:
        bk.wait(backup["id"], "available")
    assert client.get(f"{url}/export_record").status_code == (
        200 if admin_only == 202 else admin_only)
    assert client.post(f"{url}/action", json={
        "os-reset_status": {"status": "available"}}).status_code == admin_only
    assert _import(bk, "x", "eA==", persona).status_code == (400 if persona == "admin"
                                                             else 403)
    assert client.delete(url).status_code == write


def test_quotas(bk: Backups) -> None:
    project = project_of("member")
    volume_id = bk.volume_with({0: FIRST})
    big = bk.volume_with({}, size=3)
    resp = bk.api("admin").put(f"/v3/os-quota-sets/{project}", json={
        "quota_set": {"backups": 2, "backup_gigabytes": 3}})
    assert resp.status_code == 200, resp.text
    bk.create(volume_id)
    resp = bk.api().post("/v3/backups", json={"backup": {"volume_id": big}})
    assert resp.status_code == 413 and "Backup gigabytes quota" in resp.text
    bk.create(volume_id)
    resp = bk.api().post("/v3/backups", json={"backup": {"volume_id": volume_id}})
    assert resp.status_code == 413 and "Maximum number of backups allowed (2)" in resp.text
    limits = bk.api().get("/v3/limits").json()["limits"]["absolute"]
    assert limits["totalBackupsUsed"] == 2 and limits["totalBackupGigabytesUsed"] == 2
    usage = bk.api().get(f"/v3/os-quota-sets/{project}", params={"usage": "true"}).json()
    assert usage["quota_set"]["backups"]["in_use"] == 2
    # The volume a restore makes counts against the volume quotas.
    bk.api("admin").put(f"/v3/os-quota-sets/{project}", json={"quota_set": {"volumes": 2}})
    backup_id = bk.api().get("/v3/backups").json()["backups"][0]["id"]
    resp = bk.api().post(f"/v3/backups/{backup_id}/restore", json={"restore": {}})
    assert resp.status_code == 413


def test_agent_restart_settles_backups_in_flight(bk: Backups) -> None:
    volume_id = bk.volume_with({0: FIRST})
    done = bk.create(volume_id)
    host = bk.ops.work.host
    rows = {status: str(uuid.uuid4()) for status in ("creating", "deleting", "restoring")}
    with bk.vol.cloud.db.writer() as s:
        for status, backup_id in rows.items():
            s.add(Backup(id=backup_id, project_id=project_of("member"), volume_id=volume_id,
                         status=status, size=1, host=host, container="volumebackups",
                         service_metadata=f"volume_{volume_id}/backup_{backup_id}",
                         temp_snapshot_id="temp-1" if status == "creating" else None,
                         updated_at=utcnow()))
    reconciler = next(w for w in bk.vol.cloud.runtimes["volume"].workers
                      if isinstance(w, Reconciler))
    assert reconciler.run() >= 3
    reconciler.wait(timeout=10)
    failed = bk.show(rows["creating"]).json()["backup"]
    assert failed["status"] == "error" and "restarted" in failed["fail_reason"]
    assert bk.show(rows["restoring"]).json()["backup"]["status"] == "available"
    bk.wait(rows["deleting"], "deleted")
    assert bk.show(done["id"]).json()["backup"]["status"] == "available"
