"""Image bytes: upload/download round trips, ranges, stage + import, and content safety."""

from __future__ import annotations

import hashlib

from tests.unit.image import crafted
from tests.unit.image.conftest import create, upload, wait_for


def _files(cloud) -> list[str]:
    root = cloud.settings.state_dir / "images"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_round_trip_with_checksums(image_cloud):
    _cloud, api = image_cloud
    data = bytes(range(256)) * 3000
    image = create(api)
    url = f"/v2/images/{image['id']}"
    assert api.as_("member").get(f"{url}/file").status_code == 204
    assert upload(api, image["id"], data).status_code == 204
    shown = api.as_("member").get(url).json()
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert shown["virtual_size"] == len(data)
    got = api.as_("member").get(f"{url}/file")
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-md5"] == shown["checksum"]
    assert got.headers["content-type"] == "application/octet-stream"


def test_chunked_upload(image_cloud):
    _cloud, api = image_cloud
    image = create(api)
    chunks = [b"a" * 70000, b"b" * 70000, b"c"]
    resp = api.as_("member").put(f"/v2/images/{image['id']}/file", content=iter(chunks),
                                 headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 204
    assert api.as_("member").get(f"/v2/images/{image['id']}").json()["size"] == 140001


def test_range(image_cloud):
    _cloud, api = image_cloud
    data = b"0123456789" * 100
    image = create(api)
    upload(api, image["id"], data)
    url = f"/v2/images/{image['id']}/file"
    member = api.as_("member")
    part = member.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == "bytes 10-19/1000"
    assert member.get(url, headers={"Range": "bytes=990-"}).content == data[990:]
    assert member.get(url, headers={"Range": "bytes=-5"}).content == data[-5:]
    assert member.get(url, headers={"Range": "bytes=2000-"}).status_code == 416
    assert member.get(url, headers={"Range": "lines=1-2"}).status_code == 416


def test_upload_twice_conflicts(image_cloud):
    _cloud, api = image_cloud
    image = create(api)
    upload(api, image["id"], b"one")
    assert upload(api, image["id"], b"two").status_code == 409


def test_upload_needs_formats(image_cloud):
    _cloud, api = image_cloud
    resp = api.as_("member").post("/v2/images", json={"name": "bare"})
    assert upload(api, resp.json()["id"], b"x").status_code == 400


def test_upload_wrong_content_type(image_cloud):
    _cloud, api = image_cloud
    image = create(api)
    resp = api.as_("member").put(f"/v2/images/{image['id']}/file", content=b"x",
                                 headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415


def _qcow2(backing: bool = False, data_file: bool = False) -> bytes:
    return crafted.qcow2(backing=backing, data_file=data_file)


def test_qcow2_with_backing_file_refused(image_cloud):
    cloud, api = image_cloud
    for kind in ("qcow2", "raw"):
        image = create(api, disk_format=kind)
        resp = upload(api, image["id"], _qcow2(backing=True) + b"/etc/passwd")
        assert resp.status_code == 400, kind
        assert api.as_("member").get(f"/v2/images/{image['id']}").json()["status"] == "queued"
    image = create(api, disk_format="qcow2")
    assert upload(api, image["id"], _qcow2(data_file=True)).status_code == 400
    assert _files(cloud) == []


def test_format_mismatch_refused(image_cloud):
    cloud, api = image_cloud
    image = create(api, disk_format="raw")
    assert upload(api, image["id"], _qcow2()).status_code == 400
    assert _files(cloud) == []
    good = create(api, disk_format="qcow2")
    assert upload(api, good["id"], _qcow2()).status_code == 204
    shown = api.as_("member").get(f"/v2/images/{good['id']}").json()
    assert shown["virtual_size"] == 10 * 1024**3


def test_strict_formats(make_cloud):
    _cloud, api = make_cloud(["image"], prefix="/image", image_strict_formats=True)
    image = create(api, disk_format="qcow2")
    assert upload(api, image["id"], b"not a qcow2").status_code == 400


def test_lenient_formats_by_default(image_cloud):
    _cloud, api = image_cloud
    image = create(api, disk_format="qcow2")
    assert upload(api, image["id"], b"random bytes labelled qcow2").status_code == 204


def test_stage_and_import(image_cloud):
    cloud, api = image_cloud
    member = api.as_("member")
    image = create(api)
    url = f"/v2/images/{image['id']}"
    assert member.get("/v2/info/import").json()["import-methods"]["value"] == [
        "glance-direct", "glance-download"]
    assert member.post(f"{url}/import", json={"method": {"name": "glance-direct"}}
                       ).status_code == 409
    resp = member.put(f"{url}/stage", content=b"staged bytes",
                      headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 204
    assert member.get(url).json()["status"] == "uploading"
    assert member.post(f"{url}/import", json={"method": {"name": "web-download"}}
                       ).status_code == 400
    assert member.post(f"{url}/import", json={"method": {"name": "glance-direct"}}
                       ).status_code == 202
    shown = wait_for(member, url, lambda i: i["status"] == "active" and
                     not i.get("os_glance_importing_to_stores"))
    assert shown["checksum"] == hashlib.md5(b"staged bytes").hexdigest()
    assert member.get(f"{url}/file").content == b"staged bytes"
    assert list((cloud.settings.state_dir / "images-staging").iterdir()) == []


def test_delete_removes_data(image_cloud):
    cloud, api = image_cloud
    image = create(api)
    upload(api, image["id"], b"bytes")
    assert _files(cloud) == [image["id"]]
    api.as_("member").delete(f"/v2/images/{image['id']}")
    assert _files(cloud) == []


def test_stores_info(image_cloud):
    _cloud, api = image_cloud
    stores = api.as_("member").get("/v2/info/stores").json()["stores"]
    assert stores[0]["id"] == "file" and stores[0]["default"] is True
    assert api.as_("member").get("/v2/info/stores/detail").status_code == 403
    assert api.as_("admin").get("/v2/info/stores/detail").status_code == 200
