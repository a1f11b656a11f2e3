"""Server actions through the state machine, and volume attachment through Cinder's API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.compute.conftest import MV


def _act(compute: Any, sid: str, body: dict[str, Any], persona: str = "member") -> Any:
    return compute.as_(persona).post(f"/v2.1/servers/{sid}/action", json=body, headers=MV)


def test_stop_start_pause_suspend_reboot(compute: Any) -> None:
    sid = compute.boot()["id"]
    assert _act(compute, sid, {"os-stop": None}).status_code == 202
    assert compute.wait(sid, "SHUTOFF")["OS-EXT-STS:power_state"] == 4
    assert _act(compute, sid, {"os-stop": None}).status_code == 409
    assert _act(compute, sid, {"os-start": None}).status_code == 202
    compute.wait(sid, "ACTIVE")
    assert _act(compute, sid, {"pause": None}).status_code == 202
    compute.wait(sid, "PAUSED")
    assert _act(compute, sid, {"unpause": None}).status_code == 202
    compute.wait(sid, "ACTIVE")
    assert _act(compute, sid, {"suspend": None}).status_code == 202
    compute.wait(sid, "SUSPENDED")
    assert _act(compute, sid, {"resume": None}).status_code == 202
    compute.wait(sid, "ACTIVE")
    assert _act(compute, sid, {"reboot": {"type": "HARD"}}).status_code == 202
    compute.wait(sid, "ACTIVE")
    actions = compute.as_("member").get(f"/v2.1/servers/{sid}/os-instance-actions").json()
    names = [a["action"] for a in actions["instanceActions"]]
    assert names[0] == "reboot" and names[-1] == "create"


def test_conflict_message_names_state(compute: Any) -> None:
    sid = compute.boot()["id"]
    resp = _act(compute, sid, {"os-start": None})
    assert resp.status_code == 409
    assert resp.json()["conflictingRequest"]["message"] == (
        f"Cannot 'start' instance {sid} while it is in vm_state active")


def test_bad_actions(compute: Any) -> None:
    sid = compute.boot()["id"]
    assert _act(compute, sid, {"reboot": {"type": "SIDEWAYS"}}).status_code == 400
    resp = _act(compute, sid, {"fly": None})
    assert resp.status_code == 400 and "fly" in resp.json()["badRequest"]["message"]


def test_lock_blocks_members_not_admins(compute: Any) -> None:
    sid = compute.boot()["id"]
    assert _act(compute, sid, {"lock": {"locked_reason": "audit"}}, "admin").status_code == 202
    shown = compute.as_("member").get(f"/v2.1/servers/{sid}", headers=MV).json()["server"]
    assert shown["locked"] is True and shown["locked_reason"] == "audit"
    assert _act(compute, sid, {"os-stop": None}).status_code == 409
    assert compute.as_("member").delete(f"/v2.1/servers/{sid}").status_code == 409
    assert _act(compute, sid, {"unlock": None}).status_code == 409  # an admin's lock
    assert _act(compute, sid, {"unlock": None}, "admin").status_code == 202
    assert _act(compute, sid, {"os-stop": None}).status_code == 202


def test_failed_action_keeps_state_and_records_fault(compute: Any) -> None:
    sid = compute.boot(metadata={"fake_fail": "power_off"})["id"]
    assert _act(compute, sid, {"os-stop": None}).status_code == 202
    server = compute.wait(sid, "ACTIVE")
    assert server["OS-EXT-STS:task_state"] is None


def test_attach_and_detach_volume(compute: Any) -> None:
    sid = compute.boot()["id"]
    vol = compute.clients.volume.add()
    api = compute.as_("member")
    resp = api.post(f"/v2.1/servers/{sid}/os-volume_attachments",
                    json={"volumeAttachment": {"volumeId": vol}})
    assert resp.status_code == 200, resp.text
    body = resp.json()["volumeAttachment"]
    assert body == {"device": "/dev/vdb", "id": vol, "serverId": sid, "volumeId": vol}
    compute.wait_for(lambda: compute.clients.volume.volumes[vol]["status"] == "in-use")
    assert compute.clients.volume.calls == ["create", "update", "complete"]
    assert compute.guests()[sid]["volumes"]["/dev/vdb"]["driver_volume_type"] == "fake"
    listed = api.get(f"/v2.1/servers/{sid}/os-volume_attachments", headers=MV).json()
    item = listed["volumeAttachments"][0]
    assert item["volumeId"] == vol and item["attachment_id"] and "id" not in item
    shown = api.get(f"/v2.1/servers/{sid}", headers=MV).json()["server"]
    assert shown["os-extended-volumes:volumes_attached"] == [
        {"id": vol, "delete_on_termination": False}]
    again = api.post(f"/v2.1/servers/{sid}/os-volume_attachments",
                     json={"volumeAttachment": {"volumeId": vol}})
    assert again.status_code == 400
    resp = api.delete(f"/v2.1/servers/{sid}/os-volume_attachments/{vol}")
    assert resp.status_code == 202
    compute.wait_for(lambda: compute.clients.volume.volumes[vol]["status"] == "available")
    compute.wait_for(lambda: api.get(f"/v2.1/servers/{sid}/os-volume_attachments")
                     .json()["volumeAttachments"] == [])
    assert "/dev/vdb" not in compute.guests()[sid]["volumes"]


def test_delete_server_releases_volumes(compute: Any) -> None:
    sid = compute.boot()["id"]
    vol = compute.clients.volume.add()
    compute.as_("member").post(f"/v2.1/servers/{sid}/os-volume_attachments",
                               json={"volumeAttachment": {"volumeId": vol}})
    compute.wait_for(lambda: compute.clients.volume.volumes[vol]["status"] == "in-use")
    compute.as_("member").delete(f"/v2.1/servers/{sid}")
    compute.wait(sid, "GONE")
    assert compute.clients.volume.volumes[vol]["status"] == "available"
    assert compute.clients.volume.attachments == {}


def test_attach_failure_gives_the_volume_back(compute: Any) -> None:
    sid = compute.boot(metadata={"fake_fail": "attach_volume"})["id"]
    vol = compute.clients.volume.add()
    resp = compute.as_("member").post(f"/v2.1/servers/{sid}/os-volume_attachments",
                                      json={"volumeAttachment": {"volumeId": vol}})
    assert resp.status_code == 200
    compute.wait_for(lambda: compute.clients.volume.volumes[vol]["status"] == "available")
    compute.wait_for(lambda: compute.as_("member").get(
        f"/v2.1/servers/{sid}/os-volume_attachments").json()["volumeAttachments"] == [])


@pytest.mark.parametrize("volume", ["missing", "other-project", "in-use"])
def test_attach_rejects_bad_volumes(compute: Any, volume: str) -> None:
    sid = compute.boot()["id"]
    vols = compute.clients.volume
    vol_id = {"missing": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
              "other-project": vols.add(project_id="someone-else"),
              "in-use": vols.add(status="in-use")}[volume]
    resp = compute.as_("member").post(f"/v2.1/servers/{sid}/os-volume_attachments",
                                      json={"volumeAttachment": {"volumeId": vol_id}})
    assert resp.status_code == (400 if volume == "in-use" else 404)
    assert vol_id in resp.text
