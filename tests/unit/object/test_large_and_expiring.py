"""Dynamic large objects (X-Object-Manifest), object expiry (X-Delete-At/-After) and the
per-policy usage an account reports."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [
    ("object", "objects: dynamic large objects (X-Object-Manifest)"),
    ("object", "objects: expiry (X-Delete-At, X-Delete-After)"),
    ("object", "accounts: per-storage-policy usage headers"),
]

A = account()
SEGMENTS = [b"alpha-", b"bravo-", b"charlie"]


@pytest.fixture
def cont(member: Any) -> str:
    assert member.put(f"{A}/big").status_code == 201
    return f"{A}/big"


def _upload(member: Any, cont: str) -> None:
    # Written out of order: the manifest concatenates in name order, not upload order.
    for i in (2, 0, 1):
        assert member.put(f"{cont}/movie/{i:03d}", content=SEGMENTS[i]).status_code == 201


def test_manifest_concatenates_segments(member: Any, cont: str) -> None:
    _upload(member, cont)
    resp = member.put(f"{cont}/movie", content=b"", headers={"X-Object-Manifest": "big/movie/"})
    assert resp.status_code == 201
    whole = b"".join(SEGMENTS)
    etag = hashlib.md5(b"".join(hashlib.md5(s).hexdigest().encode() for s in SEGMENTS)).hexdigest()
    got = member.get(f"{cont}/movie")
    assert got.status_code == 200 and got.content == whole
    head = member.head(f"{cont}/movie")
    for headers in (got.headers, head.headers):
        assert headers["x-object-manifest"] == "big/movie/"
        assert headers["etag"] == f'"{etag}"'
        assert headers["content-length"] == str(len(whole))
    ranged = member.get(f"{cont}/movie", headers={"Range": "bytes=4-8"})
    assert ranged.status_code == 206 and ranged.content == whole[4:9]
    # The listing shows the manifest itself, an empty object.
    listing = member.get(f"{cont}?format=json").json()
    assert {"movie": 0}.items() <= {o["name"]: o["bytes"] for o in listing}.items()


def test_manifest_set_by_post_and_copied_as_content(member: Any, cont: str) -> None:
    _upload(member, cont)
    assert member.put(f"{cont}/movie", content=b"").status_code == 201
    resp = member.post(f"{cont}/movie", headers={"X-Object-Manifest": "big/movie/"})
    assert resp.status_code == 202
    assert member.get(f"{cont}/movie").content == b"".join(SEGMENTS)
    copied = member.put(f"{cont}/flat", headers={"X-Copy-From": "big/movie",
                                                 "Content-Length": "0"})
    assert copied.status_code == 201
    flat = member.get(f"{cont}/flat")
    assert flat.content == b"".join(SEGMENTS)
    assert "x-object-manifest" not in flat.headers


def test_manifest_with_no_segments_is_empty(member: Any, cont: str) -> None:
    resp = member.put(f"{cont}/none", content=b"", headers={"X-Object-Manifest": "nowhere/x"})
    assert resp.status_code == 201
    got = member.get(f"{cont}/none")
    assert got.status_code == 200 and got.content == b""


def test_bad_manifest_is_400(member: Any, cont: str) -> None:
    resp = member.put(f"{cont}/bad", content=b"", headers={"X-Object-Manifest": "nocontainer"})
    assert resp.status_code == 400
    assert "container/prefix" in resp.text


def test_delete_after_expires_object(member: Any, cont: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert member.put(f"{cont}/soon", content=b"x",
                      headers={"X-Delete-After": "10"}).status_code == 201
    head = member.head(f"{cont}/soon")
    delete_at = int(head.headers["x-delete-at"])
    assert abs(delete_at - (time.time() + 10)) <= 2
    assert member.get(f"{cont}/soon").headers["x-delete-at"] == str(delete_at)
    assert [o["name"] for o in member.get(f"{cont}?format=json").json()] == ["soon"]

    later = time.time() + 11
    monkeypatch.setattr(time, "time", lambda: later)
    assert member.get(f"{cont}/soon").status_code == 404
    assert member.head(f"{cont}/soon").status_code == 404
    assert member.post(f"{cont}/soon", headers={"X-Object-Meta-A": "b"}).status_code == 404
    assert member.get(f"{cont}?format=json").json() == []
    assert member.get(f"{cont}").text == ""


def test_post_sets_and_clears_expiry(member: Any, cont: str) -> None:
    assert member.put(f"{cont}/obj", content=b"x").status_code == 201
    assert "x-delete-at" not in member.head(f"{cont}/obj").headers
    at = int(time.time()) + 3600
    assert member.post(f"{cont}/obj", headers={"X-Delete-At": str(at)}).status_code == 202
    assert member.head(f"{cont}/obj").headers["x-delete-at"] == str(at)
    # As in Swift, a POST that does not repeat X-Delete-At removes the expiry.
    assert member.post(f"{cont}/obj", headers={"X-Object-Meta-K": "v"}).status_code == 202
    assert "x-delete-at" not in member.head(f"{cont}/obj").headers


@pytest.mark.parametrize("headers, message", [
    ({"X-Delete-At": "soon"}, "Non-integer X-Delete-At"),
    ({"X-Delete-At": "1000"}, "X-Delete-At in past"),
    ({"X-Delete-After": "ten"}, "Non-integer X-Delete-After"),
    ({"X-Delete-After": "-1"}, "X-Delete-After in past"),
])
def test_bad_expiry_is_400(member: Any, cont: str, headers: dict[str, str], message: str) -> None:
    resp = member.put(f"{cont}/obj", content=b"x", headers=headers)
    assert resp.status_code == 400 and message in resp.text
    assert member.put(f"{cont}/obj", content=b"x").status_code == 201
    resp = member.post(f"{cont}/obj", headers=headers)
    assert resp.status_code == 400 and message in resp.text


def test_account_reports_policy_usage(member: Any) -> None:
    head = member.head(A)
    assert "x-account-storage-policy-policy-0-container-count" not in head.headers
    assert member.put(f"{A}/c1").status_code == 201
    assert member.put(f"{A}/c1/o", content=b"12345").status_code == 201
    for resp in (member.head(A), member.get(A)):
        assert resp.headers["x-account-storage-policy-policy-0-container-count"] == "1"
        assert resp.headers["x-account-storage-policy-policy-0-object-count"] == "1"
        assert resp.headers["x-account-storage-policy-policy-0-bytes-used"] == "5"
