"""Each persona against each image resource: other projects get 404, readers cannot write."""

from __future__ import annotations

import pytest

from tests.unit.image.conftest import PATCH, create, upload

RENAME = [{"op": "replace", "path": "/name", "value": "x"}]


@pytest.fixture
def private_image(image_api):
    image = create(image_api, visibility="private")
    upload(image_api, image["id"], b"private bytes")
    return image


def test_read_private(image_api, private_image):
    url = f"/v2/images/{private_image['id']}"
    assert image_api.as_("admin").get(url).status_code == 200
    assert image_api.as_("member").get(url).status_code == 200
    assert image_api.as_("reader").get(url).status_code == 200
    assert image_api.as_("other").get(url).status_code == 404
    assert image_api.as_("other").get(f"{url}/file").status_code == 404
    listed = image_api.as_("other").get("/v2/images").json()["images"]
    assert private_image["id"] not in {i["id"] for i in listed}
    admin_list = image_api.as_("admin").get("/v2/images").json()["images"]
    assert private_image["id"] in {i["id"] for i in admin_list}


def test_write_private(image_api, private_image):
    url = f"/v2/images/{private_image['id']}"
    assert image_api.as_("reader").patch(url, json=RENAME, headers=PATCH).status_code == 403
    assert image_api.as_("other").patch(url, json=RENAME, headers=PATCH).status_code == 404
    assert image_api.as_("reader").put(f"{url}/tags/t").status_code == 403
    assert image_api.as_("other").put(f"{url}/tags/t").status_code == 404
    assert image_api.as_("reader").post(f"{url}/actions/deactivate").status_code == 403
    assert image_api.as_("reader").get(f"{url}/file").status_code == 403
    assert image_api.as_("reader").delete(url).status_code == 403
    assert image_api.as_("other").delete(url).status_code == 404
    assert image_api.as_("admin").patch(url, json=RENAME, headers=PATCH).status_code == 200
    assert image_api.as_("member").delete(url).status_code == 204


def test_create_rules(image_api):
    assert image_api.as_("reader").post("/v2/images", json={"name": "x"}).status_code == 403
    other_owner = {"name": "x", "owner": "c0000000000000000000000000000000"}
    assert image_api.as_("member").post("/v2/images", json=other_owner).status_code == 403
    public = {"name": "x", "visibility": "public"}
    assert image_api.as_("member").post("/v2/images", json=public).status_code == 403
    assert image_api.as_("admin").post("/v2/images", json=public).status_code == 201
    community = {"name": "x", "visibility": "community"}
    assert image_api.as_("member").post("/v2/images", json=community).status_code == 201
    assert image_api.as_(None).get("/v2/images").status_code == 401


def test_public_image_for_everyone(image_api):
    image = create(image_api, persona="admin", visibility="public")
    upload(image_api, image["id"], b"public", persona="admin")
    url = f"/v2/images/{image['id']}"
    for persona in ("member", "reader", "other"):
        assert image_api.as_(persona).get(url).status_code == 200
    assert image_api.as_("other").get(f"{url}/file").content == b"public"
    assert image_api.as_("other").patch(url, json=RENAME, headers=PATCH).status_code == 403
    assert image_api.as_("other").delete(url).status_code == 403
    listed = image_api.as_("other").get("/v2/images").json()["images"]
    assert image["id"] in {i["id"] for i in listed}


def test_community_image(image_api):
    image = create(image_api, visibility="community")
    url = f"/v2/images/{image['id']}"
    other = image_api.as_("other")
    assert other.get(url).status_code == 200
    assert image["id"] not in {i["id"] for i in other.get("/v2/images").json()["images"]}
    listed = other.get("/v2/images?visibility=community").json()["images"]
    assert image["id"] in {i["id"] for i in listed}
