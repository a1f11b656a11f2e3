"""Who may do what: admin, member, reader and another project's member, per resource."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.volume.conftest import LATEST


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 200), ("member", 200), ("reader", 200), ("other", 404),
])
def test_show_volume(vol: Any, persona: str, expected: int) -> None:
    volume_id = vol.create("member")["id"]
    assert vol.as_(persona).get(f"/v3/volumes/{volume_id}").status_code == expected


def test_reader_cannot_write(vol: Any) -> None:
    volume_id = vol.create("member")["id"]
    reader = vol.as_("reader")
    resp = reader.post("/v3/volumes", json={"volume": {"size": 1}})
    assert resp.status_code == 403 and "forbidden" in resp.json()
    assert reader.put(f"/v3/volumes/{volume_id}",
                      json={"volume": {"name": "x"}}).status_code == 403
    assert reader.delete(f"/v3/volumes/{volume_id}").status_code == 403
    assert reader.post(f"/v3/volumes/{volume_id}/action",
                       json={"os-extend": {"new_size": 5}}).status_code == 403
    assert reader.post("/v3/attachments", headers=LATEST, json={
        "attachment": {"volume_uuid": volume_id, "instance_uuid": "s"}}).status_code == 403
    assert reader.post(f"/v3/volumes/{volume_id}/metadata",
                       json={"metadata": {"a": "b"}}).status_code == 403


def test_other_project_sees_404_everywhere(vol: Any) -> None:
    volume_id = vol.create("member")["id"]
    other = vol.as_("other")
    assert other.get(f"/v3/volumes/{volume_id}").json()["itemNotFound"]["code"] == 404
    assert other.put(f"/v3/volumes/{volume_id}",
                     json={"volume": {"name": "x"}}).status_code == 404
    assert other.delete(f"/v3/volumes/{volume_id}").status_code == 404
    assert other.post(f"/v3/volumes/{volume_id}/action",
                      json={"os-reserve": None}).status_code == 404
    assert other.get(f"/v3/volumes/{volume_id}/metadata").status_code == 404
    assert other.post("/v3/attachments", headers=LATEST, json={
        "attachment": {"volume_uuid": volume_id, "instance_uuid": "s"}}).status_code == 404
    assert other.get("/v3/volumes").json()["volumes"] == []


def test_other_project_cannot_touch_attachment(vol: Any) -> None:
    volume_id = vol.create("member")["id"]
    resp = vol.as_("member").post("/v3/attachments", headers=LATEST, json={
        "attachment": {"volume_uuid": volume_id, "instance_uuid": "s"}})
    att_id = resp.json()["attachment"]["id"]
    other = vol.as_("other")
    assert other.get(f"/v3/attachments/{att_id}", headers=LATEST).status_code == 404
    assert other.delete(f"/v3/attachments/{att_id}", headers=LATEST).status_code == 404
    assert vol.as_("reader").delete(f"/v3/attachments/{att_id}",
                                    headers=LATEST).status_code == 403
    assert other.get("/v3/attachments", headers=LATEST).json()["attachments"] == []


def test_admin_acts_on_any_project(vol: Any) -> None:
    volume_id = vol.create("member")["id"]
    admin = vol.as_("admin")
    assert admin.put(f"/v3/volumes/{volume_id}",
                     json={"volume": {"name": "by-admin"}}).status_code == 200
    assert admin.post(f"/v3/volumes/{volume_id}/action",
                      json={"os-reset_status": {"status": "error"}}).status_code == 202
    assert vol.as_("member").post(f"/v3/volumes/{volume_id}/action",
                                  json={"os-reset_status": {"status": "available"}}
                                  ).status_code == 403
    assert admin.delete(f"/v3/volumes/{volume_id}").status_code == 202


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 200), ("member", 403), ("reader", 403), ("other", 403),
])
def test_type_create(vol: Any, persona: str, expected: int) -> None:
    resp = vol.as_(persona).post("/v3/types", json={"volume_type": {"name": f"t-{persona}"}})
    assert resp.status_code == expected


@pytest.mark.parametrize("persona", ["admin", "member", "reader", "other"])
def test_type_list_for_everyone(vol: Any, persona: str) -> None:
    resp = vol.as_(persona).get("/v3/types")
    assert resp.status_code == 200
    assert "__DEFAULT__" in [t["name"] for t in resp.json()["volume_types"]]


def test_snapshot_protection(vol: Any) -> None:
    volume_id = vol.create("member")["id"]
    resp = vol.as_("member").post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id}})
    assert resp.status_code == 202
    snap_id = resp.json()["snapshot"]["id"]
    assert vol.as_("reader").get(f"/v3/snapshots/{snap_id}").status_code == 200
    assert vol.as_("reader").delete(f"/v3/snapshots/{snap_id}").status_code == 403
    assert vol.as_("other").get(f"/v3/snapshots/{snap_id}").status_code == 404
    assert vol.as_("other").post("/v3/snapshots", json={
        "snapshot": {"volume_id": volume_id}}).status_code == 404


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 200), ("member", 200), ("reader", 200), ("other", 403),
])
def test_quota_show(vol: Any, persona: str, expected: int, member_project: str) -> None:
    resp = vol.as_(persona).get(f"/v3/os-quota-sets/{member_project}")
    assert resp.status_code == expected


def test_services_admin_only(vol: Any) -> None:
    assert vol.as_("member").get("/v3/os-services").status_code == 403
    services = vol.as_("admin").get("/v3/os-services").json()["services"]
    assert services[0]["binary"] == "cinder-volume" and services[0]["state"] == "up"


def test_no_token_is_401(vol: Any) -> None:
    resp = vol.api.as_(None).get("/v3/volumes")
    assert resp.status_code == 401


# -- backups and transfers, per persona ------------------------------------------------------
@pytest.mark.parametrize(("persona", "show", "delete"), [
    ("admin", 200, 202), ("member", 200, 202), ("reader", 200, 403), ("other", 404, 404),
])
def test_backups_per_persona(vol: Any, persona: str, show: int, delete: int) -> None:
    from tests.unit.volume.backup_support import Backups

    bk = Backups(vol)
    volume_id = vol.create("member")["id"]
    backup_id = bk.create(volume_id)["id"]
    who = vol.as_(persona)
    assert who.get(f"/v3/backups/{backup_id}", headers=LATEST).status_code == show
    # An admin lists another project's only when asking for all of them, as in Cinder.
    every = "?all_tenants=1" if persona == "admin" else ""
    listed = who.get(f"/v3/backups{every}", headers=LATEST).json()["backups"]
    assert (backup_id in [b["id"] for b in listed]) is (show == 200)
    restored = who.post(f"/v3/backups/{backup_id}/restore", headers=LATEST,
                        json={"restore": {"name": "r"}})
    assert restored.status_code == {"reader": 403, "other": 404}.get(persona, 202)
    if persona in ("admin", "member"):
        bk.wait(backup_id, "available")
    assert who.delete(f"/v3/backups/{backup_id}", headers=LATEST).status_code == delete


@pytest.mark.parametrize(("persona", "show", "delete"), [
    ("admin", 200, 202), ("member", 200, 202), ("reader", 200, 403), ("other", 404, 404),
])
def test_transfers_per_persona(vol: Any, persona: str, show: int, delete: int) -> None:
    volume_id = vol.create("member")["id"]
    made = vol.as_("member").post("/v3/volume-transfers", headers=LATEST, json={
        "transfer": {"volume_id": volume_id, "name": "t"}})
    assert made.status_code == 202, made.text
    transfer_id = made.json()["transfer"]["id"]
    who = vol.as_(persona)
    assert who.get(f"/v3/volume-transfers/{transfer_id}", headers=LATEST).status_code == show
    every = "?all_tenants=1" if persona == "admin" else ""
    listed = who.get(f"/v3/volume-transfers{every}", headers=LATEST).json()["transfers"]
    assert (transfer_id in [t["id"] for t in listed]) is (show == 200)
    assert who.delete(f"/v3/volume-transfers/{transfer_id}",
                      headers=LATEST).status_code == delete
