"""A snapshot's metadata, and the snapshot actions: the consumer's status reports
(os-update_snapshot_status), an operator's os-reset_status and os-force_delete, and
os-unmanage."""

from __future__ import annotations

import time
from typing import Any

import pytest

COVERS = [("volume", "snapshot metadata: list, create/merge, replace, show, update, delete key"),
          ("volume", "snapshot actions: os-reset_status, os-force_delete (admin), "
                     "os-update_snapshot_status, os-unmanage")]


def _snapshot(vol: Any, persona: str = "member") -> str:
    volume_id = vol.create(persona)["id"]
    resp = vol.as_(persona).post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id}})
    assert resp.status_code == 202, resp.text
    snap_id = str(resp.json()["snapshot"]["id"])
    _wait(vol, snap_id, "available")
    return snap_id


def _wait(vol: Any, snap_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = vol.as_("admin").get(f"/v3/snapshots/{snap_id}")
        if status == "deleted" and resp.status_code == 404:
            return {}
        body = resp.json().get("snapshot", {})
        if body.get("status") == status:
            return body
        time.sleep(0.02)
    raise AssertionError(f"snapshot {snap_id} never reached {status}: {body}")


def _action(vol: Any, persona: str, snap_id: str, body: dict[str, Any]) -> Any:
    return vol.as_(persona).post(f"/v3/snapshots/{snap_id}/action", json=body)


def test_metadata_crud(vol: Any) -> None:
    snap_id = _snapshot(vol)
    member, reader = vol.as_("member"), vol.as_("reader")
    url = f"/v3/snapshots/{snap_id}/metadata"
    made = member.post(url, json={"metadata": {"key1": "v1", "key2": "v2", "key3": "v3"}})
    assert made.status_code == 200 and made.json()["metadata"] == {"key1": "v1", "key2": "v2",
                                                                   "key3": "v3"}
    # Create merges; replace makes the body the whole metadata.
    merged = member.post(url, json={"metadata": {"key4": "v4"}}).json()["metadata"]
    assert set(merged) == {"key1", "key2", "key3", "key4"}
    replaced = member.put(url, json={"metadata": {"key3": "new", "key5": "v5"}})
    assert replaced.json() == {"metadata": {"key3": "new", "key5": "v5"}}
    assert reader.get(url).json() == {"metadata": {"key3": "new", "key5": "v5"}}
    assert reader.get(f"{url}/key3").json() == {"meta": {"key3": "new"}}
    changed = member.put(f"{url}/key3", json={"meta": {"key3": "newer"}})
    assert changed.status_code == 200 and changed.json() == {"meta": {"key3": "newer"}}
    assert member.delete(f"{url}/key5").status_code == 200
    assert member.get(url).json() == {"metadata": {"key3": "newer"}}
    # The snapshot shows it too.
    assert member.get(f"/v3/snapshots/{snap_id}").json()["snapshot"]["metadata"] == {
        "key3": "newer"}


def test_metadata_faults(vol: Any) -> None:
    snap_id = _snapshot(vol)
    member = vol.as_("member")
    url = f"/v3/snapshots/{snap_id}/metadata"
    missing = member.get(f"{url}/nope")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        f"Snapshot {snap_id} has no metadata with key nope.")
    assert member.delete(f"{url}/nope").status_code == 404
    mismatch = member.put(f"{url}/a", json={"meta": {"b": "1"}})
    assert mismatch.status_code == 400 and "mismatch" in mismatch.text
    assert member.put(f"{url}/a", json={"meta": {"a": "1", "b": "2"}}).status_code == 400
    assert member.post(url, json={"metadata": {"a": 1}}).status_code == 400
    assert member.post(url, json={"metadata": {"": "x"}}).status_code == 400
    assert member.post(url, json={"metadata": {"a": "x" * 256}}).status_code == 400
    assert member.post(url, json={"nothing": {}}).status_code == 400
    assert member.get("/v3/snapshots/no-such/metadata").status_code == 404


@pytest.mark.parametrize(("persona", "read", "write"), [
    ("admin", 200, 200), ("member", 200, 200), ("reader", 200, 403), ("other", 404, 404),
])
def test_metadata_protection(vol: Any, persona: str, read: int, write: int) -> None:
    snap_id = _snapshot(vol)
    vol.as_("member").post(f"/v3/snapshots/{snap_id}/metadata", json={"metadata": {"k": "v"}})
    client = vol.as_(persona)
    url = f"/v3/snapshots/{snap_id}/metadata"
    assert client.get(url).status_code == read
    assert client.get(f"{url}/k").status_code == read
    assert client.post(url, json={"metadata": {"a": "b"}}).status_code == write
    assert client.put(url, json={"metadata": {"k": "v"}}).status_code == write
    assert client.put(f"{url}/k", json={"meta": {"k": "w"}}).status_code == write
    assert client.delete(f"{url}/k").status_code == write


def test_reset_status_and_update_status(vol: Any) -> None:
    snap_id = _snapshot(vol)
    resp = _action(vol, "admin", snap_id, {"os-reset_status": {"status": "CREATING"}})
    assert resp.status_code == 202
    assert _wait(vol, snap_id, "creating")
    # The consumer reports it made, with its progress (shown as the extended attribute).
    done = _action(vol, "member", snap_id, {"os-update_snapshot_status": {
        "status": "error", "progress": "80%"}})
    assert done.status_code == 202, done.text
    shown = vol.as_("admin").get(f"/v3/snapshots/{snap_id}").json()["snapshot"]
    assert shown["status"] == "error"
    assert shown["os-extended-snapshot-attributes:progress"] == "80%"
    # From error, no report is allowed; a report the status does not allow is refused.
    refused = _action(vol, "member", snap_id, {"os-update_snapshot_status": {
        "status": "available"}})
    assert refused.status_code == 400 and "not allowed for update_snapshot_status" in refused.text
    _action(vol, "admin", snap_id, {"os-reset_status": {"status": "deleting"}})
    wrong = _action(vol, "member", snap_id, {"os-update_snapshot_status": {
        "status": "available"}})
    assert wrong.status_code == 400
    assert ("Provided snapshot status available not allowed for snapshot with status "
            "deleting.") in wrong.text
    _action(vol, "admin", snap_id, {"os-reset_status": {"status": "available"}})
    assert _wait(vol, snap_id, "available")


@pytest.mark.parametrize("body", [
    {"os-reset_status": {"status": "sleeping"}},
    {"os-reset_status": {}},
    {"os-reset_status": {"status": "available", "extra": 1}},
    {"os-update_snapshot_status": {"status": "creating", "progress": "101%"}},
    {"os-update_snapshot_status": {"status": "creating", "progress": "lots"}},
    {"os-update_snapshot_status": {}},
    {"os-unknown": {}},
    {"os-force_delete": {}, "os-unmanage": {}},
])
def test_bad_actions_are_400(vol: Any, body: dict[str, Any]) -> None:
    snap_id = _snapshot(vol)
    _action(vol, "admin", snap_id, {"os-reset_status": {"status": "creating"}})
    resp = _action(vol, "admin", snap_id, body)
    assert resp.status_code == 400, resp.text


@pytest.mark.parametrize("status", ["creating", "deleting", "error", "error_deleting"])
def test_force_delete_whatever_the_status(vol: Any, status: str) -> None:
    snap_id = _snapshot(vol)
    _action(vol, "admin", snap_id, {"os-reset_status": {"status": status}})
    assert _action(vol, "admin", snap_id, {"os-force_delete": {}}).status_code == 202
    _wait(vol, snap_id, "deleted")


def test_unmanage_forgets_the_snapshot(vol: Any) -> None:
    snap_id = _snapshot(vol)
    _action(vol, "admin", snap_id, {"os-reset_status": {"status": "creating"}})
    busy = _action(vol, "admin", snap_id, {"os-unmanage": None})
    assert busy.status_code == 400 and "must be available or error" in busy.text
    _action(vol, "admin", snap_id, {"os-reset_status": {"status": "available"}})
    assert _action(vol, "admin", snap_id, {"os-unmanage": None}).status_code == 202
    assert vol.as_("member").get(f"/v3/snapshots/{snap_id}").status_code == 404


@pytest.mark.parametrize(("persona", "admin_only", "member_ok"), [
    ("admin", 202, 202), ("member", 403, 202), ("reader", 403, 403), ("other", 404, 404),
])
def test_action_protection(vol: Any, persona: str, admin_only: int, member_ok: int) -> None:
    snap_id = _snapshot(vol)
    _action(vol, "admin", snap_id, {"os-reset_status": {"status": "creating"}})
    report = _action(vol, persona, snap_id, {"os-update_snapshot_status": {
        "status": "creating"}})
    assert report.status_code == member_ok
    for body in ({"os-reset_status": {"status": "creating"}}, {"os-force_delete": {}}):
        assert _action(vol, persona, snap_id, body).status_code == admin_only
    available = _snapshot(vol)
    assert _action(vol, persona, available, {"os-unmanage": None}).status_code == admin_only


def test_actions_on_an_unknown_snapshot_are_404(vol: Any) -> None:
    resp = _action(vol, "admin", "no-such", {"os-force_delete": {}})
    assert resp.status_code == 404 and "Snapshot no-such could not be found." in resp.text
