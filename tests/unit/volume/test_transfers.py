"""Volume transfers (``/os-volume-transfer`` and, 3.55, ``/volume-transfers``): a volume offered
by its project waits ``awaiting-transfer``; the project that shows the offer's auth key takes it
(and its snapshots, and their quota) unless the offer is withdrawn."""

from __future__ import annotations

import time
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from nimbus.volume.schemas import transfers as schema
from tests.support.personas import project_of, user_of

COVERS = [("volume", "volume transfers: create, list, detail, show, accept with auth key, "
                     "delete (os-volume-transfer and volume-transfers 3.55/3.57)")]

V355 = {"OpenStack-API-Version": "volume 3.55"}
V357 = {"OpenStack-API-Version": "volume 3.57"}
V370 = {"OpenStack-API-Version": "volume 3.70"}
ROUTES = ["os-volume-transfer", "volume-transfers"]


def _offer(vol: Any, volume_id: str, route: str = "os-volume-transfer",
           headers: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    resp = vol.as_("member").post(f"/v3/{route}", headers=headers or {},
                                  json={"transfer": {"volume_id": volume_id, **extra}})
    assert resp.status_code == 202, resp.text
    return dict(resp.json()["transfer"])


def _usage(vol: Any, persona: str) -> dict[str, int]:
    body = vol.as_("admin").get(f"/v3/os-quota-sets/{project_of(persona)}",
                                params={"usage": "true"}).json()["quota_set"]
    return {k: body[k]["in_use"] for k in ("volumes", "snapshots", "gigabytes")}


def _snapshot(vol: Any, volume_id: str) -> str:
    resp = vol.as_("member").post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id}})
    snap_id = str(resp.json()["snapshot"]["id"])
    for _ in range(500):
        if vol.as_("member").get(f"/v3/snapshots/{snap_id}").json()["snapshot"][
                "status"] == "available":
            return snap_id
        time.sleep(0.02)
    raise AssertionError("snapshot never available")


@pytest.mark.parametrize("body", [schema.CREATE_LEGACY, schema.ACCEPT,
                                  *[s for _, s in schema.CREATE.schemas]])
def test_schemas_are_valid_json_schema(body: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(body)


@pytest.mark.parametrize("route", ROUTES)
def test_offer_and_accept(vol: Any, route: str) -> None:
    volume = vol.create(size=2)
    snap_id = _snapshot(vol, volume["id"])
    before = _usage(vol, "other")
    made = _offer(vol, volume["id"], route, name=" gift ")
    assert made["name"] == "gift" and made["volume_id"] == volume["id"]
    assert set(made) == {"id", "created_at", "name", "volume_id", "auth_key", "links"}
    assert made["links"][0]["href"].endswith(f"/os-volume-transfer/{made['id']}")
    assert vol.wait(volume["id"], "awaiting-transfer", "member")
    member = vol.as_("member")
    shown = member.get(f"/v3/{route}/{made['id']}").json()["transfer"]
    # The key is told once.
    assert "auth_key" not in shown and shown["volume_id"] == volume["id"]
    assert [t["id"] for t in member.get(f"/v3/{route}").json()["transfers"]] == [made["id"]]
    detail = member.get(f"/v3/{route}/detail").json()["transfers"]
    assert detail == [shown]
    # Another project neither lists nor sees it, but takes it with the key.
    other = vol.as_("other")
    assert other.get(f"/v3/{route}").json()["transfers"] == []
    assert other.get(f"/v3/{route}/{made['id']}").status_code == 404
    wrong = other.post(f"/v3/{route}/{made['id']}/accept", json={"accept": {"auth_key": "x"}})
    assert wrong.status_code == 400
    assert f"Invalid auth key: Attempt to transfer {made['id']} with invalid auth key." in (
        wrong.text)
    taken = other.post(f"/v3/{route}/{made['id']}/accept",
                       json={"accept": {"auth_key": made["auth_key"]}})
    assert taken.status_code == 202, taken.text
    assert set(taken.json()["transfer"]) == {"id", "name", "volume_id", "links"}
    moved = vol.wait(volume["id"], "available", "other")
    assert moved["user_id"] == user_of("other")
    assert member.get(f"/v3/volumes/{volume['id']}").status_code == 404
    assert other.get(f"/v3/snapshots/{snap_id}").status_code == 200
    after = _usage(vol, "other")
    assert after == {"volumes": before["volumes"] + 1, "snapshots": before["snapshots"] + 1,
                     "gigabytes": before["gigabytes"] + 4}
    assert _usage(vol, "member") == {"volumes": 0, "snapshots": 0, "gigabytes": 0}
    # The offer is gone once taken.
    assert other.post(f"/v3/{route}/{made['id']}/accept", json={
        "accept": {"auth_key": made["auth_key"]}}).status_code == 404
    assert member.get(f"/v3/{route}/{made['id']}").status_code == 404


def test_withdraw(vol: Any) -> None:
    volume_id = vol.create()["id"]
    made = _offer(vol, volume_id)
    assert vol.as_("member").delete(f"/v3/os-volume-transfer/{made['id']}").status_code == 202
    assert vol.wait(volume_id, "available", "member")
    assert vol.as_("member").get(f"/v3/os-volume-transfer/{made['id']}").status_code == 404
    # While offered, the volume cannot be deleted.
    again = _offer(vol, volume_id)
    busy = vol.as_("member").delete(f"/v3/volumes/{volume_id}")
    assert busy.status_code == 400
    assert vol.as_("admin").delete(f"/v3/volume-transfers/{again['id']}").status_code == 202


def test_microversion_fields_and_no_snapshots(vol: Any) -> None:
    volume_id = vol.create()["id"]
    snap_id = _snapshot(vol, volume_id)
    # ``no_snapshots`` is the v3 route's from 3.55; the legacy route never takes it.
    assert vol.as_("member").post("/v3/os-volume-transfer", headers=V357, json={"transfer": {
        "volume_id": volume_id, "no_snapshots": True}}).status_code == 400
    assert vol.as_("member").post("/v3/volume-transfers", json={"transfer": {
        "volume_id": volume_id, "no_snapshots": True}}).status_code == 400
    made = _offer(vol, volume_id, "volume-transfers", V357, no_snapshots=True)
    assert made["no_snapshots"] is True and made["accepted"] is False
    assert made["source_project_id"] == project_of("member")
    assert made["destination_project_id"] is None
    old = vol.as_("member").get(f"/v3/volume-transfers/{made['id']}", headers=V355).json()
    assert "no_snapshots" in old["transfer"] and "accepted" not in old["transfer"]
    taken = vol.as_("other").post(f"/v3/volume-transfers/{made['id']}/accept", headers=V357,
                                  json={"accept": {"auth_key": made["auth_key"]}})
    assert taken.status_code == 202
    vol.wait(volume_id, "available", "other")
    # The snapshot stayed with the project that gave the volume.
    assert vol.as_("member").get(f"/v3/snapshots/{snap_id}").status_code == 200


def test_faults(vol: Any) -> None:
    member = vol.as_("member")
    volume_id = vol.create()["id"]
    for body in ({}, {"transfer": {}}, {"transfer": {"volume_id": "not-a-uuid"}},
                 {"transfer": {"volume_id": volume_id, "colour": "red"}},
                 {"transfer": {"volume_id": volume_id, "name": 5}}):
        assert member.post("/v3/os-volume-transfer", json=body).status_code == 400, body
    unknown = member.post("/v3/os-volume-transfer", json={"transfer": {
        "volume_id": "0b5e3b0c-7c57-4c6f-9a43-5d2b1f3e9a10"}})
    assert unknown.status_code == 404
    made = _offer(vol, volume_id)
    twice = member.post("/v3/os-volume-transfer", json={"transfer": {"volume_id": volume_id}})
    assert twice.status_code == 400 and "status must be available" in twice.text
    for body in ({}, {"accept": {}}, {"accept": {"auth_key": "k", "x": 1}}):
        assert vol.as_("other").post(f"/v3/os-volume-transfer/{made['id']}/accept",
                                     json=body).status_code == 400
    assert member.get("/v3/os-volume-transfer/no-such").status_code == 404
    assert member.delete("/v3/os-volume-transfer/no-such").status_code == 404
    assert vol.as_("other").post("/v3/os-volume-transfer/no-such/accept", json={
        "accept": {"auth_key": "k"}}).status_code == 404


def test_a_full_project_cannot_take_it(vol: Any) -> None:
    volume_id = vol.create(size=3)["id"]
    made = _offer(vol, volume_id)
    vol.as_("admin").put(f"/v3/os-quota-sets/{project_of('other')}",
                         json={"quota_set": {"gigabytes": 2}})
    refused = vol.as_("other").post(f"/v3/os-volume-transfer/{made['id']}/accept",
                                    json={"accept": {"auth_key": made["auth_key"]}})
    assert refused.status_code == 413
    assert vol.wait(volume_id, "awaiting-transfer", "member")


def test_encrypted_volumes_need_3_70(vol: Any) -> None:
    admin = vol.as_("admin")
    type_id = admin.post("/v3/types", json={"volume_type": {"name": "luks"}}).json()[
        "volume_type"]["id"]
    admin.post(f"/v3/types/{type_id}/encryption", json={"encryption": {
        "provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256,
        "control_location": "front-end"}})
    volume_id = vol.create(volume_type="luks")["id"]
    old = vol.as_("member").post("/v3/volume-transfers", headers=V357, json={"transfer": {
        "volume_id": volume_id}})
    assert old.status_code == 400 and "encrypted volume is not supported" in old.text
    alone = vol.as_("member").post("/v3/volume-transfers", headers=V370, json={"transfer": {
        "volume_id": volume_id, "no_snapshots": True}})
    assert alone.status_code == 400
    made = _offer(vol, volume_id, "volume-transfers", V370)
    taken = vol.as_("other").post(f"/v3/volume-transfers/{made['id']}/accept",
                                  json={"accept": {"auth_key": made["auth_key"]}})
    assert taken.status_code == 202
    assert vol.wait(volume_id, "available", "other")["encrypted"] is True


def test_admin_lists_every_project_with_all_tenants(vol: Any) -> None:
    made = _offer(vol, vol.create()["id"])
    admin = vol.as_("admin")
    assert admin.get("/v3/os-volume-transfer").json()["transfers"] == []
    everyone = admin.get("/v3/os-volume-transfer", params={"all_tenants": "1"}).json()
    assert [t["id"] for t in everyone["transfers"]] == [made["id"]]
    assert admin.get(f"/v3/os-volume-transfer/{made['id']}").status_code == 200


@pytest.mark.parametrize(("persona", "read", "write"), [
    ("admin", 200, 202), ("member", 200, 202), ("reader", 200, 403), ("other", 404, 404),
])
def test_protection(vol: Any, persona: str, read: int, write: int) -> None:
    volume_id = vol.create()["id"]
    client = vol.as_(persona)
    created = client.post("/v3/os-volume-transfer", json={"transfer": {"volume_id": volume_id}})
    assert created.status_code == write
    made = created.json()["transfer"] if write == 202 else _offer(vol, volume_id)
    assert client.get(f"/v3/os-volume-transfer/{made['id']}").status_code == read
    assert client.delete(f"/v3/os-volume-transfer/{made['id']}").status_code == write
    assert client.get("/v3/os-volume-transfer").status_code == 200
    # A reader may not take a volume either.
    made = _offer(vol, vol.create()["id"])
    assert vol.as_("reader").post(f"/v3/os-volume-transfer/{made['id']}/accept", json={
        "accept": {"auth_key": made["auth_key"]}}).status_code == 403
