"""Object versioning (X-Versions-Enabled): version ids, ?versions listings, version-id reads
and deletes, delete markers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [
    ("object", "containers: object versioning (X-Versions-Enabled, ?versions, version-id)"),
]

A = account()


@pytest.fixture
def cont(member: Any) -> str:
    resp = member.put(f"{A}/v", headers={"X-Versions-Enabled": "true"})
    assert resp.status_code == 201
    return f"{A}/v"


def test_versions_kept_and_read(member: Any, cont: str) -> None:
    assert member.head(cont).headers["X-Versions-Enabled"] == "True"
    first = member.put(f"{cont}/o", content=b"one")
    member.put(f"{cont}/o", content=b"two")
    v1 = member.head(f"{cont}/o").headers["X-Object-Version-Id"]
    assert first.status_code == 201
    listing = member.get(f"{cont}?versions&format=json").json()
    assert [(e["name"], e["is_latest"]) for e in listing] == [("o", True), ("o", False)]
    assert listing[0]["version_id"] == v1
    old = listing[1]["version_id"]
    assert member.get(f"{cont}/o?version-id={old}").content == b"one"
    assert member.get(f"{cont}/o").content == b"two"
    # The plain listing and the account show only what clients made.
    assert [e["name"] for e in member.get(f"{cont}?format=json").json()] == ["o"]
    assert [e["name"] for e in member.get(f"{A}?format=json").json()] == ["v"]


def test_delete_marker_and_version_delete(member: Any, cont: str) -> None:
    member.put(f"{cont}/o", content=b"one")
    member.put(f"{cont}/o", content=b"two")
    resp = member.delete(f"{cont}/o")
    assert resp.status_code == 204
    marker = resp.headers["X-Object-Version-Id"]
    assert member.get(f"{cont}/o").status_code == 404
    listing = member.get(f"{cont}?versions&format=json").json()
    assert listing[0]["content_type"].startswith("application/x-deleted")
    assert listing[0]["is_latest"] and len(listing) == 3
    # Removing the marker brings the newest version back.
    assert member.delete(f"{cont}/o?version-id={marker}").status_code == 204
    assert member.get(f"{cont}/o").status_code == 404
    newest = member.get(f"{cont}?versions&format=json").json()[0]["version_id"]
    assert member.get(f"{cont}/o?version-id={newest}").content == b"two"
    # Deleting the current version makes the one before it current.
    member.put(f"{cont}/o", content=b"three")
    current = member.head(f"{cont}/o").headers["X-Object-Version-Id"]
    assert member.delete(f"{cont}/o?version-id={current}").status_code == 204
    assert member.get(f"{cont}/o").content == b"two"


def test_container_rules(member: Any, cont: str) -> None:
    member.put(f"{cont}/o", content=b"one")
    member.put(f"{cont}/o", content=b"two")
    assert member.get(f"{cont}/o?version-id=bogus").status_code == 400
    member.put(f"{A}/legacy", headers={"X-Versions-Location": "v"})
    refused = member.post(f"{A}/legacy", headers={"X-Versions-Enabled": "true"})
    assert refused.status_code == 400
    member.delete(f"{cont}/o")
    # Old versions keep the container from being deleted.
    assert member.delete(cont).status_code == 409
    for entry in member.get(f"{cont}?versions&format=json").json():
        member.delete(f"{cont}/o?version-id={entry['version_id']}")
    assert member.delete(cont).status_code == 204
    assert [e["name"] for e in member.get(f"{A}?format=json").json()] == ["legacy"]


def test_disabled_versioning_overwrites(member: Any, cont: str) -> None:
    member.post(cont, headers={"X-Versions-Enabled": "false"})
    assert member.head(cont).headers["X-Versions-Enabled"] == "False"
    member.put(f"{cont}/n", content=b"a")
    member.put(f"{cont}/n", content=b"b")
    assert len(member.get(f"{cont}?versions&format=json").json()) == 1
    assert member.get(f"{A}/plain/o?version-id=null").status_code == 404
