"""Account ACLs (X-Account-Access-Control): read-only, read-write and admin grants, their
validation, and the privileged headers only owners see and set."""

from __future__ import annotations

import json
from typing import Any

from tests.support.personas import project_of, user_of
from tests.unit.object.conftest import account

COVERS = [("object", "account ACLs: X-Account-Access-Control read-only/read-write/admin, "
                     "owner-only headers")]

A = account()
OTHER = f"{project_of('other')}:{user_of('other')}"


def _grant(member: Any, level: str) -> None:
    acl = json.dumps({level: [OTHER]})
    assert member.post(A, headers={"X-Account-Access-Control": acl}).status_code == 204


def test_levels(swift: Any, member: Any) -> None:
    member.post(A, headers={"X-Account-Meta-Temp-URL-Key": "k"})
    member.put(f"{A}/c", headers={"X-Container-Read": "x:y"})
    member.put(f"{A}/c/o", content=b"data")
    other = swift.as_("other")
    assert other.get(f"{A}/c/o").status_code == 403
    _grant(member, "read-only")
    assert member.head(A).headers["x-account-access-control"] == json.dumps(
        {"read-only": [OTHER]}, separators=(",", ":"))
    assert other.get(f"{A}/c/o").content == b"data"
    assert other.get(A).status_code == 200
    assert other.put(f"{A}/c/new", content=b"x").status_code == 403
    head = other.head(A).headers
    assert "x-account-meta-temp-url-key" not in head
    assert "x-account-access-control" not in head
    assert "x-container-read" not in other.head(f"{A}/c").headers
    _grant(member, "read-write")
    assert other.put(f"{A}/c/new", content=b"x").status_code == 201
    assert other.put(f"{A}/c2", headers={"X-Container-Read": ".r:*"}).status_code == 201
    # A read-write user may not make a container public nor change the account's ACL.
    assert "x-container-read" not in member.head(f"{A}/c2").headers
    assert other.post(A, headers={"X-Account-Access-Control": "{}"}).status_code == 403
    _grant(member, "admin")
    assert other.head(A).headers["x-account-meta-temp-url-key"] == "k"
    assert other.post(A, headers={"X-Account-Access-Control": ""}).status_code == 204
    assert other.get(f"{A}/c/o").status_code == 403


def test_invalid_acls_are_400(member: Any) -> None:
    for value, why in (("not json", "Syntax error in input"),
                       ('{"owner": ["x"]}', 'Key "owner" not recognized'),
                       ('{"admin": "x"}', 'Value for key "admin" must be a list'),
                       ('{"admin": [1]}', 'Elements of "admin" list must be strings')):
        resp = member.post(A, headers={"X-Account-Access-Control": value})
        assert resp.status_code == 400
        assert resp.text.startswith(f"X-Account-Access-Control invalid: {why}")


def test_reader_cannot_set_an_acl(swift: Any) -> None:
    reader = swift.as_("reader")
    resp = reader.post(A, headers={"X-Account-Access-Control": json.dumps({"admin": ["*:*"]})})
    assert resp.status_code == 403
    assert "x-account-access-control" not in swift.as_("member").head(A).headers


def test_container_acl_referrers(swift: Any, member: Any) -> None:
    member.put(f"{A}/ref", headers={"X-Container-Read": " .referrer:.example.com , "
                                                       ".r:-bad.example.com,,.rlistings"})
    assert member.head(f"{A}/ref").headers["x-container-read"] == \
        ".r:.example.com,.r:-bad.example.com,.rlistings"
    member.put(f"{A}/ref/o", content=b"x")
    anonymous = swift.as_(None)
    assert anonymous.get(f"{A}/ref/o", headers={"Referer": "https://www.example.com/p"}) \
        .status_code == 200
    assert anonymous.get(f"{A}/ref", headers={"Referer": "http://a.example.com/"}) \
        .status_code == 200
    assert anonymous.get(f"{A}/ref/o", headers={"Referer": "https://bad.example.com/"}) \
        .status_code == 401
    assert anonymous.get(f"{A}/ref/o").status_code == 401
    for header, value in (("X-Container-Write", ".r:*"), ("X-Container-Read", ".r:"),
                          ("X-Container-Read", ".x:y")):
        resp = member.post(f"{A}/ref", headers={header: value})
        assert resp.status_code == 400, (header, value)


def test_star_acls_need_a_token(swift: Any, member: Any) -> None:
    member.put(f"{A}/open", headers={"X-Container-Read": "*:*", "X-Container-Write": "*:*"})
    member.put(f"{A}/open/o", content=b"x")
    anonymous = swift.as_(None)
    assert anonymous.put(f"{A}/open/new", content=b"x").status_code == 401
    assert anonymous.delete(f"{A}/open/o").status_code == 401
    assert anonymous.get(f"{A}/open/o").status_code == 401
    other = swift.as_("other")
    assert other.get(f"{A}/open/o").status_code == 200
    assert other.put(f"{A}/open/new", content=b"y").status_code == 201
