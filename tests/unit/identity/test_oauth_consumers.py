"""OAuth1 consumers (/v3/OS-OAUTH1/consumers)."""

from __future__ import annotations

from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import login, make_project, make_user

COVERS = [("identity", "OAuth1 consumers create/list/show/update/delete")]


def test_consumers(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("POST", "/OS-OAUTH1/consumers", admin,
                         json={"consumer": {"description": "app"}})
    assert resp.status_code == 201, resp.text
    consumer = resp.json()["consumer"]
    assert consumer["secret"] and consumer["description"] == "app"
    cid = consumer["id"]
    shown = keystone.call("GET", f"/OS-OAUTH1/consumers/{cid}", admin).json()["consumer"]
    assert "secret" not in shown and shown["links"] == consumer["links"]
    resp = keystone.call("PATCH", f"/OS-OAUTH1/consumers/{cid}", admin,
                         json={"consumer": {"description": "renamed"}})
    assert resp.json()["consumer"]["description"] == "renamed"
    resp = keystone.call("PATCH", f"/OS-OAUTH1/consumers/{cid}", admin,
                         json={"consumer": {"secret": "mine"}})
    assert resp.status_code == 400 and "secret" in resp.json()["error"]["message"]
    listed = keystone.call("GET", "/OS-OAUTH1/consumers", admin).json()["consumers"]
    assert cid in {c["id"] for c in listed}
    project = make_project(keystone, admin)
    member = login(keystone, make_user(keystone, admin, project, "member"), project)[0]
    assert keystone.call("POST", "/OS-OAUTH1/consumers", member,
                         json={"consumer": {}}).status_code == 403
    assert keystone.call("DELETE", f"/OS-OAUTH1/consumers/{cid}", member).status_code == 403
    assert keystone.call("DELETE", f"/OS-OAUTH1/consumers/{cid}", admin).status_code == 204
    assert keystone.call("GET", f"/OS-OAUTH1/consumers/{cid}", admin).status_code == 404
    resp = keystone.call("POST", "/OS-OAUTH1/consumers", admin, json={"consumer": "x"})
    assert resp.status_code == 400
