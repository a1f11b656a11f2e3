"""Sharing: owners add members, members accept, and visibility follows."""

from __future__ import annotations

from tests.support.personas import OTHER_PROJECT
from tests.unit.image.conftest import create


def test_share_accept_and_revoke(image_api):
    owner, other = image_api.as_("member"), image_api.as_("other")
    image = create(image_api)
    url = f"/v2/images/{image['id']}"
    assert other.get(url).status_code == 404
    resp = owner.post(f"{url}/members", json={"member": OTHER_PROJECT})
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "pending"
    assert owner.post(f"{url}/members", json={"member": OTHER_PROJECT}).status_code == 409
    assert other.get(url).status_code == 200
    assert image["id"] not in {i["id"] for i in other.get("/v2/images").json()["images"]}
    pending = other.get("/v2/images?visibility=shared&member_status=pending").json()["images"]
    assert [i["id"] for i in pending] == [image["id"]]
    member_url = f"{url}/members/{OTHER_PROJECT}"
    assert owner.put(member_url, json={"status": "accepted"}).status_code == 403
    assert other.put(member_url, json={"status": "bogus"}).status_code == 400
    assert other.put(member_url, json={"status": "accepted"}).json()["status"] == "accepted"
    assert image["id"] in {i["id"] for i in other.get("/v2/images").json()["images"]}
    assert [m["member_id"] for m in owner.get(f"{url}/members").json()["members"]] == [
        OTHER_PROJECT]
    assert other.get(member_url).json()["status"] == "accepted"
    assert other.delete(member_url).status_code == 403
    assert owner.delete(member_url).status_code == 204
    assert other.get(url).status_code == 404
    assert owner.get(member_url).status_code == 404


def test_only_shared_images_have_members(image_api):
    image = create(image_api, visibility="private")
    resp = image_api.as_("member").post(f"/v2/images/{image['id']}/members",
                                        json={"member": OTHER_PROJECT})
    assert resp.status_code == 403
    assert image_api.as_("member").post(f"/v2/images/{image['id']}/members",
                                        json={}).status_code in (400, 403)
