"""Managing a backend's storage: unmanage a volume and manage it back, the manageable listings
(3.8), snapshots likewise, the file backend's files, and the faults."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from nimbus.volume.drivers.file import FileDriver
from nimbus.volume.errors import ManageExistingInvalidReference

COVERS = [("volume", "os-volume-manage and os-unmanage, manageable_volumes (3.8), "
                     "os-snapshot-manage and manageable_snapshots, on the fake and file "
                     "backends")]

V = {"OpenStack-API-Version": "volume 3.8"}


def _host(vol: Any, volume_id: str) -> str:
    shown = vol.as_("admin").get(f"/v3/volumes/{volume_id}").json()["volume"]
    return str(shown["os-vol-host-attr:host"])


def test_unmanage_and_manage_a_volume_back(vol: Any) -> None:
    admin = vol.as_("admin")
    original = vol.create("member", size=2, name="keep")
    host = _host(vol, original["id"])
    resp = admin.post(f"/v3/volumes/{original['id']}/action", json={"os-unmanage": None})
    assert resp.status_code == 202
    assert admin.get(f"/v3/volumes/{original['id']}").status_code == 404
    # The backend still holds it, and says it may be managed.
    listed = admin.get("/v3/manageable_volumes/detail", params={"host": host}, headers=V).json()
    entry = {"reference": {"source-name": f"volume-{original['id']}"}, "size": 2,
             "safe_to_manage": True, "reason_not_safe": None, "cinder_id": None,
             "extra_info": None}
    assert listed == {"manageable-volumes": [entry]}
    summary = admin.get("/v3/manageable_volumes", params={"host": host}, headers=V).json()
    assert summary["manageable-volumes"] == [{"reference": entry["reference"], "size": 2,
                                              "safe_to_manage": True}]
    resp = admin.post("/v3/os-volume-manage", json={"volume": {
        "host": host, "ref": {"source-name": f"volume-{original['id']}"}, "name": "back",
        "volume_type": "__DEFAULT__", "availability_zone": "nova", "metadata": {"a": "b"}}})
    assert resp.status_code == 202, resp.text
    managed = resp.json()["volume"]
    assert managed["id"] != original["id"] and managed["status"] == "available"
    assert (managed["size"], managed["name"], managed["os-vol-host-attr:host"]) == (2, "back",
                                                                                    host)
    # The base fields only, whatever the microversion (as Cinder answers).
    assert "group_id" not in managed
    again = admin.get("/v3/manageable_volumes/detail", params={"host": host}, headers=V).json()
    assert again["manageable-volumes"][0]["cinder_id"] == managed["id"]
    assert again["manageable-volumes"][0]["safe_to_manage"] is False
    resp = admin.post("/v3/manageable_volumes", headers=V, json={"volume": {
        "host": host, "ref": {"source-name": f"volume-{managed['id']}"}}})
    assert resp.status_code == 400 and "already managed" in resp.text
    # The managed volume works as any other: it snapshots and deletes.
    assert admin.delete(f"/v3/volumes/{managed['id']}").status_code == 202
    vol.wait(managed["id"], "deleted")
    assert admin.get("/v3/manageable_volumes", params={"host": host},
                     headers=V).json()["manageable-volumes"] == []


def test_manage_faults(vol: Any) -> None:
    admin = vol.as_("admin")
    volume = vol.create("member")
    host = _host(vol, volume["id"])
    resp = admin.post("/v3/os-volume-manage", json={"volume": {
        "host": host, "ref": {"source-name": "volume-nope"}}})
    assert resp.status_code == 400 and "volume-nope" in resp.text
    # A host no volume service runs on is bad input (404); a backend that is there but
    # disabled is Cinder's 503.
    resp = admin.post("/v3/os-volume-manage", json={"volume": {
        "host": "nowhere@fake", "ref": {"source-name": "x"}}})
    assert resp.status_code == 404 and "nowhere@fake" in resp.text
    backend = host.split("#")[0]
    assert admin.put("/v3/os-services/disable", json={
        "host": backend, "binary": "cinder-volume"}).status_code == 200
    resp = admin.post("/v3/os-volume-manage", json={"volume": {
        "host": host, "ref": {"source-name": "x"}}})
    assert resp.status_code == 503 and backend in resp.text
    assert admin.put("/v3/os-services/enable", json={
        "host": backend, "binary": "cinder-volume"}).status_code == 200
    resp = admin.post("/v3/os-volume-manage", json={"volume": {
        "host": host, "ref": {"source-name": "x"}, "volume_type": "nosuch"}})
    assert resp.status_code == 400 and "nosuch" in resp.text
    assert admin.post("/v3/os-volume-manage", json={"volume": {"host": host}}).status_code == 400
    assert admin.get("/v3/manageable_volumes", headers=V).status_code == 400
    assert admin.get("/v3/manageable_volumes", params={"host": host}).status_code == 404
    assert admin.get("/v3/manageable_volumes", params={"host": host, "sort_keys": "color"},
                     headers=V).status_code == 400
    # A volume with snapshots, or attached, is not let go.
    snap = vol.as_("member").post("/v3/snapshots", json={"snapshot": {
        "volume_id": volume["id"]}}).json()["snapshot"]
    resp = admin.post(f"/v3/volumes/{volume['id']}/action", json={"os-unmanage": {}})
    assert resp.status_code == 400 and "snapshots" in resp.text
    assert snap["volume_id"] == volume["id"]


def test_manage_protection(vol: Any) -> None:
    volume = vol.create("member")
    host = _host(vol, volume["id"])
    for persona in ("member", "reader"):
        client = vol.as_(persona)
        assert client.post(f"/v3/volumes/{volume['id']}/action",
                           json={"os-unmanage": None}).status_code == 403
        assert client.post("/v3/os-volume-manage", json={"volume": {
            "host": host, "ref": {"source-name": "x"}}}).status_code == 403
        assert client.get("/v3/manageable_volumes", params={"host": host}, headers=V).status_code == 403
        assert client.get("/v3/manageable_snapshots", params={"host": host},
                          headers=V).status_code == 403
        assert client.post("/v3/os-snapshot-manage", json={"snapshot": {
            "volume_id": volume["id"], "ref": {"source-name": "x"}}}).status_code == 403
    assert vol.as_("other").post(f"/v3/volumes/{volume['id']}/action",
                                 json={"os-unmanage": None}).status_code == 404


def test_unmanage_and_manage_a_snapshot_back(vol: Any) -> None:
    admin = vol.as_("admin")
    volume = vol.create("member", size=3)
    host = _host(vol, volume["id"])
    snap = vol.as_("member").post("/v3/snapshots", json={"snapshot": {
        "volume_id": volume["id"]}}).json()["snapshot"]
    for _ in range(500):
        if admin.get(f"/v3/snapshots/{snap['id']}").json()["snapshot"]["status"] == "available":
            break
    assert admin.post(f"/v3/snapshots/{snap['id']}/action",
                      json={"os-unmanage": None}).status_code == 202
    assert admin.get(f"/v3/snapshots/{snap['id']}").status_code == 404
    listed = admin.get("/v3/manageable_snapshots/detail", params={"host": host},
                           headers=V).json()
    assert listed["manageable-snapshots"] == [{
        "reference": {"source-name": f"snapshot-{snap['id']}"}, "size": 3,
        "safe_to_manage": True, "reason_not_safe": None, "cinder_id": None, "extra_info": None,
        "source_reference": {"source-name": f"volume-{volume['id']}"}}]
    resp = admin.post("/v3/os-snapshot-manage", json={"snapshot": {
        "volume_id": volume["id"], "ref": {"source-name": f"snapshot-{snap['id']}"},
        "name": "back", "description": "d", "metadata": {"k": "v"}}})
    assert resp.status_code == 202, resp.text
    managed = resp.json()["snapshot"]
    assert set(managed) == {"id", "volume_id", "name", "description", "status", "size",
                            "metadata", "created_at", "updated_at"}
    assert (managed["size"], managed["name"], managed["metadata"]) == (3, "back", {"k": "v"})
    assert managed["status"] == "available"
    resp = admin.post("/v3/os-snapshot-manage", json={"snapshot": {
        "volume_id": volume["id"], "ref": {"source-name": "snapshot-nope"}}})
    assert resp.status_code == 400
    assert admin.post("/v3/os-snapshot-manage", json={"snapshot": {
        "volume_id": "nope", "ref": {"source-name": "x"}}}).status_code == 404


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img is not installed")
def test_the_file_backend_manages_its_files(tmp_path: Path) -> None:
    driver = FileDriver({"state_dir": str(tmp_path)})
    driver.start()
    ours = {"id": "v1", "name": "volume-v1", "size": 1}
    driver.create_volume(ours)
    # A file an operator put there, not a whole number of GiB.
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(tmp_path / "legacy.qcow2"),
                    "1536M"], check=True)
    listed = driver.list_manageable_volumes({"volume-v1": "v1"})
    assert [(e["reference"]["source-name"], e["size"], e["safe_to_manage"])
            for e in listed] == [("legacy", 2, True), ("volume-v1", 1, False)]
    new = {"id": "v2", "name": "volume-v2", "size": 2}
    assert driver.manage_existing_get_size(new, {"source-name": "legacy.qcow2"}) == 2
    update = driver.manage_existing(new, {"source-name": "legacy"})
    assert update["provider_location"] == str(tmp_path / "volume-v2.qcow2")
    assert not (tmp_path / "legacy.qcow2").exists()
    assert driver._size(tmp_path / "volume-v2.qcow2") == 2 * 1024 ** 3
    for bad in ({"source-name": "../etc/passwd"}, {"source-name": "nothere"},
                {"source-name": "snapshot-x"}, {}):
        with pytest.raises(ManageExistingInvalidReference):
            driver.manage_existing_get_size(new, bad)
    snapshot = {"id": "s1"}
    driver.create_snapshot(snapshot, ours)
    assert [e["reference"] for e in driver.list_manageable_snapshots({})] == [
        {"source-name": "snapshot-s1"}]
    driver.manage_existing_snapshot({"id": "s2"}, ours, {"source-name": "snapshot-s1"})
    assert (tmp_path / "snapshot-s2.qcow2").exists()
    assert driver.list_manageable_snapshots({"snapshot-s2": "s2"})[0]["cinder_id"] == "s2"
