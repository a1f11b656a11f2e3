"""``/images`` and ``/images/{id}/metadata``: Nova's proxy to the image API, in Nova's views,
as each caller sees the images, and gone from 2.36 on (the metadata from 2.39)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from nimbus.core.errors import Forbidden, NotFound
from tests.support.personas import PROJECT

GLANCE = "http://glance.example/image"
_OWN = ("id", "name", "status", "visibility", "protected", "owner", "size", "min_ram",
        "min_disk", "created_at", "updated_at", "tags", "os_hidden", "os_hash_algo",
        "os_hash_value", "checksum", "virtual_size", "container_format", "disk_format",
        "self", "file", "schema")


class ProjectImages:
    """The image API as each caller sees it: public images and its own project's."""

    def __init__(self) -> None:
        self.images: dict[str, dict[str, Any]] = {}
        self.project: str | None = None
        self.pages: list[list[tuple[str, str]]] = []
        self.patches: list[list[dict[str, Any]]] = []

    def acting_for(self, token: str | None, project_id: str | None) -> ProjectImages:
        assert token, "the proxy acts with the caller's token"
        view = copy.copy(self)
        view.project = project_id
        return view

    def _visible(self, image: dict[str, Any] | None) -> bool:
        return image is not None and (image["visibility"] == "public"
                                      or image["owner"] == self.project)

    def add(self, owner: str = PROJECT, visibility: str = "private", **fields: Any) -> str:
        ident = str(uuid.uuid4())
        n = len(self.images)
        self.images[ident] = {
            "id": ident, "name": f"img{n}", "status": "active", "visibility": visibility,
            "protected": False, "owner": owner, "size": 1024, "virtual_size": None,
            "min_ram": 0, "min_disk": 0, "checksum": None, "os_hidden": False,
            "os_hash_algo": None, "os_hash_value": None, "container_format": "bare",
            "disk_format": "raw", "tags": [], "created_at": f"2024-05-01T12:00:{n:02d}Z",
            "updated_at": f"2024-05-01T12:00:{n:02d}Z", "self": f"/v2/images/{ident}",
            "file": f"/v2/images/{ident}/file", "schema": "/v2/schemas/image", **fields}
        return ident

    def public_url(self) -> str:
        return GLANCE

    def image_page(self, params: list[tuple[str, str]]) -> dict[str, Any]:
        self.pages.append(list(params))
        query = dict(params)
        limit = int(query.pop("limit", "25"))
        marker = query.pop("marker", None)
        found = [i for i in reversed(list(self.images.values())) if self._visible(i)]
        for key, value in query.items():
            if key == "updated_at":
                found = [i for i in found if i["updated_at"] >= value.split(":", 1)[1]]
            else:
                found = [i for i in found if str(i.get(key)) == value]
        if marker is not None:
            ids = [i["id"] for i in found]
            found = found[ids.index(marker) + 1:]
        body: dict[str, Any] = {"images": copy.deepcopy(found[:limit])}
        if len(found) > limit:
            body["next"] = "/v2/images?marker=..."
        return body

    def get_image(self, image_id: str) -> dict[str, Any]:
        found = self.images.get(image_id)
        if not self._visible(found):
            raise NotFound(f"No image found with ID {image_id}")
        return copy.deepcopy(found or {})

    def delete_image(self, image_id: str) -> None:
        image = self.get_image(image_id)
        if image["owner"] != self.project:
            raise Forbidden("You are not permitted to delete this image.")
        del self.images[image_id]

    def patch_image(self, image_id: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
        image = self.get_image(image_id)
        if image["owner"] != self.project:
            raise Forbidden("You are not permitted to modify this image.")
        self.patches.append(ops)
        record = self.images[image_id]
        for op in ops:
            key = op["path"][1:]
            if op["op"] == "remove":
                del record[key]
            elif op["op"] == "add":
                assert key not in record, "add of a property the image has"
                record[key] = op["value"]
            else:
                assert key in record, "replace of a property the image lacks"
                record[key] = op["value"]
        return copy.deepcopy(record)


@pytest.fixture
def proxy(make_compute: Any) -> Any:
    compute = make_compute(workers=False)
    glance = ProjectImages()
    compute.state.image_proxy.images = glance
    compute.glance = glance
    return compute


def _properties(proxy: Any, image_id: str) -> dict[str, Any]:
    return {k: v for k, v in proxy.glance.images[image_id].items() if k not in _OWN}


def test_show_in_novas_words(proxy: Any) -> None:
    server = str(uuid.uuid4())
    ident = proxy.glance.add(status="queued", size=None, min_ram=64, os_distro="cirros",
                             instance_uuid=server, image_type="snapshot",
                             auto_disk_config="False",
                             block_device_mapping='[{"boot_index": 0}]')
    resp = proxy.as_("member").get(f"/v2.1/images/{ident}")
    assert resp.status_code == 200, resp.text
    image = resp.json()["image"]
    assert image["status"] == "SAVING" and image["progress"] == 25
    assert image["minRam"] == 64 and image["minDisk"] == 0
    assert image["OS-EXT-IMG-SIZE:size"] == 0 and image["OS-DCF:diskConfig"] == "MANUAL"
    assert image["created"] == "2024-05-01T12:00:00Z"
    # Only the custom properties are metadata; JSON ones are shown decoded.
    assert image["metadata"] == {"os_distro": "cirros", "instance_uuid": server,
                                 "image_type": "snapshot", "auto_disk_config": "False",
                                 "block_device_mapping": [{"boot_index": 0}]}
    assert image["server"]["id"] == server
    assert image["server"]["links"][0]["href"].endswith(f"/v2.1/servers/{server}")
    rels = {link["rel"]: link for link in image["links"]}
    assert rels["self"]["href"].endswith(f"/compute/v2.1/images/{ident}")
    assert rels["bookmark"]["href"].endswith(f"/compute/images/{ident}")
    assert rels["alternate"] == {"rel": "alternate", "type": "application/vnd.openstack.image",
                                 "href": f"{GLANCE}/images/{ident}"}
    proxy.glance.images[ident].update(status="active")
    shown = proxy.as_("member").get(f"/v2.1/images/{ident}").json()["image"]
    assert shown["status"] == "ACTIVE" and shown["progress"] == 100


def test_another_projects_user_cannot_see_this_projects_images(proxy: Any) -> None:
    private = proxy.glance.add(PROJECT)
    public = proxy.glance.add(PROJECT, visibility="public")
    listed = proxy.as_("other").get("/v2.1/images").json()["images"]
    assert [i["id"] for i in listed] == [public]
    for method in ("get", "delete"):
        resp = getattr(proxy.as_("other"), method)(f"/v2.1/images/{private}")
        assert resp.status_code == 404, resp.text
        assert resp.json()["itemNotFound"]["message"] == "Image not found."
    assert proxy.as_("other").get(f"/v2.1/images/{private}/metadata").status_code == 404
    # Seen, but not the caller's to delete or change.
    assert proxy.as_("other").delete(f"/v2.1/images/{public}").status_code == 403
    resp = proxy.as_("other").post(f"/v2.1/images/{public}/metadata",
                                   json={"metadata": {"a": "b"}})
    assert resp.status_code == 403
    assert proxy.as_("member").delete(f"/v2.1/images/{private}").status_code == 204
    assert private not in proxy.glance.images


def test_an_empty_id_is_a_404_not_the_list(proxy: Any) -> None:
    proxy.glance.add(PROJECT)
    assert proxy.as_("member").get("/v2.1/images/").status_code == 404
    assert proxy.as_("member").delete("/v2.1/images/").status_code == 404
    assert len(proxy.glance.images) == 1


def test_gone_from_2_36_and_metadata_from_2_39(proxy: Any) -> None:
    ident = proxy.glance.add(PROJECT)

    def get(path: str, version: str) -> int:
        headers = {"OpenStack-API-Version": f"compute {version}"}
        return int(proxy.as_("member").get(path, headers=headers).status_code)

    for path in ("/v2.1/images", "/v2.1/images/detail", f"/v2.1/images/{ident}"):
        assert get(path, "2.35") == 200 and get(path, "2.36") == 404
    meta = f"/v2.1/images/{ident}/metadata"
    assert get(meta, "2.38") == 200 and get(meta, "2.39") == 404
    resp = proxy.as_("member").delete(f"/v2.1/images/{ident}",
                                      headers={"OpenStack-API-Version": "compute 2.36"})
    assert resp.status_code == 404 and ident in proxy.glance.images


def test_list_filters_are_passed_on_in_the_image_apis_words(proxy: Any) -> None:
    server = str(uuid.uuid4())
    snap = proxy.glance.add(instance_uuid=server, image_type="snapshot")
    proxy.glance.add()
    href = f"http://somewhere/compute/v2.1/servers/{server}"
    listed = proxy.as_("member").get(
        "/v2.1/images", params={"server": href, "status": "ACTIVE", "type": "snapshot",
                                "changes-since": "2024-01-01T00:00:00Z",
                                "property-os_distro": "x", "ignored": "y"})
    assert listed.status_code == 200
    sent = dict(proxy.glance.pages[-1])
    assert sent["instance_uuid"] == server and sent["status"] == "active"
    assert sent["image_type"] == "snapshot" and sent["os_distro"] == "x"
    assert sent["updated_at"] == "gte:2024-01-01T00:00:00Z" and "ignored" not in sent
    found = proxy.as_("member").get("/v2.1/images/detail", params={"server": server})
    assert [i["id"] for i in found.json()["images"]] == [snap]


def test_paging_follows_the_image_api_and_links_the_next_page(proxy: Any) -> None:
    made = [proxy.glance.add() for _ in range(5)]
    newest_first = list(reversed(made))
    # No limit: every image, read from the image API a page at a time.
    everything = proxy.as_("member").get("/v2.1/images?page_size=2").json()
    assert [i["id"] for i in everything["images"]] == newest_first
    assert len(proxy.glance.pages) == 3 and "images_links" not in everything
    page = proxy.as_("member").get("/v2.1/images?limit=2").json()
    assert [i["id"] for i in page["images"]] == newest_first[:2]
    (link,) = page["images_links"]
    assert link["rel"] == "next" and f"marker={newest_first[1]}" in link["href"]
    rest = proxy.as_("member").get(f"/v2.1/images?limit=2&marker={newest_first[1]}").json()
    assert [i["id"] for i in rest["images"]] == newest_first[2:4]
    assert proxy.as_("member").get("/v2.1/images?limit=-1").status_code == 400


def test_metadata_list_set_update_and_items(proxy: Any) -> None:
    ident = proxy.glance.add(os_distro="cirros", stale="x")
    base = f"/v2.1/images/{ident}/metadata"
    member = proxy.as_("member")
    assert member.get(base).json() == {"metadata": {"os_distro": "cirros", "stale": "x"}}
    # PUT replaces the whole set: what is not named goes.
    resp = member.put(base, json={"metadata": {"os_distro": "fedora", "a": "1"}})
    assert resp.status_code == 200 and resp.json() == {"metadata": {"os_distro": "fedora",
                                                                    "a": "1"}}
    assert _properties(proxy, ident) == {"os_distro": "fedora", "a": "1"}
    ops = {(op["op"], op["path"]) for op in proxy.glance.patches[-1]}
    assert ops == {("remove", "/stale"), ("replace", "/os_distro"), ("add", "/a")}
    # POST merges.
    resp = member.post(base, json={"metadata": {"b": "2", "a": "one"}})
    assert resp.json() == {"metadata": {"os_distro": "fedora", "a": "one", "b": "2"}}
    assert member.get(f"{base}/b").json() == {"meta": {"b": "2"}}
    assert member.get(f"{base}/nope").status_code == 404
    resp = member.put(f"{base}/c", json={"meta": {"c": "3"}})
    assert resp.status_code == 200 and resp.json() == {"meta": {"c": "3"}}
    assert member.put(f"{base}/c", json={"meta": {"d": "3"}}).status_code == 400
    assert member.put(f"{base}/c", json={"meta": {"c": "3", "d": "4"}}).status_code == 400
    assert member.delete(f"{base}/b").status_code == 204
    assert member.delete(f"{base}/b").status_code == 404
    assert _properties(proxy, ident) == {"os_distro": "fedora", "a": "one", "c": "3"}


def test_metadata_quota_is_novas_128_items(proxy: Any) -> None:
    ident = proxy.glance.add()
    base = f"/v2.1/images/{ident}/metadata"
    full = {f"k{i}": "v" for i in range(128)}
    assert proxy.as_("member").put(base, json={"metadata": full}).status_code == 200
    resp = proxy.as_("member").post(base, json={"metadata": {"one": "more"}})
    assert resp.status_code == 403, resp.text
    assert resp.json()["forbidden"]["message"] == "Image metadata limit exceeded"
    assert proxy.as_("member").put(f"{base}/k200", json={"meta": {"k200": "v"}}) \
        .status_code == 403
    assert len(_properties(proxy, ident)) == 128


def test_bad_metadata_bodies_are_400(proxy: Any) -> None:
    ident = proxy.glance.add()
    base = f"/v2.1/images/{ident}/metadata"
    for body in ({"metadata": {"k": 1}}, {"metadata": {"bad/key": "v"}}, {"meta": {"k": "v"}},
                 {"metadata": {"k": "x" * 256}}):
        assert proxy.as_("member").post(base, json=body).status_code == 400, body
    assert proxy.glance.patches == []
