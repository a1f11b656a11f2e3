"""Static large objects: manifest PUT and its checks, GET/HEAD of the whole (ranges across
segments, nested manifests), the manifest read back, and the delete of it with its segments."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [
    ("object", "objects: static large objects (multipart-manifest put/get/delete)"),
]

A = account()
PARTS = [b"a" * 5, b"b" * 7, b"c" * 3]


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.fixture
def cont(member: Any) -> str:
    assert member.put(f"{A}/slo").status_code == 201
    for i, data in enumerate(PARTS):
        assert member.put(f"{A}/slo/seg{i}", content=data).status_code == 201
    return f"{A}/slo"


def _manifest(**extra: Any) -> list[dict[str, Any]]:
    return [{"path": f"/slo/seg{i}", "etag": md5(d), "size_bytes": len(d), **extra}
            for i, d in enumerate(PARTS)]


def _put(member: Any, cont: str, name: str, manifest: Any) -> Any:
    body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    return member.put(f"{cont}/{name}?multipart-manifest=put", content=body)


def test_put_and_read_whole(member: Any, cont: str) -> None:
    resp = _put(member, cont, "big", _manifest())
    assert resp.status_code == 201
    etag = md5("".join(md5(d) for d in PARTS).encode())
    assert resp.headers["ETag"] == f'"{etag}"'
    got = member.get(f"{cont}/big")
    assert got.content == b"".join(PARTS)
    assert got.headers["ETag"] == f'"{etag}"'
    assert got.headers["X-Static-Large-Object"] == "True"
    head = member.head(f"{cont}/big")
    assert head.headers["Content-Length"] == "15"
    listing = member.get(f"{cont}?format=json").json()
    entry = next(e for e in listing if e["name"] == "big")
    manifest_md5 = md5(member.get(f"{cont}/big?multipart-manifest=get").content)
    assert (entry["bytes"], entry["hash"], entry["slo_etag"]) == (15, manifest_md5, f'"{etag}"')


def test_ranges_span_segments(member: Any, cont: str) -> None:
    _put(member, cont, "big", _manifest())
    whole = b"".join(PARTS)
    one = member.get(f"{cont}/big", headers={"Range": "bytes=3-13"})
    assert one.status_code == 206 and one.content == whole[3:14]
    multi = member.get(f"{cont}/big", headers={"Range": "bytes=0-1,10-12"})
    assert multi.status_code == 206
    assert whole[0:2] in multi.content and whole[10:13] in multi.content


def test_segment_ranges_and_nesting(member: Any, cont: str) -> None:
    inner = [{"path": "/slo/seg1", "etag": None, "size_bytes": None, "range": "2-4"},
             {"path": "/slo/seg2", "etag": None, "size_bytes": None}]
    assert _put(member, cont, "inner", inner).status_code == 201
    outer = [{"path": "/slo/seg0", "etag": None, "size_bytes": None, "range": "-2"},
             {"path": "/slo/inner", "etag": None, "size_bytes": None}]
    assert _put(member, cont, "outer", outer).status_code == 201
    assert member.get(f"{cont}/inner").content == PARTS[1][2:5] + PARTS[2]
    assert member.get(f"{cont}/outer").content == PARTS[0][-2:] + PARTS[1][2:5] + PARTS[2]


def test_manifest_checks(member: Any, cont: str) -> None:
    assert _put(member, cont, "x", b"{not json").text == "Manifest must be valid JSON.\n"
    assert _put(member, cont, "x", []).status_code == 400
    bad = _put(member, cont, "x", [{"path": "/slo/seg0", "etag": "0" * 32, "size_bytes": 1},
                                   {"path": "/slo/nothere"}])
    assert bad.status_code == 400
    assert bad.text == ("Errors:\n/slo/seg0, Etag Mismatch\n/slo/seg0, Size Mismatch\n"
                        "/slo/nothere, 404 Not Found\n")
    extra = _put(member, cont, "x", [{"path": "/slo/seg0", "color": "red"}])
    assert extra.text == 'Index 0: extraneous keys "color"\n'
    wrong = member.put(f"{cont}/x?multipart-manifest=put", content=json.dumps(_manifest()),
                       headers={"ETag": "0" * 32})
    assert wrong.status_code == 422
    reserved = member.put(f"{cont}/y", content=b"", headers={"X-Static-Large-Object": "True"})
    assert reserved.status_code == 400


def test_manifest_get_and_raw(member: Any, cont: str) -> None:
    _put(member, cont, "big", _manifest())
    stored = member.get(f"{cont}/big?multipart-manifest=get")
    assert stored.headers["Content-Type"].startswith("application/json")
    assert stored.headers["X-Static-Large-Object"] == "True"
    assert stored.headers["ETag"] == md5(stored.content)
    assert [e["name"] for e in stored.json()] == ["/slo/seg0", "/slo/seg1", "/slo/seg2"]
    raw = member.get(f"{cont}/big?multipart-manifest=get&format=raw").json()
    assert raw == _manifest()
    # The raw form PUTs back as the same manifest.
    assert _put(member, cont, "again", raw).status_code == 201


def test_manifest_delete_removes_segments(member: Any, cont: str) -> None:
    _put(member, cont, "big", _manifest())
    member.delete(f"{cont}/seg2")
    resp = member.delete(f"{cont}/big?multipart-manifest=delete")
    assert resp.status_code == 200
    assert "Number Deleted: 3\nNumber Not Found: 1\n" in resp.text
    assert member.head(cont).headers["X-Container-Object-Count"] == "0"


def test_missing_segment_on_read(member: Any, cont: str) -> None:
    _put(member, cont, "big", _manifest())
    member.delete(f"{cont}/seg0")
    assert member.get(f"{cont}/big").status_code == 409


def test_acl_reader_needs_the_segments_container(member: Any, swift: Any, cont: str) -> None:
    member.put(f"{A}/pub", headers={"X-Container-Read": ".r:*"})
    assert _put(member, f"{A}/pub", "big", _manifest()).status_code == 201
    assert swift.as_("other").get(f"{A}/pub/big").status_code == 403
    assert swift.as_(None).get(f"{A}/pub/big").status_code == 401
    member.post(cont, headers={"X-Container-Read": ".r:*"})
    assert swift.as_(None).get(f"{A}/pub/big").content == b"".join(PARTS)
