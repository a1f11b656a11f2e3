"""Bad requests get Glance's 4xx answers, never a 500."""

from __future__ import annotations

import pytest

from tests.unit.image.conftest import PATCH, create

MISSING = "/v2/images/00000000-0000-0000-0000-000000000000"


def test_malformed_json(image_api):
    resp = image_api.as_("member").post("/v2/images", content=b"{nope",
                                        headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert "text/html" in resp.headers["content-type"]
    assert image_api.as_("member").post("/v2/images", json=["x"]).status_code == 400


@pytest.mark.parametrize("body", [
    {"container_format": "wrong", "disk_format": "vhd"},
    {"container_format": "bare", "disk_format": "wrong"},
    {"visibility": "everyone"},
    {"protected": "yes"},
    {"min_ram": "lots"},
    {"name": "n" * 256},
    {"id": "not-a-uuid"},
    {"tags": "not-a-list"},
    {"kernel_id": "not-a-uuid"},
    {"custom": 5},
    {"x" * 256: "long key"},
])
def test_invalid_create(image_api, body):
    assert image_api.as_("member").post("/v2/images", json=body).status_code == 400


@pytest.mark.parametrize("body", [
    {"os_glance_foo": "bar"}, {"status": "active"}, {"self": "x"}, {"location": "x"},
    {"size": 1}, {"checksum": "x"},
])
def test_reserved_create(image_api, body):
    assert image_api.as_("member").post("/v2/images", json=body).status_code == 403


def test_unknown_ids(image_api):
    member = image_api.as_("member")
    assert member.get(MISSING).status_code == 404
    assert member.get("/v2/images/null").status_code == 404
    assert member.delete(MISSING).status_code == 404
    assert member.patch(MISSING, json=[], headers=PATCH).status_code == 404
    assert member.get(f"{MISSING}/file").status_code == 404
    assert member.put(f"{MISSING}/file", content=b"x").status_code == 404
    assert member.post(f"{MISSING}/actions/deactivate").status_code == 404
    assert member.get(f"{MISSING}/members").status_code == 404


def test_patch_bad_bodies(image_api):
    image = create(image_api)
    url = f"/v2/images/{image['id']}"
    member = image_api.as_("member")
    assert member.patch(url, content=b"[{", headers=PATCH).status_code == 400
    assert member.patch(url, json=["x"], headers=PATCH).status_code == 400
    assert member.patch(url, json=[{"op": "add", "path": "/a"}], headers=PATCH).status_code \
        == 400
    assert member.patch(url, json=[{"op": "add", "path": "/a/b", "value": "c"}],
                        headers=PATCH).status_code == 400
    assert member.patch(url, json=[], headers={}).status_code == 415


def test_import_bad_bodies(image_api):
    image = create(image_api)
    url = f"/v2/images/{image['id']}/import"
    member = image_api.as_("member")
    assert member.post(url, json=[]).status_code == 400
    assert member.post(url, json={}).status_code == 400
    assert member.post(url, json={"method": {"name": "glance-direct"},
                                  "all_stores": "yes"}).status_code == 400
