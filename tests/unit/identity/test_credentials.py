"""Credentials (/v3/credentials) and EC2 credentials (OS-EC2): CRUD, encryption, protection."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from nimbus.identity.db.models import Credential
from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import login, make_project, make_user

COVERS = [
    ("identity", "credential create/list/show/update/delete"),
    ("identity", "credential blobs encrypted at rest"),
    ("identity", "EC2 credentials create/list/show/delete (OS-EC2)"),
]


@pytest.fixture
def people(keystone: Keystone) -> dict[str, str]:
    admin = keystone.admin()
    project = make_project(keystone, admin)
    alice = make_user(keystone, admin, project, "member")
    bob = make_user(keystone, admin, project, "member")
    return {"admin": admin, "project": project, "alice_id": alice.id, "bob_id": bob.id,
            "alice": login(keystone, alice, project)[0], "bob": login(keystone, bob, project)[0]}


def _ec2_blob(access: str) -> str:
    return json.dumps({"access": access, "secret": "s3cr3t"})


def test_crud_and_encryption(keystone: Keystone, people: dict[str, str]) -> None:
    alice = people["alice"]
    resp = keystone.call("POST", "/credentials", alice, json={"credential": {
        "user_id": people["alice_id"], "project_id": people["project"], "type": "ec2",
        "blob": _ec2_blob("AKIA1")}})
    assert resp.status_code == 201, resp.text
    cred = resp.json()["credential"]
    assert json.loads(cred["blob"])["access"] == "AKIA1"
    assert cred["links"]["self"].endswith(f"/v3/credentials/{cred['id']}")
    with keystone.cloud.db.reader() as s:
        stored = s.scalar(select(Credential).filter_by(id=cred["id"]))
    assert stored is not None and "s3cr3t" not in stored.blob
    resp = keystone.call("PATCH", f"/credentials/{cred['id']}", alice, json={"credential": {
        "blob": json.dumps({"access": "AKIA1", "secret": "new"})}})
    assert resp.status_code == 200 and json.loads(resp.json()["credential"]["blob"])[
        "secret"] == "new"
    shown = keystone.call("GET", f"/credentials/{cred['id']}", alice).json()["credential"]
    assert json.loads(shown["blob"])["secret"] == "new"
    other = keystone.call("POST", "/credentials", alice, json={"credential": {
        "user_id": people["alice_id"], "type": "cert", "blob": "PEM"}})
    assert other.status_code == 201
    listed = keystone.call("GET", "/credentials?type=cert", alice).json()["credentials"]
    assert [c["id"] for c in listed] == [other.json()["credential"]["id"]]
    assert keystone.call("DELETE", f"/credentials/{cred['id']}", alice).status_code == 204
    assert keystone.call("GET", f"/credentials/{cred['id']}", alice).status_code == 404


def test_bad_input(keystone: Keystone, people: dict[str, str]) -> None:
    alice = people["alice"]
    base = {"user_id": people["alice_id"], "type": "ec2", "project_id": people["project"]}
    resp = keystone.call("POST", "/credentials", alice, json={"credential": base})
    assert resp.status_code == 400 and "blob" in resp.json()["error"]["message"]
    resp = keystone.call("POST", "/credentials", alice,
                         json={"credential": {**base, "blob": "not json"}})
    assert resp.status_code == 400 and "blob" in resp.json()["error"]["message"]
    resp = keystone.call("POST", "/credentials", alice, json={"credential": {
        **base, "project_id": None, "blob": _ec2_blob("A2")}})
    assert resp.status_code == 400 and "project_id" in resp.json()["error"]["message"]
    resp = keystone.call("POST", "/credentials", alice,
                         json={"credential": {**base, "blob": _ec2_blob("A3"), "id": "x" * 64}})
    assert resp.status_code == 400
    ok = keystone.call("POST", "/credentials", alice,
                       json={"credential": {**base, "blob": _ec2_blob("A4")}})
    assert ok.status_code == 201
    dup = keystone.call("POST", "/credentials", alice,
                        json={"credential": {**base, "blob": _ec2_blob("A4")}})
    assert dup.status_code == 409
    resp = keystone.call("PATCH", f"/credentials/{ok.json()['credential']['id']}", alice,
                         json={"credential": {}})
    assert resp.status_code == 400
    assert keystone.call("GET", "/credentials/missing", alice).status_code == 404


def test_protection(keystone: Keystone, people: dict[str, str]) -> None:
    alice, bob = people["alice"], people["bob"]
    mine = keystone.call("POST", "/credentials", alice, json={"credential": {
        "user_id": people["alice_id"], "type": "cert", "blob": "A"}}).json()["credential"]
    # Bob cannot make, see, change or delete Alice's credentials.
    resp = keystone.call("POST", "/credentials", bob, json={"credential": {
        "user_id": people["alice_id"], "type": "cert", "blob": "B"}})
    assert resp.status_code == 403
    assert keystone.call("GET", f"/credentials/{mine['id']}", bob).status_code == 403
    assert keystone.call("PATCH", f"/credentials/{mine['id']}", bob,
                         json={"credential": {"blob": "x"}}).status_code == 403
    assert keystone.call("DELETE", f"/credentials/{mine['id']}", bob).status_code == 403
    assert keystone.call("GET", "/credentials", bob).json()["credentials"] == []
    # Alice cannot hand her credential to Bob; the admin sees everything.
    resp = keystone.call("PATCH", f"/credentials/{mine['id']}", alice,
                         json={"credential": {"user_id": people["bob_id"]}})
    assert resp.status_code == 403
    everything = keystone.call("GET", "/credentials", people["admin"]).json()["credentials"]
    assert mine["id"] in {c["id"] for c in everything}


def test_ec2_credentials(keystone: Keystone, people: dict[str, str]) -> None:
    alice, uid = people["alice"], people["alice_id"]
    path = f"/users/{uid}/credentials/OS-EC2"
    resp = keystone.call("POST", path, alice, json={"tenant_id": people["project"]})
    assert resp.status_code == 201, resp.text
    cred = resp.json()["credential"]
    assert cred["user_id"] == uid and cred["tenant_id"] == people["project"]
    assert cred["access"] and cred["secret"]
    listed = keystone.call("GET", path, alice).json()["credentials"]
    assert [c["access"] for c in listed] == [cred["access"]]
    shown = keystone.call("GET", f"{path}/{cred['access']}", alice).json()["credential"]
    assert shown["secret"] == cred["secret"]
    # It is also an ordinary credential of type ec2.
    plain = keystone.call("GET", "/credentials?type=ec2", alice).json()["credentials"]
    assert json.loads(plain[0]["blob"])["access"] == cred["access"]
    # Bad input and other users.
    assert keystone.call("POST", path, alice, json={}).status_code == 400
    assert keystone.call("POST", path, alice, json={"tenant_id": "nope"}).status_code == 404
    bob_path = f"/users/{uid}/credentials/OS-EC2"
    assert keystone.call("GET", bob_path, people["bob"]).status_code == 403
    assert keystone.call("POST", bob_path, people["bob"],
                         json={"tenant_id": people["project"]}).status_code == 403
    assert keystone.call("DELETE", f"{bob_path}/{cred['access']}",
                         people["bob"]).status_code == 403
    assert keystone.call("DELETE", f"{path}/{cred['access']}", alice).status_code == 204
    assert keystone.call("GET", f"{path}/{cred['access']}", alice).status_code == 404
