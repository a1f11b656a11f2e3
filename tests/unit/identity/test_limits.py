"""Unified limits: registered limits, project limits and the enforcement model."""

from __future__ import annotations

from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import login, make_project, make_user

COVERS = [
    ("identity", "registered limits create/list/show/update/delete"),
    ("identity", "limits create/list/show/update/delete, limit model"),
]


def _service(ks: Keystone, admin: str) -> str:
    services = ks.call("GET", "/services?type=identity", admin).json()["services"]
    return str(services[0]["id"])


def test_registered_and_project_limits(keystone: Keystone) -> None:
    admin = keystone.admin()
    sid = _service(keystone, admin)
    resp = keystone.call("POST", "/registered_limits", admin, json={"registered_limits": [
        {"service_id": sid, "resource_name": "widgets", "default_limit": 10,
         "description": "how many"}]})
    assert resp.status_code == 201, resp.text
    reg = resp.json()["registered_limits"][0]
    assert reg["default_limit"] == 10 and reg["region_id"] is None
    dup = keystone.call("POST", "/registered_limits", admin, json={"registered_limits": [
        {"service_id": sid, "resource_name": "widgets", "default_limit": 3}]})
    assert dup.status_code == 409
    resp = keystone.call("PATCH", f"/registered_limits/{reg['id']}", admin,
                         json={"registered_limit": {"default_limit": 12}})
    assert resp.status_code == 200 and resp.json()["registered_limit"]["default_limit"] == 12
    project = make_project(keystone, admin)
    other_project = make_project(keystone, admin)
    resp = keystone.call("POST", "/limits", admin, json={"limits": [
        {"project_id": project, "service_id": sid, "resource_name": "widgets",
         "resource_limit": 5}]})
    assert resp.status_code == 201, resp.text
    lim = resp.json()["limits"][0]
    keystone.call("POST", "/limits", admin, json={"limits": [
        {"project_id": other_project, "service_id": sid, "resource_name": "widgets",
         "resource_limit": 7}]})
    # A registered limit that project limits use cannot be removed.
    assert keystone.call("DELETE", f"/registered_limits/{reg['id']}", admin).status_code == 403
    resp = keystone.call("PATCH", f"/limits/{lim['id']}", admin,
                         json={"limit": {"resource_limit": 6}})
    assert resp.json()["limit"]["resource_limit"] == 6
    member = login(keystone, make_user(keystone, admin, project, "member"), project)[0]
    seen = keystone.call("GET", "/limits", member).json()["limits"]
    assert [x["id"] for x in seen] == [lim["id"]]
    assert len(keystone.call("GET", "/limits", admin).json()["limits"]) == 2
    assert keystone.call("GET", f"/limits/{lim['id']}", member).status_code == 200
    other_id = [x["id"] for x in keystone.call("GET", "/limits", admin).json()["limits"]
                if x["id"] != lim["id"]][0]
    assert keystone.call("GET", f"/limits/{other_id}", member).status_code == 403
    assert keystone.call("GET", "/registered_limits", member).status_code == 200
    assert keystone.call("PATCH", f"/limits/{lim['id']}", member,
                         json={"limit": {"resource_limit": 99}}).status_code == 403
    model = keystone.call("GET", "/limits/model", member).json()["model"]
    assert model["name"] == "flat"
    for lid in (lim["id"], other_id):
        assert keystone.call("DELETE", f"/limits/{lid}", admin).status_code == 204
    assert keystone.call("DELETE", f"/registered_limits/{reg['id']}", admin).status_code == 204
    assert keystone.call("GET", f"/registered_limits/{reg['id']}", admin).status_code == 404


def test_bad_input(keystone: Keystone) -> None:
    admin = keystone.admin()
    sid = _service(keystone, admin)
    cases = [
        ({"registered_limits": [{"service_id": sid, "resource_name": "x"}]}, "default_limit"),
        ({"registered_limits": [{"service_id": "nope", "resource_name": "x",
                                 "default_limit": 1}]}, "service_id"),
        ({"registered_limits": [{"service_id": sid, "resource_name": "x", "default_limit": 1,
                                 "region_id": "Atlantis"}]}, "region_id"),
        ({"registered_limits": [{"service_id": sid, "resource_name": "x",
                                 "default_limit": "lots"}]}, "default_limit"),
        ({}, "registered_limits"),
    ]
    for body, field in cases:
        resp = keystone.call("POST", "/registered_limits", admin, json=body)
        assert resp.status_code == 400, resp.text
        assert field in resp.json()["error"]["message"], resp.text
    project = make_project(keystone, admin)
    resp = keystone.call("POST", "/limits", admin, json={"limits": [
        {"project_id": project, "service_id": sid, "resource_name": "unregistered",
         "resource_limit": 1}]})
    assert resp.status_code == 400 and "registered" in resp.json()["error"]["message"]
    resp = keystone.call("POST", "/limits", admin, json={"limits": [
        {"service_id": sid, "resource_name": "x", "resource_limit": 1}]})
    assert resp.status_code == 400 and "project_id" in resp.json()["error"]["message"]
    assert keystone.call("GET", "/limits/missing", admin).status_code == 404
