"""Bulk operations: archives expanded into containers and objects, and bulk deletes."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [("object", "bulk: extract-archive (tar, tar.gz, tar.bz2) and bulk-delete with "
                     "Swift's plain/JSON/XML result bodies and limits")]

A = account()


def _tar(files: dict[str, bytes], mode: str = "w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            if name.endswith("meta.txt"):
                info.pax_headers = {"SCHILY.xattr.user.meta.color": "blue",
                                    "SCHILY.xattr.user.mime_type": "text/x-custom"}
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize(("kind", "mode"), [("tar", "w"), ("tar.gz", "w:gz"),
                                            ("tar.bz2", "w:bz2")])
def test_extract_archive(member: Any, kind: str, mode: str) -> None:
    body = _tar({"c1/a.txt": b"a", "c1/d/b": b"bb", "c2/meta.txt": b"m", "top": b"x"},
                mode=mode)
    resp = member.put(f"{A}/", params={"extract-archive": kind}, content=body,
                      headers={"Accept": "application/json"})
    assert resp.status_code == 200, resp.text
    result = resp.json()
    assert result["Number Files Created"] == 3
    assert result["Response Status"] == "201 Created"
    assert result["Errors"] == []
    assert member.get(f"{A}/c1/d/b").content == b"bb"
    meta = member.head(f"{A}/c2/meta.txt").headers
    assert meta["x-object-meta-color"] == "blue"
    assert meta["content-type"] == "text/x-custom"


def test_extract_into_a_container_path_and_bad_input(member: Any) -> None:
    member.put(f"{A}/box")
    resp = member.put(f"{A}/box/pre", params={"extract-archive": "tar"},
                      content=_tar({"x/y": b"1"}))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    assert "Number Files Created: 1\n" in resp.text
    assert member.get(f"{A}/box/pre/x/y").content == b"1"
    bad = member.put(f"{A}", params={"extract-archive": "tar"}, content=b"not a tar",
                     headers={"Accept": "application/xml"})
    assert bad.status_code == 200
    assert "<response_status>400 Bad Request</response_status>" in bad.text
    assert bad.text.startswith("<extract>")
    assert member.put(A, params={"extract-archive": "zip"}, content=b"").status_code == 400
    empty = member.put(A, params={"extract-archive": "tar"}, content=_tar({"top": b"x"}),
                       headers={"Accept": "application/json"}).json()
    assert empty["Response Body"] == "Invalid Tar File: No Valid Files"


def test_extract_into_another_project_is_refused(swift: Any) -> None:
    other = swift.as_("other")
    resp = other.put(A, params={"extract-archive": "tar"}, content=_tar({"c/x": b"1"}),
                     headers={"Accept": "application/json"})
    result = resp.json()
    assert result["Number Files Created"] == 0
    # As Swift: the failures are listed, and the whole is a 400.
    assert result["Response Status"] == "400 Bad Request"
    assert result["Errors"] == [["c/x", "403 Forbidden"]]
    assert swift.as_("member").get(f"{A}/c").status_code == 404


def test_bulk_delete(member: Any, swift: Any) -> None:
    member.put(f"{A}/d1")
    member.put(f"{A}/d1/x y", content=b"1")
    member.put(f"{A}/d2")
    member.put(f"{A}/d2/keep", content=b"1")
    body = "d1/x%20y\n/d1\nd1/missing\nd2\n"
    resp = member.post(A, params={"bulk-delete": ""}, content=body,
                       headers={"Accept": "application/json", "Content-Type": "text/plain"})
    result = resp.json()
    assert result["Number Deleted"] == 2
    assert result["Number Not Found"] == 1
    assert result["Errors"] == [["d2", "409 Conflict"]]
    assert result["Response Status"] == "400 Bad Request"
    assert member.get(f"{A}/d1").status_code == 404
    by_delete = member.delete(A, params={"bulk-delete": ""}, content="d2/keep\nd2",
                              headers={"Content-Type": "text/plain"})
    assert by_delete.status_code == 200
    assert "Number Deleted: 2\n" in by_delete.text
    refused = member.delete(A, params={"bulk-delete": ""}, content="x",
                            headers={"Content-Type": "application/json",
                                     "Accept": "application/json"}).json()
    assert refused["Response Status"] == "406 Not Acceptable"
    # Another project's objects are not this caller's to delete.
    other = swift.as_("other")
    member.put(f"{A}/mine")
    theirs = other.post(A, params={"bulk-delete": ""}, content="mine",
                        headers={"Accept": "application/json"}).json()
    assert theirs["Errors"] == [["mine", "403 Forbidden"]]
    assert member.head(f"{A}/mine").status_code == 204


def test_account_put_without_bulk_is_405_and_info(member: Any, swift: Any) -> None:
    assert member.put(A).status_code == 405
    info = swift.as_(None).get("/info").json()
    assert info["bulk_delete"]["max_deletes_per_request"] == 10000
    assert info["bulk_upload"]["max_containers_per_extraction"] == 10000
    assert json.loads(json.dumps(info["crossdomain"])) == {}


def test_extract_respects_container_quotas(member: Any) -> None:
    member.put(f"{A}/q", headers={"X-Container-Meta-Quota-Count": "1"})
    result = member.put(A, params={"extract-archive": "tar"},
                        content=_tar({"q/a": b"1", "q/b": b"2"}),
                        headers={"Accept": "application/json"}).json()
    assert result["Number Files Created"] == 1
    assert result["Errors"] == [["q/b", "413 Request Entity Too Large"]]
