"""Symlinks: links followed on read, ``symlink=get``, static links, loops and broken links."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [
    ("object", "objects: symlinks (X-Symlink-Target, static links, symlink=get)"),
]

A = account()
OTHER = account("other")


@pytest.fixture
def cont(member: Any) -> str:
    member.put(f"{A}/c")
    member.put(f"{A}/c/target", content=b"payload", headers={"Content-Type": "text/x-t"})
    return f"{A}/c"


def _link(member: Any, path: str, target: str, **headers: str) -> Any:
    return member.put(path, content=b"", headers={"X-Symlink-Target": target, **headers})


def test_link_reads_as_target(member: Any, cont: str) -> None:
    assert _link(member, f"{cont}/link", "c/target").status_code == 201
    got = member.get(f"{cont}/link")
    assert got.content == b"payload"
    assert got.headers["Content-Location"] == f"{A}/c/target"
    itself = member.get(f"{cont}/link?symlink=get")
    assert itself.content == b"" and itself.headers["X-Symlink-Target"] == "c/target"
    entry = next(e for e in member.get(f"{cont}?format=json").json() if e["name"] == "link")
    assert entry["symlink_path"] == f"{A}/c/target" and "symlink_etag" not in entry
    # Deleting the link leaves the target.
    assert member.delete(f"{cont}/link").status_code == 204
    assert member.get(f"{cont}/target").content == b"payload"


def test_broken_link_and_loops(member: Any, cont: str) -> None:
    _link(member, f"{cont}/broken", "c/missing")
    resp = member.get(f"{cont}/broken")
    assert resp.status_code == 404 and resp.headers["Content-Location"] == f"{A}/c/missing"
    _link(member, f"{cont}/l1", "c/l2")
    _link(member, f"{cont}/l2", "c/l1")
    loop = member.get(f"{cont}/l1")
    assert loop.status_code == 409
    assert loop.text == "Too many levels of symbolic links, maximum allowed is 2"


def test_static_links(member: Any, cont: str) -> None:
    etag = hashlib.md5(b"payload", usedforsecurity=False).hexdigest()
    resp = _link(member, f"{cont}/static", "c/target", **{"X-Symlink-Target-Etag": etag})
    assert resp.status_code == 201
    entry = next(e for e in member.get(f"{cont}?format=json").json() if e["name"] == "static")
    assert (entry["symlink_etag"], entry["symlink_bytes"], entry["content_type"]) == \
        (etag, 7, "text/x-t")
    bad = _link(member, f"{cont}/s2", "c/target", **{"X-Symlink-Target-Etag": "nope"})
    assert bad.status_code == 409
    assert bad.text == (f"Object Etag '{etag}' does not match X-Symlink-Target-Etag header "
                        "'nope'")
    gone = _link(member, f"{cont}/s3", "c/missing", **{"X-Symlink-Target-Etag": etag})
    assert (gone.status_code, gone.text) == (409, "X-Symlink-Target does not exist")
    member.put(f"{cont}/target", content=b"changed")
    assert member.get(f"{cont}/static").status_code == 409


def test_put_and_post_rules(member: Any, cont: str) -> None:
    body = member.put(f"{cont}/x", content=b"abc", headers={"X-Symlink-Target": "c/target"})
    assert body.status_code == 400
    assert _link(member, f"{cont}/x", "justcontainer").status_code == 412
    _link(member, f"{cont}/link", "c/target")
    post = member.post(f"{cont}/link", headers={"X-Object-Meta-A": "b"}, follow_redirects=False)
    assert post.status_code == 307 and post.headers["Location"] == f"{A}/c/target"
    bad = member.post(f"{cont}/target", headers={"X-Symlink-Target": "c/x"})
    assert (bad.status_code, bad.text) == (400,
                                           "A PUT request is required to set a symlink target")
    copy = member.put(f"{cont}/copy", headers={"X-Copy-From": "c/link", "Content-Length": "0"})
    assert copy.status_code == 201
    assert member.get(f"{cont}/copy").content == b"payload"


def test_other_tenant_cannot_read_through_a_link(swift: Any, cont: str) -> None:
    other = swift.as_("other")
    other.put(f"{OTHER}/mine")
    resp = _link(other, f"{OTHER}/mine/peek", "c/target",
                 **{"X-Symlink-Target-Account": A.rsplit("/", 1)[1]})
    assert resp.status_code == 201
    got = other.get(f"{OTHER}/mine/peek")
    assert got.status_code == 403 and got.headers["Content-Location"] == f"{A}/c/target"
