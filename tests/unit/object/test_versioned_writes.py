"""Versioned writes: X-Versions-Location (stack) and X-History-Location (history)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [
    ("object", "containers: versioned writes (X-Versions-Location, X-History-Location)"),
]

A = account()


@pytest.fixture
def base(member: Any) -> str:
    assert member.put(f"{A}/archive").status_code == 201
    resp = member.put(f"{A}/base", headers={"X-Versions-Location": "archive"})
    assert resp.status_code == 201
    return f"{A}/base"


def _count(member: Any, path: str) -> str:
    return str(member.head(path).headers["X-Container-Object-Count"])


def test_stack_mode(member: Any, base: str) -> None:
    assert member.head(base).headers["X-Versions-Location"] == "archive"
    member.put(f"{base}/obj", content=b"one")
    member.put(f"{base}/obj", content=b"two!")
    assert member.get(f"{base}/obj").content == b"two!"
    kept = member.get(f"{A}/archive?format=json").json()
    assert [k["name"].startswith("003obj/") for k in kept] == [True]
    assert member.delete(f"{base}/obj").status_code == 204
    assert member.get(f"{base}/obj").content == b"one"
    assert _count(member, f"{A}/archive") == "0"
    assert member.head(base).headers["X-Container-Bytes-Used"] == "3"
    assert member.delete(f"{base}/obj").status_code == 204
    assert member.get(f"{base}/obj").status_code == 404
    assert _count(member, base) == "0"


def test_copy_keeps_the_replaced_version(member: Any, base: str) -> None:
    member.put(f"{base}/a", content=b"aaa")
    member.put(f"{base}/b", content=b"bbb")
    resp = member.put(f"{base}/b", headers={"X-Copy-From": "base/a", "Content-Length": "0"})
    assert resp.status_code == 201
    assert _count(member, f"{A}/archive") == "1"


def test_history_mode(member: Any) -> None:
    member.put(f"{A}/hist")
    member.put(f"{A}/h", headers={"X-History-Location": "hist"})
    assert member.head(f"{A}/h").headers["X-History-Location"] == "hist"
    member.put(f"{A}/h/o", content=b"one")
    assert member.delete(f"{A}/h/o").status_code == 204
    assert member.get(f"{A}/h/o").status_code == 404
    kept = member.get(f"{A}/hist?format=json").json()
    assert [k["content_type"] for k in kept][-1].startswith("application/x-deleted")
    assert len(kept) == 2


def test_container_headers(member: Any) -> None:
    both = member.put(f"{A}/x", headers={"X-Versions-Location": "a",
                                         "X-History-Location": "b"})
    assert both.status_code == 400
    assert member.put(f"{A}/x", headers={"X-Versions-Location": "a/b"}).status_code == 412
    member.put(f"{A}/x", headers={"X-Versions-Location": "arch"})
    member.post(f"{A}/x", headers={"X-Remove-Versions-Location": "1"})
    assert "X-Versions-Location" not in member.head(f"{A}/x").headers
    member.post(f"{A}/x", headers={"X-Versions-Location": "arch"})
    member.post(f"{A}/x", headers={"X-Versions-Location": ""})
    assert "X-Versions-Location" not in member.head(f"{A}/x").headers


def test_info(member: Any) -> None:
    assert "x-versions-location" in member.get("/info").json()["versioned_writes"]["allowed_flags"]
