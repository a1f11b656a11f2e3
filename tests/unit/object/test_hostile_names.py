"""Hostile input on the object API: names that are not UTF-8, numeric headers that are not
numbers (or too big), and copies that reach into another account."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.unit.object.conftest import account

COVERS = [("object", "names: invalid UTF-8 and NUL are Swift's 412"),
          ("object", "headers: numeric values checked (X-Delete-At/-After, Content-Length, "
                     "Range)"),
          ("object", "copies: X-Copy-From and COPY read the source as the caller")]

A = account()
OTHER = account("other")
INVALID = "Invalid UTF8 or contains NULL"


@pytest.fixture
def cont(member: Any) -> str:
    assert member.put(f"{A}/c").status_code == 201
    return f"{A}/c"


# -- names ---------------------------------------------------------------------------------

def test_invalid_utf8_is_not_the_replacement_character(member: Any, cont: str) -> None:
    resp = member.put(f"{cont}/%ff%fe", content=b"bad")
    assert resp.status_code == 412 and INVALID in resp.text
    # U+FFFD itself is a valid name, and a different one.
    assert member.put(f"{cont}/%ef%bf%bd%ef%bf%bd", content=b"good").status_code == 201
    assert member.get(f"{cont}/%ff%fe").status_code == 412
    assert member.head(f"{cont}/%ff%fe").status_code == 412
    assert member.delete(f"{cont}/%ff%fe").status_code == 412
    assert member.get(f"{cont}/%ef%bf%bd%ef%bf%bd").content == b"good"
    assert [o["name"] for o in member.get(f"{cont}?format=json").json()] == ["\ufffd\ufffd"]


@pytest.mark.parametrize("path", ["/c/a%00b", "/c/%c0%af", "/c/%ed%a0%80", "/%ff",
                                  "/%ff/obj", "/c%00/o"])
def test_names_that_are_not_utf8_or_hold_nul_are_412(member: Any, cont: str, path: str) -> None:
    for method in ("PUT", "GET", "POST", "DELETE"):
        resp = member.request(method, f"{A}{path}", content=b"")
        assert resp.status_code == 412, (method, path, resp.text)
        assert INVALID in resp.text
    assert member.get(f"{cont}?format=json").json() == []


def test_account_part_is_checked_too(member: Any) -> None:
    assert member.get("/v1/AUTH_%ff").status_code == 412


def test_query_parameters_must_be_utf8(member: Any, cont: str) -> None:
    resp = member.get(f"{cont}?marker=%ff")
    assert resp.status_code == 400 and '"marker" parameter not valid UTF-8' in resp.text
    assert member.get(f"{cont}?marker=%e2%98%83").status_code in (200, 204)


def test_copy_headers_naming_invalid_utf8_are_412(member: Any, cont: str) -> None:
    assert member.put(f"{cont}/src", content=b"s").status_code == 201
    resp = member.put(f"{cont}/dst", headers={"X-Copy-From": "c/%ff", "Content-Length": "0"})
    assert resp.status_code == 412 and INVALID in resp.text
    resp = member.request("COPY", f"{cont}/src", headers={"Destination": "c/a%00"})
    assert resp.status_code == 412
    assert [o["name"] for o in member.get(f"{cont}?format=json").json()] == ["src"]


def test_copy_header_naming_utf8_bytes_finds_the_object(member: Any, cont: str) -> None:
    assert member.put(f"{cont}/%e2%98%83", content=b"snow").status_code == 201
    resp = member.put(f"{cont}/copy", headers={"X-Copy-From": "c/%e2%98%83",
                                               "Content-Length": "0"})
    assert resp.status_code == 201
    assert member.get(f"{cont}/copy").content == b"snow"


# -- numeric headers -----------------------------------------------------------------------

def test_huge_delete_at_is_taken_as_swifts_maximum(member: Any, cont: str) -> None:
    resp = member.put(f"{cont}/o", content=b"x",
                      headers={"X-Delete-At": "99999999999999999999999"})
    assert resp.status_code == 201
    assert member.head(f"{cont}/o").headers["x-delete-at"] == "9999999999"
    resp = member.post(f"{cont}/o", headers={"X-Delete-After": "99999999999999999999999"})
    assert resp.status_code == 202
    assert member.head(f"{cont}/o").headers["x-delete-at"] == "9999999999"


@pytest.mark.parametrize("headers, message", [
    ({"X-Delete-At": "1e400"}, "Non-integer X-Delete-At"),
    ({"X-Delete-At": "nan"}, "Non-integer X-Delete-At"),
    ({"X-Delete-At": f"{int(time.time()) + 100}.5"}, "Non-integer X-Delete-At"),
    ({"X-Delete-At": "9" * 5000}, "Non-integer X-Delete-At"),
    ({"X-Delete-At": "-99999999999999999999999"}, "X-Delete-At in past"),
    ({"X-Delete-After": "9" * 5000}, "Non-integer X-Delete-After"),
    ({"X-Delete-After": "1e3"}, "Non-integer X-Delete-After"),
    ({"X-Delete-After": "0"}, "X-Delete-After in past"),
    ({"X-Delete-After": "-99999999999999999999999"}, "X-Delete-After in past"),
])
def test_expiry_headers_are_checked(member: Any, cont: str, headers: dict[str, str],
                                    message: str) -> None:
    resp = member.put(f"{cont}/o", content=b"x", headers=headers)
    assert resp.status_code == 400 and message in resp.text
    assert member.head(f"{cont}/o").status_code == 404


def test_copy_content_length_must_be_a_number(member: Any, cont: str) -> None:
    assert member.put(f"{cont}/src", content=b"s").status_code == 201
    for value, status in (("abc", 400), ("99999999999999999999999", 413), ("1", 400)):
        resp = member.put(f"{cont}/dst", headers={"X-Copy-From": "c/src",
                                                  "Content-Length": value})
        assert resp.status_code == status, (value, resp.text)
    assert member.head(f"{cont}/dst").status_code == 404


def test_unreadable_range_and_dates_are_ignored(member: Any, cont: str) -> None:
    assert member.put(f"{cont}/o", content=b"hello").status_code == 201
    resp = member.get(f"{cont}/o", headers={"Range": "bytes=0-" + "9" * 5000})
    assert resp.status_code == 200 and resp.content == b"hello"
    resp = member.get(f"{cont}/o", headers={"Range": "bytes=99999999999999999999999-"})
    assert resp.status_code == 416
    for header in ("If-Modified-Since", "If-Unmodified-Since"):
        resp = member.get(f"{cont}/o", headers={header: "Mon, 01 Jan 99999 00:00:00 GMT"})
        assert resp.status_code == 200, header


# -- copies as the caller ------------------------------------------------------------------

@pytest.fixture
def theirs(swift: Any) -> Any:
    """Another project's account: a private container, and one the member may read."""
    other = swift.as_("other")
    member_project = A.split("_", 1)[1]
    assert other.put(f"{OTHER}/private").status_code == 201
    assert other.put(f"{OTHER}/private/secret", content=b"secret").status_code == 201
    assert other.put(f"{OTHER}/shared", headers={
        "X-Container-Read": f"{member_project}:*"}).status_code == 201
    assert other.put(f"{OTHER}/shared/open", content=b"open").status_code == 201
    return other


def _copy_from(member: Any, source: str, account_name: str) -> Any:
    return member.put(f"{A}/c/copy", headers={
        "X-Copy-From": source, "X-Copy-From-Account": account_name.rsplit("/", 1)[-1],
        "Content-Length": "0"})


def test_copy_from_another_accounts_private_object_writes_nothing(
        member: Any, cont: str, theirs: Any) -> None:
    for source in ("private/secret", "private/missing", "nowhere/secret"):
        resp = _copy_from(member, source, OTHER)
        assert resp.status_code in (403, 404), (source, resp.status_code)
    assert member.request("COPY", f"{OTHER}/private/secret", headers={
        "Destination": "c/copy", "Destination-Account": A.rsplit("/", 1)[-1]}
        ).status_code in (403, 404)
    assert member.head(f"{cont}/copy").status_code == 404
    assert member.get(f"{cont}?format=json").json() == []


def test_copy_from_a_container_whose_acl_lets_the_caller_read(
        member: Any, cont: str, theirs: Any) -> None:
    assert _copy_from(member, "shared/open", OTHER).status_code == 201
    assert member.get(f"{cont}/copy").content == b"open"
    resp = member.request("COPY", f"{OTHER}/shared/open", headers={
        "Destination": "c/copy2", "Destination-Account": A.rsplit("/", 1)[-1]})
    assert resp.status_code == 201
    assert member.get(f"{cont}/copy2").content == b"open"


def test_a_manifest_does_not_open_a_private_container(
        member: Any, cont: str, theirs: Any) -> None:
    # A readable manifest whose segments sit in a container the caller may not read.
    assert theirs.put(f"{OTHER}/shared/movie", content=b"",
                      headers={"X-Object-Manifest": "private/sec"}).status_code == 201
    assert theirs.get(f"{OTHER}/shared/movie").content == b"secret"
    assert member.get(f"{OTHER}/shared/movie").status_code == 403
    assert member.head(f"{OTHER}/shared/movie").status_code == 403
    assert _copy_from(member, "shared/movie", OTHER).status_code == 403
    assert member.head(f"{cont}/copy").status_code == 404


def test_manifest_must_name_utf8(member: Any, cont: str) -> None:
    for value in ("c/%ff", "c/a%00b"):
        resp = member.put(f"{cont}/m", content=b"", headers={"X-Object-Manifest": value})
        assert resp.status_code == 400, value
    assert member.put(f"{cont}/m", content=b"",
                      headers={"X-Object-Manifest": "c/%e2%98%83"}).status_code == 201
