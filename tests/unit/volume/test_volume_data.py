"""Revert to a snapshot, and extends of attached volumes that compute finishes.

Through the API with the fake backend, and through the agent's work with a backend that, like
the file driver, cannot grow an attached volume itself.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from nimbus.core.db.base import utcnow
from nimbus.volume import states
from nimbus.volume.agent.volume_ops import VolumeOps
from nimbus.volume.agent.work import VolumeWork
from nimbus.volume.db.models import Attachment, Message, Snapshot, Volume
from nimbus.volume.drivers.base import ExtendByHost
from nimbus.volume.drivers.fake import FakeDriver
from tests.support.personas import project_of

COVERS = [("volume", "revert to snapshot (3.40): latest snapshot only, same size"),
          ("volume", "online extend finished by compute (os-extend_volume_completion, 3.71)")]

V340 = {"OpenStack-API-Version": "volume 3.40"}
V371 = {"OpenStack-API-Version": "volume 3.71"}


def _snapshot(vol: Any, volume_id: str) -> str:
    resp = vol.as_("member").post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id}})
    assert resp.status_code == 202, resp.text
    snap_id = str(resp.json()["snapshot"]["id"])
    _wait_snapshot(vol, snap_id, "available")
    return snap_id


def _wait_snapshot(vol: Any, snap_id: str, status: str) -> None:
    def ready() -> bool:
        body = vol.as_("member").get(f"/v3/snapshots/{snap_id}").json()["snapshot"]
        return bool(body["status"] == status)
    _until(ready)


def _until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition never became true")


def _revert(vol: Any, volume_id: str, snap_id: str, headers: dict[str, str] = V340) -> Any:
    return vol.as_("member").post(f"/v3/volumes/{volume_id}/action",
                                  json={"revert": {"snapshot_id": snap_id}}, headers=headers)


def test_a_volume_reverts_to_its_latest_snapshot(vol: Any) -> None:
    vid = vol.create()["id"]
    first = _snapshot(vol, vid)
    latest = _snapshot(vol, vid)
    resp = _revert(vol, vid, first)
    assert resp.status_code == 400 and "latest snapshot" in resp.json()["badRequest"]["message"]
    resp = _revert(vol, vid, latest)
    assert resp.status_code == 202, resp.text
    vol.wait(vid, "available", "member")
    _wait_snapshot(vol, latest, "available")


def test_revert_refusals_name_the_reason(vol: Any) -> None:
    vid = vol.create()["id"]
    other = vol.create()["id"]
    snap = _snapshot(vol, vid)
    too_old = _revert(vol, vid, snap, {"OpenStack-API-Version": "volume 3.39"})
    assert too_old.status_code == 400 and "3.40" in too_old.text
    foreign = _revert(vol, other, snap)
    assert foreign.status_code == 400 and "not a snapshot of volume" in foreign.text
    assert _revert(vol, vid, "00000000-0000-0000-0000-000000000000").status_code == 404
    member = vol.as_("member")
    assert member.post(f"/v3/volumes/{vid}/action",
                       json={"os-extend": {"new_size": 2}}).status_code == 202
    vol.wait(vid, "available", "member")
    grown = _revert(vol, vid, snap)
    assert grown.status_code == 400 and "own size" in grown.text
    # Another project's user sees neither.
    assert vol.as_("other").post(f"/v3/volumes/{vid}/action",
                                 json={"revert": {"snapshot_id": snap}},
                                 headers=V340).status_code == 404


def _extending(vol: Any, new_size: int | None, attached: bool = True) -> str:
    with vol.cloud.db.writer() as s:
        row = Volume(project_id=project_of("member"), size=1, status=states.EXTENDING,
                     attach_status=states.ATTACHED if attached else states.DETACHED,
                     host="node@fake#fake", updated_at=utcnow(),
                     admin_metadata={} if new_size is None else {"extend_new_size": new_size})
        s.add(row)
        s.flush()
        return str(row.id)


def _complete(vol: Any, volume_id: str, error: bool, persona: str = "admin",
              headers: dict[str, str] = V371) -> Any:
    return vol.as_(persona).post(f"/v3/volumes/{volume_id}/action",
                                 json={"os-extend_volume_completion": {"error": error}},
                                 headers=headers)


def test_compute_completes_an_extend_it_did(vol: Any) -> None:
    vid = _extending(vol, 3)
    shown = vol.as_("member").get(f"/v3/volumes/{vid}").json()["volume"]
    assert shown["metadata"]["extend_new_size"] == 3
    assert _complete(vol, vid, False, "member").status_code == 403
    assert _complete(vol, vid, False, headers={"OpenStack-API-Version": "volume 3.70"}
                     ).status_code == 400
    assert _complete(vol, vid, False).status_code == 202
    body = vol.as_("member").get(f"/v3/volumes/{vid}").json()["volume"]
    assert body["status"] == "in-use" and body["size"] == 3
    assert "extend_new_size" not in body["metadata"]
    # Done once: a second answer finds nothing waiting.
    assert _complete(vol, vid, False).status_code == 400


def test_a_failed_extend_in_compute_keeps_the_size(vol: Any) -> None:
    vid = _extending(vol, 3)
    assert _complete(vol, vid, True).status_code == 202
    body = vol.as_("member").get(f"/v3/volumes/{vid}").json()["volume"]
    assert body["status"] == "error_extending" and body["size"] == 1
    with vol.cloud.db.reader() as s:
        assert [m.detail_id for m in s.query(Message).filter_by(resource_uuid=vid)] == ["009"]
    # Not waiting for compute (no target size): refused.
    assert _complete(vol, _extending(vol, None), False).status_code == 400


class HostGrownDriver(FakeDriver):
    """Like the file driver: an attached volume is grown by the compute host that holds it."""

    def extend_volume(self, volume: dict[str, Any], new_size: int) -> None:
        if volume.get("attach_status") == states.ATTACHED:
            raise ExtendByHost()
        super().extend_volume(volume, new_size)


class Compute:
    def __init__(self, code: int = 200) -> None:
        self.code = code
        self.sent: list[dict[str, Any]] = []

    def external_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.sent.extend(events)
        return [{**e, "code": self.code} for e in events]


def _attached(vol: Any, servers: int) -> str:
    vid = _extending(vol, None)
    with vol.cloud.db.writer() as s:
        for n in range(servers):
            s.add(Attachment(volume_id=vid, project_id=project_of("member"),
                             instance_uuid=f"server-{n}", attach_status=states.ATTACHED))
    return vid


def _row(vol: Any, vid: str) -> Volume:
    with vol.cloud.db.reader() as s:
        row = s.get(Volume, vid)
        assert row is not None
        s.expunge(row)
        return row


@pytest.mark.parametrize("driver_cls", [FakeDriver, HostGrownDriver])
def test_compute_hears_of_an_attached_volume_that_grew(vol: Any, driver_cls: type[Any]) -> None:
    compute = Compute()
    ops = VolumeOps(VolumeWork(vol.cloud.db, driver_cls({}), "node@fake"), compute=compute)
    vid = _attached(vol, 1)
    ops.extend(vid, 4)
    assert compute.sent == [{"name": "volume-extended", "server_uuid": "server-0", "tag": vid}]
    row = _row(vol, vid)
    if driver_cls is FakeDriver:
        assert (row.status, row.size, row.admin_metadata) == ("in-use", 4, {})
    else:
        # Waits for compute's os-extend_volume_completion.
        assert (row.status, row.size, row.admin_metadata) == ("extending", 1,
                                                              {"extend_new_size": 4})


@pytest.mark.parametrize(("servers", "code"), [(1, 404), (2, 200), (0, 200)])
def test_an_extend_compute_cannot_do_fails(vol: Any, servers: int, code: int) -> None:
    compute = Compute(code)
    ops = VolumeOps(VolumeWork(vol.cloud.db, HostGrownDriver({}), "node@fake"), compute=compute)
    vid = _attached(vol, servers)
    ops.extend(vid, 4)
    row = _row(vol, vid)
    assert (row.status, row.size, row.admin_metadata) == ("error_extending", 1, {})
    # Only the one server that holds the volume could grow it.
    assert len(compute.sent) == (1 if servers == 1 else 0)


def test_a_failed_revert_leaves_the_volume_in_error_and_the_snapshot_whole(vol: Any) -> None:
    vid = vol.create(name="doomed")["id"]
    snap = _snapshot(vol, vid)
    with vol.cloud.db.writer() as s:
        row = s.get(Volume, vid)
        assert row is not None
        row.status = states.REVERTING
        snap_row = s.get(Snapshot, snap)
        assert snap_row is not None
        snap_row.status = states.RESTORING
    driver = FakeDriver({"fail_names": ["doomed"]})
    VolumeOps(VolumeWork(vol.cloud.db, driver, "node@fake")).revert(vid, snap)
    assert _row(vol, vid).status == "error"
    _wait_snapshot(vol, snap, "available")


def test_from_3_66_an_in_use_volume_is_snapshotted_without_force(vol: Any) -> None:
    vid = _attached(vol, 1)
    with vol.cloud.db.writer() as s:
        row = s.get(Volume, vid)
        assert row is not None
        row.status = states.IN_USE
    member = vol.as_("member")
    old = member.post("/v3/snapshots", json={"snapshot": {"volume_id": vid}},
                      headers={"OpenStack-API-Version": "volume 3.65"})
    assert old.status_code == 400 and "use force" in old.text
    refused = member.post("/v3/snapshots", json={"snapshot": {"volume_id": vid, "force": False}},
                          headers={"OpenStack-API-Version": "volume 3.66"})
    assert refused.status_code == 400 and "3.66" in refused.text
    resp = member.post("/v3/snapshots", json={"snapshot": {"volume_id": vid}},
                       headers={"OpenStack-API-Version": "volume 3.66"})
    assert resp.status_code == 202, resp.text
