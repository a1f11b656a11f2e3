"""Policy per persona: the account's members write, its readers read, other projects get 403."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.object.conftest import account

A = account("member")
C = f"{A}/prot"
OBJ = f"{C}/obj"


@pytest.fixture
def seeded(swift: Any) -> Any:
    member = swift.as_("member")
    assert member.put(C).status_code == 201
    assert member.put(OBJ, content=b"data").status_code == 201
    return swift


READS = [("head", A), ("get", A), ("head", C), ("get", C), ("head", OBJ), ("get", OBJ)]
WRITES = [
    ("post", A, {}),
    ("put", f"{A}/newcont", {}),
    ("post", C, {}),
    ("put", f"{C}/new", {"content": b"x"}),
    ("post", OBJ, {}),
    ("delete", OBJ, {}),
    ("delete", C, {}),
]


@pytest.mark.parametrize("method,path", READS)
@pytest.mark.parametrize("persona,allowed", [("admin", True), ("member", True),
                                             ("reader", True), ("other", False)])
def test_reads(seeded: Any, persona: str, allowed: bool, method: str, path: str) -> None:
    resp = getattr(seeded.as_(persona), method)(path)
    assert (resp.status_code < 300) == allowed, resp.status_code
    if not allowed:
        assert resp.status_code == 403


@pytest.mark.parametrize("method,path,kw", WRITES)
@pytest.mark.parametrize("persona", ["reader", "other"])
def test_writes_denied(seeded: Any, persona: str, method: str, path: str,
                       kw: dict[str, Any]) -> None:
    resp = getattr(seeded.as_(persona), method)(path, **kw)
    assert resp.status_code == 403
    assert seeded.as_("member").get(OBJ).content == b"data"


@pytest.mark.parametrize("persona", ["admin", "member"])
def test_writes_allowed(seeded: Any, persona: str) -> None:
    api = seeded.as_(persona)
    assert api.put(f"{C}/w", content=b"w").status_code == 201
    assert api.post(f"{C}/w", headers={"X-Object-Meta-X": "1"}).status_code == 202
    assert api.request("COPY", f"{C}/w", headers={"Destination": "prot/w2"}).status_code == 201
    assert api.delete(f"{C}/w").status_code == 204


def test_copy_needs_read_on_source_and_write_on_destination(seeded: Any) -> None:
    other = seeded.as_("other")
    other_account = account("other")
    assert other.put(f"{other_account}/mine").status_code == 201
    steal = other.put(f"{other_account}/mine/x", headers={
        "X-Copy-From": "/prot/obj", "X-Copy-From-Account": A.split("/")[-1],
        "Content-Length": "0"})
    assert steal.status_code == 403
    plant = seeded.as_("member").request("COPY", OBJ, headers={
        "Destination": "mine/planted", "Destination-Account": other_account.split("/")[-1]})
    assert plant.status_code == 403


def test_reseller_admin_role_reaches_any_account(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object")
    rt = cloud.runtimes["object"]
    creds = {"roles": ["ResellerAdmin"], "project_id": "zzz", "user_id": "u"}
    assert rt.enforcer.check("object:object:put", {"project_id": "abc"}, creds)
    creds = {"roles": ["member"], "project_id": "zzz", "user_id": "u"}
    assert not rt.enforcer.check("object:object:put", {"project_id": "abc"}, creds)
    assert not rt.enforcer.check("object:object:get", {"project_id": ""}, creds)


def test_container_read_acl_lets_another_project_read(seeded: Any) -> None:
    member, other = seeded.as_("member"), seeded.as_("other")
    other_project = account("other").split("_", 1)[1]
    assert member.post(C, headers={"X-Container-Read": f"{other_project}:*"}).status_code == 204
    assert other.get(OBJ).content == b"data"
    assert other.get(C).status_code == 200
    assert "x-container-read" not in other.head(C).headers  # only owners see the ACL
    assert member.head(C).headers["x-container-read"] == f"{other_project}:*"
    assert other.put(f"{C}/x", content=b"x").status_code == 403
    assert other.delete(OBJ).status_code == 403


def test_container_write_acl_lets_another_user_write(seeded: Any) -> None:
    member, other = seeded.as_("member"), seeded.as_("other")
    assert member.post(C, headers={"X-Container-Write": "*:u-other"}).status_code == 204
    assert other.put(f"{C}/x", content=b"x").status_code == 201
    assert other.get(f"{C}/x").status_code == 403  # write does not grant read
    assert other.delete(f"{C}/x").status_code == 204
    assert other.post(C, headers={"X-Container-Meta-A": "1"}).status_code == 403


def test_public_read_acl_objects_but_not_listing(seeded: Any) -> None:
    member, other = seeded.as_("member"), seeded.as_("other")
    member.post(C, headers={"X-Container-Read": ".r:*"})
    assert other.get(OBJ).status_code == 200
    assert other.get(C).status_code == 403
    member.post(C, headers={"X-Container-Read": ".r:*,.rlistings"})
    assert other.get(C).status_code == 200


def test_acl_on_missing_container_is_still_403(seeded: Any) -> None:
    assert seeded.as_("other").get(f"{A}/nothing/here").status_code == 403
