"""Image records through the API: create, show, list (filters, sort, pages), patch, tags."""

from __future__ import annotations

import jsonschema

from tests.unit.image.conftest import PATCH, create, upload


def test_discovery(image_api):
    root = image_api.as_(None).get("/")
    assert root.status_code == 300
    ids = [v["id"] for v in root.json()["versions"]]
    assert ids[0] == "v2.17" and ids[-1] == "v2.0" and len(ids) == 18
    assert root.json()["versions"][0]["status"] == "CURRENT"
    assert root.json()["versions"][1]["status"] == "SUPPORTED"
    assert root.json()["versions"][0]["links"][0]["href"].endswith("/image/v2/")
    assert image_api.as_(None).get("/versions").status_code == 200


def test_create_show_and_defaults(image_api):
    image = create(image_api, ramdisk_id="00000000-1111-2222-3333-444455556666",
                   hw_disk_bus="scsi", tags=["a", "b", "a"])
    assert image["status"] == "queued"
    assert image["visibility"] == "shared"
    assert image["tags"] == ["a", "b"]
    assert image["hw_disk_bus"] == "scsi"
    assert image["self"] == f"/v2/images/{image['id']}"
    shown = image_api.as_("reader").get(f"/v2/images/{image['id']}").json()
    assert shown["ramdisk_id"] == "00000000-1111-2222-3333-444455556666"
    assert shown["size"] is None and shown["checksum"] is None
    jsonschema.validate(shown, image_api.get("/v2/schemas/image").json())


def test_create_with_id_and_duplicate(image_api):
    wanted = "11111111-2222-3333-4444-555555555555"
    assert create(image_api, id=wanted)["id"] == wanted
    again = image_api.as_("member").post("/v2/images", json={"id": wanted})
    assert again.status_code == 409


def test_create_response_headers(image_api):
    resp = image_api.as_("member").post("/v2/images", json={"name": "x"})
    assert resp.status_code == 201
    assert resp.headers["location"].endswith(f"/image/v2/images/{resp.json()['id']}")
    assert resp.headers["openstack-image-import-methods"] == "glance-direct,glance-download"


def test_schemas(image_api):
    for name in ("image", "images", "member", "members"):
        body = image_api.as_("reader").get(f"/v2/schemas/{name}").json()
        assert body["name"] == name
        jsonschema.Draft4Validator.check_schema(body)
    image_schema = image_api.get("/v2/schemas/image").json()
    assert image_schema["additionalProperties"] == {"type": "string"}
    assert "qcow2" in image_schema["properties"]["disk_format"]["enum"]
    assert image_api.get("/v2/schemas/nope").status_code == 404


def test_list_filters(image_api):
    a = create(image_api, name="alpha", visibility="private", tags=["t1"], os_distro="debian")
    upload(image_api, a["id"], b"a" * 2000)
    b = create(image_api, name="beta", disk_format="qcow2", tags=["t2"])
    member = image_api.as_("reader")

    def ids(query: str) -> set[str]:
        resp = member.get(f"/v2/images?{query}")
        assert resp.status_code == 200, resp.text
        return {i["id"] for i in resp.json()["images"]}

    assert ids("") == {a["id"], b["id"]}
    assert ids("name=alpha") == {a["id"]}
    assert ids("status=active") == {a["id"]}
    assert ids("visibility=private") == {a["id"]}
    assert ids("disk_format=qcow2") == {b["id"]}
    assert ids("container_format=bare") == {a["id"], b["id"]}
    assert ids("size_min=1500&size_max=2500") == {a["id"]}
    assert ids("size=2000") == {a["id"]}
    assert ids("size_min=2001") == set()
    assert ids("tag=t2") == {b["id"]}
    assert ids("tag=t1&tag=t2") == set()
    assert ids("os_distro=debian") == {a["id"]}
    assert ids("owner=b0000000000000000000000000000000") == {a["id"], b["id"]}
    assert ids("name=in:alpha,beta") == {a["id"], b["id"]}
    assert ids("created_at=gte:2000-01-01T00:00:00Z") == {a["id"], b["id"]}


def test_list_hidden(image_api):
    hidden = create(image_api, os_hidden=True)
    shown = create(image_api)
    listed = {i["id"] for i in image_api.as_("member").get("/v2/images").json()["images"]}
    assert listed == {shown["id"]}
    only = image_api.as_("member").get("/v2/images?os_hidden=true").json()["images"]
    assert [i["id"] for i in only] == [hidden["id"]]


def test_sort_and_pagination(image_api):
    made = []
    for n, size in enumerate([300, 100, 200, 400, 500]):
        image = create(image_api, name=f"img{n}")
        upload(image_api, image["id"], b"z" * size)
        made.append(image["id"])
    member = image_api.as_("member")
    sizes = [i["size"] for i in member.get("/v2/images?sort=size:desc").json()["images"]]
    assert sizes == [500, 400, 300, 200, 100]
    sizes = [i["size"] for i in
             member.get("/v2/images?sort_key=size&sort_dir=asc").json()["images"]]
    assert sizes == [100, 200, 300, 400, 500]
    seen: list[str] = []
    url = "/v2/images?limit=2&sort_key=name&sort_dir=asc"
    while url:
        body = member.get(url).json()
        assert body["schema"] == "/v2/schemas/images"
        assert "limit=2" in body["first"]
        seen += [i["name"] for i in body["images"]]
        url = body.get("next")
        assert len(seen) <= 6
    assert seen == ["img0", "img1", "img2", "img3", "img4"]
    assert len(member.get("/v2/images?limit=1").json()["images"]) == 1
    assert member.get("/v2/images?marker=00000000-0000-0000-0000-000000000000").status_code == 400
    assert member.get("/v2/images?sort_key=bogus").status_code == 400
    assert member.get("/v2/images?sort_dir=up").status_code == 400
    assert member.get("/v2/images?sort=size&sort_key=name").status_code == 400
    assert member.get("/v2/images?limit=-1").status_code == 400
    assert member.get("/v2/images?visibility=everyone").status_code == 400


def test_patch_v21_and_v20(image_api):
    image = create(image_api, os_distro="debian")
    url = f"/v2/images/{image['id']}"
    member = image_api.as_("member")
    ops = [{"op": "replace", "path": "/name", "value": "renamed"},
           {"op": "add", "path": "/hw_qemu_guest_agent", "value": "yes"},
           {"op": "remove", "path": "/os_distro"},
           {"op": "replace", "path": "/tags", "value": ["x", "y"]},
           {"op": "replace", "path": "/min_ram", "value": 512}]
    resp = member.patch(url, json=ops, headers=PATCH)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["name"] == "renamed" and body["hw_qemu_guest_agent"] == "yes"
    assert "os_distro" not in body and body["tags"] == ["x", "y"] and body["min_ram"] == 512
    v20 = {"Content-Type": "application/openstack-images-v2.0-json-patch"}
    resp = member.patch(url, json=[{"replace": "/name", "value": "again"}], headers=v20)
    assert resp.status_code == 200 and resp.json()["name"] == "again"
    assert member.patch(url, json=[{"add": "/name", "value": "x"}], headers=v20).status_code \
        == 409
    assert member.patch(url, json=[{"op": "replace", "path": "/nope", "value": "x"}],
                        headers=PATCH).status_code == 409
    assert member.patch(url, json=[{"op": "remove", "path": "/nope"}],
                        headers=PATCH).status_code == 409
    assert member.patch(url, json=[{"op": "remove", "path": "/name"}],
                        headers=PATCH).status_code == 403
    assert member.patch(url, json=[{"op": "replace", "path": "/os_hidden", "value": True}],
                        headers=PATCH).json()["os_hidden"] is True


def test_patch_refusals(image_api):
    image = create(image_api)
    url = f"/v2/images/{image['id']}"
    member = image_api.as_("member")

    def patch(ops, headers=PATCH):
        return member.patch(url, json=ops, headers=headers).status_code

    assert patch([{"op": "replace", "path": "/status", "value": "active"}]) == 403
    assert patch([{"op": "add", "path": "/os_glance_foo", "value": "bar"}]) == 403
    assert patch([{"op": "add", "path": "/deleted", "value": "x"}]) == 403
    assert patch([{"op": "replace", "path": "/disk_format", "value": "wrong"}]) == 400
    assert patch([{"op": "replace", "path": "/visibility", "value": "public"}]) == 403
    assert patch([{"op": "replace", "path": "/owner", "value": "someone"}]) == 403
    assert patch([{"op": "add", "path": "/prop", "value": 5}]) == 400
    assert patch([{"op": "move", "path": "/name"}]) == 400
    assert patch([{"op": "replace", "path": "name", "value": "x"}]) == 400
    assert patch({"op": "replace"}) == 400
    assert patch([{"op": "replace", "path": "/name", "value": "x"}],
                 {"Content-Type": "application/json"}) == 415
    resp = member.patch(url, json=[], headers={"Content-Type": "application/json"})
    assert "Accept-Patch" in resp.headers
    admin = image_api.as_("admin")
    resp = admin.patch(url, json=[{"op": "replace", "path": "/visibility", "value": "public"}],
                       headers=PATCH)
    assert resp.status_code == 200 and resp.json()["visibility"] == "public"


def test_formats_fixed_after_upload(image_api):
    image = create(image_api)
    upload(image_api, image["id"], b"data")
    resp = image_api.as_("member").patch(
        f"/v2/images/{image['id']}", headers=PATCH,
        json=[{"op": "replace", "path": "/disk_format", "value": "qcow2"}])
    assert resp.status_code == 403


def test_tags(image_api):
    image = create(image_api)
    member = image_api.as_("member")
    url = f"/v2/images/{image['id']}/tags"
    assert member.put(f"{url}/one").status_code == 204
    assert member.put(f"{url}/one").status_code == 204
    assert member.get(f"/v2/images/{image['id']}").json()["tags"] == ["one"]
    assert member.delete(f"{url}/one").status_code == 204
    assert member.get(f"/v2/images/{image['id']}").json()["tags"] == []
    assert member.delete(f"{url}/one").status_code == 404
    missing = "/v2/images/00000000-0000-0000-0000-000000000000/tags/x"
    assert member.put(missing).status_code == 404


def test_delete_and_protected(image_api):
    member = image_api.as_("member")
    image = create(image_api, protected=True)
    url = f"/v2/images/{image['id']}"
    assert member.delete(url).status_code == 403
    member.patch(url, json=[{"op": "replace", "path": "/protected", "value": False}],
                 headers=PATCH)
    assert member.delete(url).status_code == 204
    assert member.get(url).status_code == 404
    assert member.delete(url).status_code == 404


def test_null_ids_are_404(image_api):
    member = image_api.as_("member")
    assert member.get("/v2/images/").status_code == 404
    assert member.delete("/v2/images/").status_code == 404


def test_deactivate_reactivate(image_api):
    member = image_api.as_("member")
    image = create(image_api)
    url = f"/v2/images/{image['id']}"
    assert member.post(f"{url}/actions/deactivate").status_code == 403  # still queued
    upload(image_api, image["id"], b"bytes")
    assert member.post(f"{url}/actions/deactivate").status_code == 204
    assert member.get(url).json()["status"] == "deactivated"
    assert member.get(f"{url}/file").status_code == 403
    assert image_api.as_("admin").get(f"{url}/file").content == b"bytes"
    assert member.post(f"{url}/actions/reactivate").status_code == 204
    assert member.get(url).json()["status"] == "active"
    assert member.get(f"{url}/file").content == b"bytes"
