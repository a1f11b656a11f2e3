"""Interoperable import in the background, multi-store, tasks and web-download's allow-list."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.unit.image.conftest import create, upload, wait_for

COVERS = [
    ("image", "import image (glance-direct, web-download, copy-image)"),
    ("image", "list stores"),
    ("image", "delete image from store"),
    ("image", "list image tasks"),
    ("image", "tasks"),
]

OCTETS = {"Content-Type": "application/octet-stream"}
STORES = {"image_stores": "fast:fake,slow:fake"}


@pytest.fixture
def multi(make_cloud: Callable[..., Any]) -> Any:
    return make_cloud(["image"], prefix="/image", **STORES)


def _imported(api: Any, url: str) -> dict[str, Any]:
    return wait_for(api, url, lambda i: i["status"] in ("active", "queued") and
                    not i.get("os_glance_importing_to_stores"))


def test_stores_info_lists_both_by_weight(multi):
    _cloud, api = multi
    stores = api.as_("member").get("/v2/info/stores").json()["stores"]
    assert [s["id"] for s in stores] == ["fast", "slow"]
    assert stores[0]["default"] is True and "default" not in stores[1]
    detail = api.as_("admin").get("/v2/info/stores/detail").json()["stores"]
    assert detail[0]["type"] == "fake"
    methods = api.as_("member").get("/v2/info/import").json()["import-methods"]["value"]
    assert "copy-image" in methods and "web-download" not in methods


def test_upload_to_named_store_then_copy_and_drop(multi):
    _cloud, api = multi
    member, admin = api.as_("member"), api.as_("admin")
    image = create(api)
    url = f"/v2/images/{image['id']}"
    bad = member.put(f"{url}/file", content=b"x", headers={**OCTETS,
                                                              "X-Image-Meta-Store": "nope"})
    assert bad.status_code == 400
    resp = member.put(f"{url}/file", content=b"payload",
                      headers={**OCTETS, "X-Image-Meta-Store": "slow"})
    assert resp.status_code == 204
    assert member.get(url).json()["stores"] == "slow"
    # copy-image is an admin action
    body = {"method": {"name": "copy-image"}, "all_stores": True}
    assert member.post(f"{url}/import", json=body).status_code == 403
    assert admin.post(f"{url}/import", json=body).status_code == 202
    shown = wait_for(member, url, lambda i: i.get("os_glance_importing_to_stores") == "")
    assert shown["stores"] == "fast,slow" and shown["os_glance_failed_import"] == ""
    assert member.get(f"{url}/file").content == b"payload"
    tasks = member.get(f"{url}/tasks").json()["tasks"]
    assert tasks[-1]["status"] == "success"
    assert tasks[-1]["input"]["import_req"]["method"]["name"] == "copy-image"
    # drop one copy; the last one cannot go
    assert admin.delete(f"/v2/stores/fast/{image['id']}").status_code == 204
    assert member.get(url).json()["stores"] == "slow"
    assert member.get(f"{url}/file").content == b"payload"
    assert admin.delete(f"/v2/stores/slow/{image['id']}").status_code == 409
    assert admin.delete(f"/v2/stores/fast/{image['id']}").status_code == 404


def test_glance_direct_to_all_stores_records_a_task(multi):
    _cloud, api = multi
    member = api.as_("member")
    image = create(api)
    url = f"/v2/images/{image['id']}"
    assert member.put(f"{url}/stage", content=b"staged", headers=OCTETS).status_code == 204
    resp = member.post(f"{url}/import", json={"method": {"name": "glance-direct"},
                                              "all_stores": True})
    assert resp.status_code == 202
    shown = _imported(member, url)
    assert shown["status"] == "active" and shown["stores"] == "fast,slow"
    assert shown["checksum"] == hashlib.md5(b"staged").hexdigest()
    (task,) = member.get(f"{url}/tasks").json()["tasks"]
    assert task["status"] == "success" and task["request_id"] == resp.headers[
        "x-openstack-request-id"]
    assert task["result"] == {"image_id": image["id"]}
    # the tasks API itself is admin-only
    assert member.get(f"/v2/tasks/{task['id']}").status_code == 403
    assert api.as_("admin").get(f"/v2/tasks/{task['id']}").json()["status"] == "success"
    assert api.as_("other").get(f"{url}/tasks").status_code == 404


def test_import_bad_requests(multi):
    _cloud, api = multi
    member = api.as_("member")
    image = create(api)
    url = f"/v2/images/{image['id']}/import"
    assert member.post(url, json={"method": {"name": "teleport"}}).status_code == 400
    assert member.post(url, json={"method": "glance-direct"}).status_code == 400
    assert member.post(url, json={"method": {"name": "glance-direct"},
                                  "all_stores": "yes"}).status_code == 400
    assert member.post(url, json={"method": {"name": "glance-direct"}}).status_code == 409
    resp = member.post(url, json={"method": {"name": "glance-download",
                                             "glance_image_id": "foo",
                                             "glance_region": "RegionOne"}})
    assert resp.status_code == 400 and "does not look like a UUID" in resp.text
    upload(api, image["id"], b"data")
    assert member.post(url, json={"method": {"name": "copy-image"},
                                  "stores": ["fast"]}).status_code in (403, 409)


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b"served over http" * 100

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/image.raw"
    server.shutdown()
    server.server_close()


def test_web_download_needs_the_allow_list(make_cloud, http_server):
    _cloud, api = make_cloud(["image"], prefix="/image",
                             image_web_download_allow="127.0.0.1")
    member = api.as_("member")
    assert "web-download" in member.get("/v2/info/import").json()["import-methods"]["value"]
    image = create(api)
    url = f"/v2/images/{image['id']}"
    refused = member.post(f"{url}/import", json={"method": {
        "name": "web-download", "uri": "http://does-not.exist/x"}})
    assert refused.status_code == 400 and "does not pass filtering" in refused.text
    assert member.post(f"{url}/import", json={"method": {
        "name": "web-download", "uri": http_server}}).status_code == 202
    shown = _imported(member, url)
    assert shown["status"] == "active"
    assert member.get(f"{url}/file").content == _Handler.payload


def test_web_download_is_off_by_default(image_api):
    methods = image_api.as_("member").get("/v2/info/import").json()["import-methods"]["value"]
    assert "web-download" not in methods
    resp = image_api.as_("admin").post("/v2/tasks", json={
        "type": "import", "input": {"import_from": "http://example.test/x.qcow2",
                                    "import_from_format": "qcow2",
                                    "image_properties": {"name": "t"}}})
    assert resp.status_code == 400


def test_failed_import_reverts_to_queued(image_cloud):
    _cloud, api = image_cloud
    member = api.as_("member")
    image = create(api)
    url = f"/v2/images/{image['id']}"
    member.patch(url, json=[{"op": "add", "path": "/hw_cpu_cores", "value": "1"}],
                 headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})
    assert member.post(f"{url}/import", json={"method": {
        "name": "glance-download", "glance_image_id": "36d4b546-64a2-4bb9-bdd0-ba676aa48f2c",
        "glance_region": "nowhere"}}).status_code == 202
    tasks = wait_for(member, f"{url}/tasks", lambda b: b["tasks"][0]["status"] == "failure")
    assert tasks["tasks"][0]["status"] == "failure"
    shown = member.get(url).json()
    assert shown["status"] == "queued" and shown["hw_cpu_cores"] == "1"
