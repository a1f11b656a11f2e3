"""Containers over the API: create, stats, metadata, delete, and every listing filter."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [("object", "container ACLs: a public read ACL (.r:*, .rlistings) lets a caller "
                     "without a token read; otherwise 401")]

A = account()


def _fill(member: Any, container: str, names: list[str]) -> None:
    assert member.put(f"{A}/{container}").status_code in (201, 202)
    for name in names:
        assert member.put(f"{A}/{container}/{name}", content=b"x").status_code == 201


def _names(member: Any, container: str, **params: str) -> list[str]:
    resp = member.get(f"{A}/{container}", params={"format": "json", **params})
    assert resp.status_code == 200, resp.text
    return [item.get("name", item.get("subdir")) for item in resp.json()]


def test_create_then_update_is_202(member: Any) -> None:
    assert member.put(f"{A}/c1").status_code == 201
    resp = member.put(f"{A}/c1", headers={"X-Container-Meta-Owner": "team"})
    assert resp.status_code == 202
    assert resp.headers["x-trans-id"].startswith("tx")
    head = member.head(f"{A}/c1")
    assert head.status_code == 204
    assert head.headers["x-container-meta-owner"] == "team"
    assert head.headers["x-container-object-count"] == "0"
    assert head.headers["x-container-bytes-used"] == "0"
    assert head.headers["x-storage-policy"] == "Policy-0"
    assert float(head.headers["x-timestamp"]) > 0


def test_container_metadata_post_and_remove(member: Any) -> None:
    member.put(f"{A}/meta", headers={"X-Container-Meta-A": "1", "X-Container-Meta-B": "2"})
    resp = member.post(f"{A}/meta", headers={"X-Container-Meta-C": "3",
                                             "X-Remove-Container-Meta-A": "x",
                                             "X-Container-Meta-B": ""})
    assert resp.status_code == 204
    head = member.head(f"{A}/meta").headers
    assert head["x-container-meta-c"] == "3"
    assert "x-container-meta-a" not in head
    assert "x-container-meta-b" not in head


def test_container_acl_headers_are_kept(member: Any) -> None:
    member.put(f"{A}/acl", headers={"X-Container-Read": ".r:*"})
    assert member.head(f"{A}/acl").headers["x-container-read"] == ".r:*"
    member.post(f"{A}/acl", headers={"X-Remove-Container-Read": "x"})
    assert "x-container-read" not in member.head(f"{A}/acl").headers


def test_counts_follow_objects(member: Any) -> None:
    member.put(f"{A}/cnt")
    member.put(f"{A}/cnt/a", content=b"12345")
    member.put(f"{A}/cnt/b", content=b"123")
    member.put(f"{A}/cnt/a", content=b"1")  # overwrite: count stays, bytes change
    head = member.head(f"{A}/cnt").headers
    assert (head["x-container-object-count"], head["x-container-bytes-used"]) == ("2", "4")
    member.delete(f"{A}/cnt/b")
    head = member.head(f"{A}/cnt").headers
    assert (head["x-container-object-count"], head["x-container-bytes-used"]) == ("1", "1")


def test_delete_non_empty_is_409_then_204(member: Any) -> None:
    _fill(member, "full", ["o"])
    assert member.delete(f"{A}/full").status_code == 409
    assert member.delete(f"{A}/full/o").status_code == 204
    assert member.delete(f"{A}/full").status_code == 204
    assert member.head(f"{A}/full").status_code == 404


def test_missing_container_is_404(member: Any) -> None:
    for method in ("head", "get", "post", "delete"):
        resp = getattr(member, method)(f"{A}/nope")
        assert resp.status_code == 404, method
    resp = member.get(f"{A}/nope")
    assert "<h1>404 Not Found</h1>" in resp.text
    assert "x-trans-id" in resp.headers


@pytest.mark.parametrize("name", ["a" * 257])
def test_bad_container_name_is_400(member: Any, name: str) -> None:
    assert member.put(f"{A}/{name}").status_code == 400


def test_trailing_slash_means_the_container(member: Any) -> None:
    assert member.put(f"{A}/slash/").status_code == 201
    assert member.head(f"{A}/slash").status_code == 204
    assert member.get(f"{A}/slash/").status_code == 204
    assert member.delete(f"{A}/slash/").status_code == 204


def test_listing_formats(member: Any) -> None:
    _fill(member, "fmt", ["b", "a"])
    plain = member.get(f"{A}/fmt")
    assert plain.status_code == 200
    assert plain.text == "a\nb\n"
    assert plain.headers["content-type"].startswith("text/plain")
    by_accept = member.get(f"{A}/fmt", headers={"Accept": "application/json"})
    assert by_accept.headers["content-type"].startswith("application/json")
    entry = by_accept.json()[0]
    assert set(entry) == {"name", "hash", "bytes", "content_type", "last_modified"}
    assert entry["hash"] == "9dd4e461268c8034f5c8564e155c67a6" and entry["bytes"] == 1
    root = ET.fromstring(member.get(f"{A}/fmt", params={"format": "xml"}).text)
    assert root.tag == "container" and root.get("name") == "fmt"
    assert [o.findtext("name") for o in root.findall("object")] == ["a", "b"]


def test_empty_listing_plain_204_json_empty(member: Any) -> None:
    member.put(f"{A}/empty")
    assert member.get(f"{A}/empty").status_code == 204
    resp = member.get(f"{A}/empty", params={"format": "json"})
    assert resp.status_code == 200 and resp.json() == []


def test_listing_filters(member: Any) -> None:
    names = ["a", "b", "c", "d/1", "d/2", "d/e/3", "e", "\u00e9t\u00e9"]
    _fill(member, "flt", names)
    assert _names(member, "flt") == sorted(names)
    assert _names(member, "flt", limit="2") == ["a", "b"]
    assert _names(member, "flt", marker="b", limit="2") == ["c", "d/1"]
    assert _names(member, "flt", marker="a", end_marker="d") == ["b", "c"]
    assert _names(member, "flt", prefix="d/") == ["d/1", "d/2", "d/e/3"]
    assert _names(member, "flt", delimiter="/") == ["a", "b", "c", "d/", "e", "\u00e9t\u00e9"]
    assert _names(member, "flt", prefix="d/", delimiter="/") == ["d/1", "d/2", "d/e/"]
    assert _names(member, "flt", path="d") == ["d/1", "d/2"]
    assert _names(member, "flt", reverse="true", limit="3") == ["\u00e9t\u00e9", "e", "d/e/3"]
    assert _names(member, "flt", reverse="on", delimiter="/") == [
        "\u00e9t\u00e9", "e", "d/", "c", "b", "a"]
    assert _names(member, "flt", reverse="1", marker="c") == ["b", "a"]
    assert _names(member, "flt", delimiter="/", limit="4") == ["a", "b", "c", "d/"]
    subdir = member.get(f"{A}/flt", params={"format": "json", "prefix": "d/",
                                            "delimiter": "/"}).json()[-1]
    assert subdir == {"subdir": "d/e/"}


def test_listing_limit_over_maximum_is_412(member: Any) -> None:
    member.put(f"{A}/lim")
    assert member.get(f"{A}/lim", params={"limit": "10001"}).status_code == 412
    assert member.get(f"{A}/lim", params={"limit": "x"}).status_code == 400


def test_plain_listing_body_is_utf8(member: Any) -> None:
    _fill(member, "utf", ["\u2603 snow"])
    resp = member.get(f"{A}/utf")
    assert resp.content.decode("utf-8") == "\u2603 snow\n"
    assert json.loads(member.get(f"{A}/utf", params={"format": "json"}).text)[0]["name"] == (
        "\u2603 snow")


def test_a_public_read_acl_lets_anyone_read_without_a_token(swift: Any, member: Any) -> None:
    """Swift's referrer ACL: ``.r:*`` opens the objects, ``.rlistings`` the listing too; a
    caller without a token is asked for one (401), another project's user refused (403)."""
    member.put(f"{A}/pub")
    member.put(f"{A}/pub/o", content=b"public bytes")
    anonymous, other = swift.as_(None), swift.as_("other")
    assert anonymous.get(f"{A}/pub/o").status_code == 401
    assert other.get(f"{A}/pub/o").status_code == 403
    member.post(f"{A}/pub", headers={"X-Container-Read": ".r:*"})
    got = anonymous.get(f"{A}/pub/o")
    assert got.status_code == 200 and got.content == b"public bytes"
    assert anonymous.head(f"{A}/pub/o").status_code == 200
    assert other.get(f"{A}/pub/o").status_code == 200
    # Reading is not listing, nor writing.
    assert anonymous.get(f"{A}/pub").status_code == 401
    assert anonymous.put(f"{A}/pub/new", content=b"x").status_code == 401
    assert anonymous.get(f"{A}/nowhere/o").status_code == 401
    member.post(f"{A}/pub", headers={"X-Container-Read": ".r:*,.rlistings"})
    listed = anonymous.get(f"{A}/pub")
    assert listed.status_code == 200 and listed.text.split() == ["o"]
