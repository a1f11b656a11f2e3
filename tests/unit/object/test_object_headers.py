"""What an object keeps besides its bytes, as Swift's object server keeps it: empty metadata
values, the plain headers a PUT or POST may set, the metadata a copy answers with; and the
proxy's healthcheck, and a container whose last objects expired being deletable."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [("object", "object headers: empty X-Object-Meta values kept, Content-Disposition/"
                     "Content-Encoding/Cache-Control kept and replaced by POST, a copy's answer "
                     "shows its metadata; /healthcheck; a container of expired objects deletes")]

A = account()


@pytest.fixture
def cont(member: Any) -> str:
    assert member.put(f"{A}/heads").status_code == 201
    return f"{A}/heads"


def test_empty_metadata_is_kept_and_remove_drops_it(member: Any, cont: str) -> None:
    member.put(f"{cont}/o", content=b"x", headers={"X-Object-Meta-Blank": "",
                                                    "X-Object-Meta-Kept": "v"})
    head = member.head(f"{cont}/o").headers
    assert head["x-object-meta-blank"] == "" and head["x-object-meta-kept"] == "v"
    member.post(f"{cont}/o", headers={"X-Object-Meta-Other": "", "X-Remove-Object-Meta-X": "1"})
    head = member.head(f"{cont}/o").headers
    assert head["x-object-meta-other"] == "" and "x-object-meta-kept" not in head


def test_allowed_headers_are_kept_replaced_and_copied(member: Any, cont: str) -> None:
    member.put(f"{cont}/doc", content=b"x", headers={
        "Content-Disposition": "inline", "Content-Encoding": "gzip",
        "Cache-Control": "no-cache", "X-Object-Meta-Src": "s"})
    got = member.get(f"{cont}/doc")
    assert got.headers["content-disposition"] == "inline"
    assert got.headers["content-encoding"] == "gzip"
    assert got.headers["cache-control"] == "no-cache"
    assert "x-object-meta-:content-disposition" not in got.headers
    copied = member.request("COPY", f"{cont}/doc", headers={
        "Destination": "heads/copy", "X-Object-Meta-New": ""})
    assert copied.status_code == 201
    assert copied.headers["x-object-meta-src"] == "s" and copied.headers["x-object-meta-new"] == ""
    assert member.head(f"{cont}/copy").headers["content-disposition"] == "inline"
    # A POST replaces them all: what it does not name is gone.
    member.post(f"{cont}/doc", headers={"Content-Disposition": "attachment"})
    head = member.head(f"{cont}/doc").headers
    assert head["content-disposition"] == "attachment" and "cache-control" not in head


def test_healthcheck_answers_ok_without_a_token(swift: Any) -> None:
    resp = swift.as_(None).get("/healthcheck")
    assert resp.status_code == 200 and resp.text == "OK"
    assert resp.headers["x-trans-id"].startswith("tx")


def test_a_container_whose_objects_expired_can_be_deleted(member: Any, cont: str) -> None:
    soon = int(time.time()) + 1
    member.put(f"{cont}/brief", content=b"x", headers={"X-Delete-At": str(soon)})
    assert member.delete(cont).status_code == 409
    time.sleep(max(0.0, soon - time.time()) + 1.1)
    assert member.delete(cont).status_code == 204
