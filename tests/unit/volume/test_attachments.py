"""Attaching and detaching: the attachments API (3.27+) and the legacy os-* actions."""

from __future__ import annotations

from typing import Any

from tests.unit.volume.conftest import LATEST

CONNECTOR = {"host": "compute-1", "initiator": "iqn.test", "ip": "10.0.0.5",
             "platform": "x86_64", "os_type": "linux", "multipath": False,
             "mountpoint": "/dev/vdb"}


def _attach(vol: Any, volume_id: str, persona: str = "admin") -> str:
    api = vol.as_(persona)
    resp = api.post("/v3/attachments", headers=LATEST,
                    json={"attachment": {"volume_uuid": volume_id, "instance_uuid": "srv-1"}})
    assert resp.status_code == 202, resp.text
    att = resp.json()["attachment"]
    assert att["status"] == "reserved" and att["instance"] == "srv-1"
    assert vol.wait(volume_id, "reserved")["status"] == "reserved"
    resp = api.put(f"/v3/attachments/{att['id']}", headers=LATEST,
                   json={"attachment": {"connector": CONNECTOR}})
    assert resp.status_code == 200, resp.text
    info = resp.json()["attachment"]["connection_info"]
    assert info["driver_volume_type"] == "fake"
    assert info["data"]["volume_id"] == volume_id and info["data"]["access_mode"] == "rw"
    assert info["attachment_id"] == att["id"]
    resp = api.post(f"/v3/attachments/{att['id']}/action", headers=LATEST,
                    json={"os-complete": None})
    assert resp.status_code == 204, resp.text
    return str(att["id"])


def test_attachment_flow_on_behalf_of_owner(vol: Any) -> None:
    """Compute's service user (admin) attaches a member's volume, as Nova does."""
    volume_id = vol.create("member")["id"]
    att_id = _attach(vol, volume_id, "admin")
    body = vol.as_("member").get(f"/v3/volumes/{volume_id}").json()["volume"]
    assert body["status"] == "in-use"
    (entry,) = body["attachments"]
    assert entry == {"server_id": "srv-1", "attachment_id": att_id,
                     "attached_at": entry["attached_at"], "host_name": "compute-1",
                     "volume_id": volume_id, "device": "/dev/vdb", "id": volume_id}
    shown = vol.as_("member").get(f"/v3/attachments/{att_id}", headers=LATEST).json()
    assert shown["attachment"]["status"] == "attached"
    listed = vol.as_("member").get("/v3/attachments", headers=LATEST).json()["attachments"]
    assert [a["id"] for a in listed] == [att_id]

    resp = vol.as_("member").delete(f"/v3/volumes/{volume_id}")
    assert resp.status_code == 400
    assert "badRequest" in resp.json()

    resp = vol.as_("admin").delete(f"/v3/attachments/{att_id}", headers=LATEST)
    assert resp.status_code == 200 and resp.json() == {"attachments": []}
    body = vol.as_("member").get(f"/v3/volumes/{volume_id}").json()["volume"]
    assert body["status"] == "available" and body["attachments"] == []
    assert vol.as_("member").delete(f"/v3/volumes/{volume_id}").status_code == 202


def test_attachment_with_connector_at_create(vol: Any) -> None:
    volume_id = vol.create()["id"]
    resp = vol.as_("member").post(
        "/v3/attachments", headers=LATEST,
        json={"attachment": {"volume_uuid": volume_id, "instance_uuid": "srv-2",
                             "connector": CONNECTOR}})
    assert resp.status_code == 202
    att = resp.json()["attachment"]
    assert att["status"] == "attaching" and att["connection_info"]["driver_volume_type"]
    assert vol.wait(volume_id, "attaching")["status"] == "attaching"


def test_second_attachment_of_single_attach_volume_refused(vol: Any) -> None:
    volume_id = vol.create()["id"]
    _attach(vol, volume_id, "member")
    resp = vol.as_("member").post(
        "/v3/attachments", headers=LATEST,
        json={"attachment": {"volume_uuid": volume_id, "instance_uuid": "srv-9"}})
    assert resp.status_code == 400


def test_attachments_need_microversion(vol: Any) -> None:
    resp = vol.as_("member").get("/v3/attachments")
    assert resp.status_code == 404


def test_attachment_bad_input(vol: Any) -> None:
    api = vol.as_("member")
    assert api.post("/v3/attachments", headers=LATEST,
                    json={"attachment": {"instance_uuid": "x"}}).status_code == 400
    resp = api.post("/v3/attachments", headers=LATEST,
                    json={"attachment": {"volume_uuid": "nope", "instance_uuid": "x"}})
    assert resp.status_code == 404 and "itemNotFound" in resp.json()
    assert api.put("/v3/attachments/nope", headers=LATEST,
                   json={"attachment": {"connector": CONNECTOR}}).status_code == 404
    assert api.delete("/v3/attachments/nope", headers=LATEST).status_code == 404


def test_legacy_attach_detach(vol: Any) -> None:
    volume_id = vol.create()["id"]
    api = vol.as_("admin")

    def act(body: dict[str, Any]) -> Any:
        return api.post(f"/v3/volumes/{volume_id}/action", json=body)

    assert act({"os-reserve": None}).status_code == 202
    assert vol.wait(volume_id, "attaching")
    resp = act({"os-initialize_connection": {"connector": CONNECTOR}})
    assert resp.status_code == 200
    assert resp.json()["connection_info"]["data"]["volume_id"] == volume_id
    assert act({"os-attach": {"instance_uuid": "srv-3", "mountpoint": "/dev/vdc",
                              "mode": "rw"}}).status_code == 202
    body = vol.wait(volume_id, "in-use")
    assert body["attachments"][0]["server_id"] == "srv-3"
    assert act({"os-begin_detaching": None}).status_code == 202
    assert vol.wait(volume_id, "detaching")
    assert act({"os-roll_detaching": None}).status_code == 202
    assert vol.wait(volume_id, "in-use")
    assert act({"os-begin_detaching": None}).status_code == 202
    assert act({"os-terminate_connection": {"connector": CONNECTOR}}).status_code == 202
    attachment_id = body["attachments"][0]["attachment_id"]
    assert act({"os-detach": {"attachment_id": attachment_id}}).status_code == 202
    assert vol.wait(volume_id, "available")["attachments"] == []


def test_reserve_unreserve_and_bad_state(vol: Any) -> None:
    volume_id = vol.create()["id"]
    api = vol.as_("member")
    path = f"/v3/volumes/{volume_id}/action"
    assert api.post(path, json={"os-reserve": None}).status_code == 202
    assert api.post(path, json={"os-unreserve": None}).status_code == 202
    assert vol.wait(volume_id, "available")
    resp = api.post(path, json={"os-begin_detaching": None})
    assert resp.status_code == 400
    assert "available" in resp.json()["badRequest"]["message"]
    assert api.post(path, json={"os-no-such": None}).status_code == 400


def test_a_user_cannot_take_a_volume_from_a_server_using_it(vol: Any, monkeypatch: Any) -> None:
    """Cinder's guard (OSSA-2023-003): while compute uses the attachment, only compute (its
    service role, or a service token beside the user's) deletes it; a service token that does
    not validate is refused outright."""
    from tests.support import personas

    monkeypatch.setitem(personas._PERSONAS, "service",
                        ("u-nova", "d0000000000000000000000000000000", ["admin", "service"]))
    volume_id = vol.create("member")["id"]
    att_id = _attach(vol, volume_id, "admin")
    vol.compute.using[("srv-1", volume_id)] = att_id
    member = vol.as_("member")
    for path, body in ((f"/v3/attachments/{att_id}", None),
                       (f"/v3/volumes/{volume_id}/action", {"os-detach": {
                           "attachment_id": att_id}}),
                       (f"/v3/volumes/{volume_id}/action", {"os-terminate_connection": {
                           "connector": CONNECTOR}})):
        resp = (member.delete(path, headers=LATEST) if body is None
                else member.post(path, json=body, headers=LATEST))
        assert resp.status_code == 409, resp.text
        assert "using the Compute API" in resp.text and "srv-1" in resp.text
    # Forced by an admin, it is still compute's to do.
    resp = vol.as_("admin").post(f"/v3/volumes/{volume_id}/action", headers=LATEST, json={
        "os-force_detach": {"attachment_id": att_id, "connector": None}})
    assert resp.status_code == 409, resp.text
    # Another volume's attachment does not detach this one.
    other_id = vol.create("member")["id"]
    other_att = _attach(vol, other_id, "admin")
    resp = member.post(f"/v3/volumes/{volume_id}/action", headers=LATEST,
                       json={"os-detach": {"attachment_id": other_att}})
    assert resp.status_code == 400 and other_att in resp.text, resp.text
    as_user = {**LATEST, "X-Service-Token": personas.token_for("member")}
    resp = member.delete(f"/v3/attachments/{att_id}", headers=as_user)
    assert resp.status_code == 409, resp.text
    forged = {**LATEST, "X-Service-Token": "not-a-token"}
    assert member.delete(f"/v3/attachments/{att_id}", headers=forged).status_code == 401
    assert vol.wait(volume_id, "in-use")["status"] == "in-use"  # nothing was lost
    with_service = {**LATEST, "X-Service-Token": personas.token_for("service")}
    resp = member.delete(f"/v3/attachments/{att_id}", headers=with_service)
    assert resp.status_code == 200 and resp.json() == {"attachments": []}


def test_an_attachment_compute_no_longer_has_is_the_users_to_delete(vol: Any) -> None:
    volume_id = vol.create("member")["id"]
    att_id = _attach(vol, volume_id, "admin")
    resp = vol.as_("member").delete(f"/v3/attachments/{att_id}", headers=LATEST)
    assert resp.status_code == 200 and resp.json() == {"attachments": []}
