"""Accounts over the API: autocreated stats, listings, metadata; and the /info document."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from tests.unit.object.conftest import account

A = account()


def test_unused_account_is_empty_not_missing(member: Any) -> None:
    head = member.head(A)
    assert head.status_code == 204
    assert head.headers["x-account-container-count"] == "0"
    assert head.headers["x-account-object-count"] == "0"
    assert head.headers["x-account-bytes-used"] == "0"
    assert "x-timestamp" in head.headers
    assert member.get(A).status_code == 204
    resp = member.get(A, params={"format": "json"})
    assert resp.status_code == 200 and resp.json() == []


def test_account_stats_and_listing(member: Any) -> None:
    for name in ("b", "a", "c"):
        member.put(f"{A}/{name}")
    member.put(f"{A}/a/o1", content=b"123")
    member.put(f"{A}/a/o2", content=b"45")
    head = member.head(A).headers
    assert head["x-account-container-count"] == "3"
    assert head["x-account-object-count"] == "2"
    assert head["x-account-bytes-used"] == "5"
    assert member.get(A).text == "a\nb\nc\n"
    listing = member.get(A, params={"format": "json"}).json()
    assert listing[0]["name"] == "a" and listing[0]["count"] == 2 and listing[0]["bytes"] == 5
    assert set(listing[0]) == {"name", "count", "bytes", "last_modified"}
    names = [c["name"] for c in member.get(A, params={"format": "json", "marker": "a",
                                                      "limit": "1"}).json()]
    assert names == ["b"]
    names = [c["name"] for c in member.get(A, params={"format": "json", "reverse": "true",
                                                      "end_marker": "a"}).json()]
    assert names == ["c", "b"]
    assert member.get(A, params={"prefix": "c"}).text == "c\n"
    root = ET.fromstring(member.get(A, headers={"Accept": "application/xml"}).text)
    assert root.tag == "account" and len(root.findall("container")) == 3


def test_account_metadata(member: Any) -> None:
    assert member.post(A, headers={"X-Account-Meta-Quota": "10"}).status_code == 204
    assert member.head(A).headers["x-account-meta-quota"] == "10"
    member.post(A, headers={"X-Remove-Account-Meta-Quota": "x"})
    assert "x-account-meta-quota" not in member.head(A).headers


def test_account_put_and_delete_are_not_allowed(member: Any) -> None:
    assert member.put(A).status_code == 405
    assert member.delete(A).status_code == 405


def test_info_is_public(swift: Any) -> None:
    resp = swift.as_(None).get("/info")
    assert resp.status_code == 200
    info = resp.json()
    assert info["swift"]["max_file_size"] > 0
    assert info["swift"]["container_listing_limit"] == 10000
    # Besides ``swift``, a section per middleware served (each one's own tests check it).
    assert "swift" in info


def test_no_token_is_401(swift: Any) -> None:
    assert swift.as_(None).get(A).status_code == 401
    assert swift.as_(None).put(f"{A}/c").status_code == 401
