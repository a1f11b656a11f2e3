"""Image locations: the JSON-patch rules, ``POST/GET /locations`` (2.17), the read-only http
store and the allow-list that guards it, and who may do what."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nimbus.conf.settings import Settings
from nimbus.core.errors import BadRequest, Conflict, Forbidden
from nimbus.image.drivers.base import StoreError
from nimbus.image.drivers.http import HttpStore
from nimbus.image.manager import location_rules as rules
from tests.unit.image.conftest import PATCH, create, upload, wait_for

COVERS = [
    ("image", "image locations (show_multiple_locations)"),
    ("image", "add image location"),
    ("image", "list image locations"),
    ("image", "http store"),
]

PAYLOAD = bytes(range(256)) * 64


class _Handler(http.server.BaseHTTPRequestHandler):
    ranges = True

    def _slow(self, body: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(64 * 1024 * 100))
        self.end_headers()
        for _ in range(100 if body else 0):
            try:
                self.wfile.write(bytes(64 * 1024))
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)

    def _answer(self, body: bool) -> None:
        if self.path == "/slow":
            self._slow(body)
            return
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/x")
            self.end_headers()
            return
        if self.path != "/image.raw":
            self.send_error(404)
            return
        first, last, status = 0, len(PAYLOAD) - 1, 200
        asked = self.headers.get("Range")
        if asked and self.ranges:
            lo, _sep, hi = asked[len("bytes="):].partition("-")
            first, last, status = int(lo), min(int(hi or last), last), 206
        self.send_response(status)
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        if body:
            self.wfile.write(PAYLOAD[first:last + 1])

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._answer(True)

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's name
        self._answer(False)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def cloud(make_cloud: Callable[..., Any], server: str) -> tuple[Any, Any, str]:
    _cloud, api = make_cloud(["image"], prefix="/image",
                             image_web_download_allow=server)
    return _cloud, api, f"http://{server}/image.raw"


def _add(api: Any, image_id: str, value: Any, persona: str = "member",
         path: str = "/locations/-") -> Any:
    return api.as_(persona).patch(f"/v2/images/{image_id}", headers=PATCH,
                                  json=[{"op": "add", "path": path, "value": value}])


def _patch(api: Any, image_id: str, ops: list[dict[str, Any]], persona: str = "member") -> Any:
    return api.as_(persona).patch(f"/v2/images/{image_id}", headers=PATCH, json=ops)


# -- showing them -----------------------------------------------------------------------


def test_locations_follow_the_data_and_the_policy(cloud):
    _c, api, _url = cloud
    image = create(api, visibility="public", persona="admin")
    assert image["locations"] == []
    assert upload(api, image["id"], b"bytes", persona="admin").status_code == 204
    shown = api.as_("admin").get(f"/v2/images/{image['id']}").json()
    assert [loc["metadata"] for loc in shown["locations"]] == [{"store": "file"}]
    # Another project sees the public image but not where its bytes live.
    assert api.as_("other").get(f"/v2/images/{image['id']}").json()["locations"] == []
    listed = api.as_("admin").get("/v2/images").json()["images"]
    assert listed[0]["locations"] == shown["locations"]


def test_locations_hidden_when_the_cloud_does_not_show_them(make_cloud, server):
    _c, api = make_cloud(["image"], prefix="/image", image_web_download_allow=server,
                         image_show_multiple_locations="false")
    image = create(api)
    assert "locations" not in image
    resp = _add(api, image["id"], {"url": f"http://{server}/image.raw", "metadata": {}})
    assert resp.status_code == 403


def test_web_store_is_listed_read_only(cloud):
    _c, api, _url = cloud
    stores = api.as_("member").get("/v2/info/stores").json()["stores"]
    assert [s["id"] for s in stores] == ["file", "web"]
    assert stores[1]["read-only"] == "true"
    detail = api.as_("admin").get("/v2/info/stores/detail").json()["stores"]
    assert detail[1]["type"] == "http"


# -- JSON patch -------------------------------------------------------------------------


def test_add_http_location_activates_and_downloads(cloud):
    _c, api, url = cloud
    image = create(api)
    assert _add(api, image["id"], {"url": url, "metadata": {"foo": "bar"}}).status_code == 200
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "active" and shown["size"] == len(PAYLOAD)
    assert shown["os_hash_algo"] is None and shown["stores"] == "web"
    assert shown["locations"] == [{"url": url, "metadata": {"foo": "bar"}}]
    data = api.as_("member").get(f"/v2/images/{image['id']}/file")
    assert data.status_code == 200 and data.content == PAYLOAD
    part = api.as_("member").get(f"/v2/images/{image['id']}/file",
                                 headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == PAYLOAD[10:20]


@pytest.mark.parametrize("bad_url, code", [
    ("gopher://info.cern.ch", 400),
    ("file:///etc/passwd", 400),
    ("http://does-not.exist/x", 400),
    ("ftp://127.0.0.1/x", 400),
])
def test_bad_locations_are_refused(cloud, bad_url, code):
    _c, api, _url = cloud
    image = create(api)
    resp = _add(api, image["id"], {"url": bad_url, "metadata": {}})
    assert resp.status_code == code, resp.text
    assert api.as_("member").get(f"/v2/images/{image['id']}").json()["status"] == "queued"


def test_store_paths_are_for_admins_only(cloud):
    _c, api, _url = cloud
    source = create(api)
    upload(api, source["id"], b"someone else's bytes")
    path = api.as_("admin").get(f"/v2/images/{source['id']}").json()["locations"][0]["url"]
    assert path.startswith("file://")
    mine = create(api, persona="other")
    assert _add(api, mine["id"], {"url": path, "metadata": {}}, persona="other").status_code \
        == 403
    theirs = create(api, persona="admin")
    assert _add(api, theirs["id"], {"url": path, "metadata": {}},
                persona="admin").status_code == 200
    assert api.as_("admin").get(f"/v2/images/{theirs['id']}/file").content == \
        b"someone else's bytes"


def test_redirect_off_the_allow_list_is_refused(cloud, server):
    _c, api, _url = cloud
    image = create(api)
    resp = _add(api, image["id"], {"url": f"http://{server}/redirect", "metadata": {}})
    assert resp.status_code == 400


def test_malformed_location_values(cloud):
    _c, api, url = cloud
    image = create(api)
    assert _add(api, image["id"], {"url": url}).status_code == 400
    assert _add(api, image["id"], "just a string").status_code == 400
    assert _add(api, image["id"], {"url": url, "metadata": {}}, path="/locations/7") \
        .status_code == 400
    assert _patch(api, image["id"], [{"op": "replace", "path": "/locations/0",
                                      "value": {"url": url, "metadata": {}}}]).status_code == 400


def test_replace_changes_metadata_only_and_remove_keeps_one(cloud):
    _c, api, url = cloud
    image = create(api)
    _add(api, image["id"], {"url": url, "metadata": {}})
    second = {"url": f"{url}#2", "metadata": {"speed": "88mph"}}
    assert _add(api, image["id"], second).status_code == 200
    locs = api.as_("member").get(f"/v2/images/{image['id']}").json()["locations"]
    locs[0]["metadata"]["date"] = "2015-10-15"
    replace = [{"op": "replace", "path": "/locations", "value": locs}]
    assert _patch(api, image["id"], replace).status_code == 200
    assert _patch(api, image["id"], [{"op": "replace", "path": "/locations",
                                      "value": locs[:1]}]).status_code == 400
    swapped = [locs[0], {"url": f"{url}#3", "metadata": {}}]
    assert _patch(api, image["id"], [{"op": "replace", "path": "/locations",
                                      "value": swapped}]).status_code == 400
    assert api.as_("member").get(f"/v2/images/{image['id']}").json()["locations"] == locs
    remove = [{"op": "remove", "path": "/locations/0"}]
    assert _patch(api, image["id"], remove).status_code == 403
    assert _patch(api, image["id"], remove, persona="admin").status_code == 200
    left = api.as_("member").get(f"/v2/images/{image['id']}").json()["locations"]
    assert left == [second]
    assert _patch(api, image["id"], remove, persona="admin").status_code == 403
    assert api.as_("member").get(f"/v2/images/{image['id']}/file").content == PAYLOAD


def test_validation_data_sets_and_guards_checksums(cloud):
    _c, api, url = cloud
    image = create(api)
    claim = {"checksum": "1" * 32, "os_hash_algo": "sha512", "os_hash_value": "ab" * 64}
    assert _add(api, image["id"], {"url": url, "metadata": {},
                                   "validation_data": claim}).status_code == 200
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["checksum"] == "1" * 32 and shown["os_hash_value"] == "ab" * 64
    assert "validation_data" not in shown["locations"][0]
    same = {"url": f"{url}#same", "metadata": {}, "validation_data": claim}
    assert _add(api, image["id"], same).status_code == 200
    for key, value in (("checksum", "2" * 32), ("os_hash_algo", "sha256")):
        other = {"url": f"{url}#other", "metadata": {},
                 "validation_data": {**claim, key: value}}
        assert _add(api, image["id"], other).status_code == 409


def test_location_patch_protection(cloud):
    _c, api, url = cloud
    image = create(api)
    value = {"url": url, "metadata": {}}
    assert _add(api, image["id"], value, persona="reader").status_code == 403
    assert _add(api, image["id"], value, persona="other").status_code == 404
    assert _add(api, image["id"], value, persona="admin").status_code == 200


# -- POST/GET /locations (2.17) ---------------------------------------------------------


def _post(api: Any, image_id: str, body: Any, persona: str = "member") -> Any:
    return api.as_(persona).post(f"/v2/images/{image_id}/locations", json=body)


def _task(api: Any, image_id: str) -> dict[str, Any]:
    body = wait_for(api.as_("member"), f"/v2/images/{image_id}/tasks",
                    lambda b: bool(b["tasks"]) and b["tasks"][0]["status"] in
                    ("success", "failure"))
    return body["tasks"][0]  # type: ignore[no-any-return]


def test_add_location_hashes_in_the_background(cloud):
    _c, api, url = cloud
    image = create(api)
    claim = {"os_hash_algo": "sha256", "os_hash_value": hashlib.sha256(PAYLOAD).hexdigest()}
    assert _post(api, image["id"], {"url": url, "validation_data": claim}).status_code == 202
    task = _task(api, image["id"])
    assert task["status"] == "success" and task["type"] == "location_import"
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "active" and shown["os_hash_algo"] == "sha256"
    assert shown["checksum"] == hashlib.md5(PAYLOAD).hexdigest()  # noqa: S324 - Glance's
    assert shown["os_hash_value"] == claim["os_hash_value"]
    assert _post(api, image["id"], {"url": f"{url}#2"}).status_code == 409


def test_add_location_without_claim_uses_sha512(cloud):
    _c, api, url = cloud
    image = create(api)
    assert _post(api, image["id"], {"url": url}).status_code == 202
    assert _task(api, image["id"])["status"] == "success"
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(PAYLOAD).hexdigest()


def test_add_location_wrong_hash_goes_back_to_queued(cloud):
    _c, api, url = cloud
    image = create(api)
    claim = {"os_hash_algo": "sha512", "os_hash_value": "beefdead" * 16}
    assert _post(api, image["id"], {"url": url, "validation_data": claim}).status_code == 202
    assert _task(api, image["id"])["status"] == "failure"
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "queued" and shown["checksum"] is None
    assert shown["os_hash_algo"] is None and shown["stores"] == "web"
    assert api.as_("member").get(f"/v2/images/{image['id']}/file").status_code == 204


@pytest.mark.parametrize("claim", [
    {"os_hash_value": "ab" * 64},
    {"os_hash_algo": "sha123", "os_hash_value": "ab" * 64},
    {"os_hash_algo": "sha512", "os_hash_value": "ab" * 32},
    {"os_hash_algo": "sha512", "os_hash_value": "zz" * 64},
    {"os_hash_algo": "sha512", "os_hash_value": "ab" * 64, "extra": "x"},
    "not an object",
])
def test_add_location_bad_claims(cloud, claim):
    _c, api, url = cloud
    image = create(api)
    assert _post(api, image["id"], {"url": url, "validation_data": claim}).status_code == 400


def test_add_location_bad_input_and_protection(cloud):
    _c, api, url = cloud
    image = create(api)
    assert _post(api, image["id"], {"url": "gopher://x"}).status_code == 400
    assert _post(api, image["id"], {"url": "http://not-allowed.test/x"}).status_code == 400
    assert _post(api, image["id"], {}).status_code == 400
    assert _post(api, image["id"], ["x"]).status_code == 400
    assert _post(api, image["id"], {"url": url}, persona="reader").status_code == 403
    assert _post(api, image["id"], {"url": url}, persona="other").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert _post(api, missing, {"url": url}).status_code == 404


def test_deleting_the_image_stops_the_hashing(cloud, server, monkeypatch):
    from nimbus.image.manager import location_import

    monkeypatch.setattr(location_import, "RECHECK", 0.05)
    _c, api, _url = cloud
    image = create(api)
    assert _post(api, image["id"], {"url": f"http://{server}/slow"}).status_code == 202
    shown = wait_for(api.as_("member"), f"/v2/images/{image['id']}",
                     lambda i: i["status"] == "active")
    assert shown["status"] == "active" and shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] is None
    assert api.as_("member").delete(f"/v2/images/{image['id']}").status_code == 204
    tasks = wait_for(api.as_("admin"), "/v2/tasks?type=location_import",
                     lambda b: b["tasks"][0]["status"] == "failure", timeout=4)
    assert tasks["tasks"][0]["status"] == "failure"
    assert "deleted" in tasks["tasks"][0]["message"]


def test_list_locations_is_for_services(cloud):
    _c, api, url = cloud
    image = create(api)
    for persona in ("member", "admin"):
        assert api.as_(persona).get(f"/v2/images/{image['id']}/locations").status_code == 403
    assert api.as_("other").get(f"/v2/images/{image['id']}/locations").status_code == 404


def test_location_manager_listing_after_post(cloud):
    _cloud, api, url = cloud
    image = create(api)
    _post(api, image["id"], {"url": url})
    _task(api, image["id"])
    state = _cloud.runtimes["image"].state
    assert state.locations.entries(image["id"]) == [{"url": url, "metadata": {}}]


# -- the http store and the rules on their own -------------------------------------------


def test_http_store_reads_ranges_and_refuses_writes(server):
    store = HttpStore(Settings(), allowed=[server])
    url = f"http://{server}/image.raw"
    assert store.owns(url) and not store.owns("file:///x")
    assert store.size(url) == len(PAYLOAD)
    assert b"".join(store.get(url)) == PAYLOAD
    assert b"".join(store.get(url, 100, 50)) == PAYLOAD[100:150]
    _Handler.ranges = False
    try:
        assert b"".join(store.get(url, 100, 50)) == PAYLOAD[100:150]
    finally:
        _Handler.ranges = True
    with pytest.raises(Forbidden):
        store.add("x", iter([b"y"]))
    with pytest.raises(StoreError):
        list(store.get(f"http://{server}/redirect"))
    with pytest.raises(Forbidden):
        store.size("http://elsewhere.test/x")
    store.delete(url)


def test_legacy_claims_rules():
    empty = {"checksum": None, "os_hash_algo": None, "os_hash_value": None}
    good = {"os_hash_algo": "sha512", "os_hash_value": "ab" * 64}
    assert rules.legacy_values(empty, "queued", [good], "sha512") == good
    with pytest.raises(Conflict):
        rules.legacy_values(empty, "active", [good], "sha512")
    with pytest.raises(Conflict):
        rules.legacy_values(empty, "queued", [good, {**good, "os_hash_value": "cd" * 64}],
                            "sha512")
    with pytest.raises(Conflict):
        rules.legacy_values(empty, "queued", [{"checksum": "xyz"}], "sha512")
    with pytest.raises(BadRequest):
        rules.parse_legacy({"url": "http://x", "metadata": {}, "validation_data": {
            "checksum": "1" * 32}})
    assert rules.check_hash_claim(None) == {}


def test_a_location_added_in_front_never_swaps_the_bytes(cloud):
    _c, api, url = cloud
    image = create(api)
    upload(api, image["id"], b"the hashed bytes")
    assert _add(api, image["id"], {"url": url, "metadata": {}}, path="/locations/0") \
        .status_code == 200
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert [loc["url"] for loc in shown["locations"]][0] == url
    assert shown["stores"] == "file,web"
    assert api.as_("member").get(f"/v2/images/{image['id']}/file").content == \
        b"the hashed bytes"
    # The read-only store's copy is not the store's to delete.
    assert api.as_("admin").delete(f"/v2/stores/web/{image['id']}").status_code == 409
