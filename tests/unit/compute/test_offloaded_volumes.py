"""Volumes attached to and detached from a shelved-offloaded server (2.20 on): Cinder marks
them at once, and the host the server is unshelved on connects what is attached then."""

from __future__ import annotations

from typing import Any

from tests.unit.compute.conftest import MV, Compute

V219 = {"OpenStack-API-Version": "compute 2.19"}


def _offloaded(compute: Compute) -> str:
    sid = compute.boot()["id"]
    resp = compute.as_("member").post(f"/v2.1/servers/{sid}/action", json={"shelve": None},
                                      headers=MV)
    assert resp.status_code == 202, resp.text
    compute.wait(sid, "SHELVED_OFFLOADED")
    return sid


def _attach(compute: Compute, sid: str, vol: str, headers: dict[str, str]) -> Any:
    return compute.as_("member").post(f"/v2.1/servers/{sid}/os-volume_attachments",
                                      json={"volumeAttachment": {"volumeId": vol}},
                                      headers=headers)


def test_attach_while_offloaded_is_connected_on_unshelve(compute: Compute) -> None:
    sid = _offloaded(compute)
    vol = compute.clients.volume.add()
    # Before 2.20 a shelved server's volumes cannot change.
    assert _attach(compute, sid, vol, V219).status_code == 409
    resp = _attach(compute, sid, vol, MV)
    assert resp.status_code == 200, resp.text
    assert resp.json()["volumeAttachment"]["device"] == "/dev/vdb"
    assert compute.clients.volume.volumes[vol]["status"] == "in-use"
    resp = compute.as_("member").post(f"/v2.1/servers/{sid}/action", json={"unshelve": None},
                                      headers=MV)
    assert resp.status_code == 202, resp.text
    compute.wait(sid, "ACTIVE")
    assert "/dev/vdb" in compute.guests()[sid]["volumes"]
    shown = compute.as_("member").get(f"/v2.1/servers/{sid}/os-volume_attachments/{vol}",
                                      headers=MV).json()["volumeAttachment"]
    assert shown["device"] == "/dev/vdb" and shown["serverId"] == sid


def test_detach_while_offloaded_gives_the_volume_back(compute: Compute) -> None:
    sid = _offloaded(compute)
    vol = compute.clients.volume.add()
    assert _attach(compute, sid, vol, MV).status_code == 200
    url = f"/v2.1/servers/{sid}/os-volume_attachments/{vol}"
    assert compute.as_("member").delete(url, headers=V219).status_code == 409
    assert compute.as_("member").delete(url, headers=MV).status_code == 202
    assert compute.clients.volume.volumes[vol]["status"] == "available"
    assert compute.clients.volume.attachments == {}
    assert compute.as_("member").get(url, headers=MV).status_code == 404
    resp = compute.as_("member").post(f"/v2.1/servers/{sid}/action", json={"unshelve": None},
                                      headers=MV)
    assert resp.status_code == 202
    compute.wait(sid, "ACTIVE")
    assert compute.guests()[sid]["volumes"] == {}
