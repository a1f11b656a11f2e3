"""``/v2/cache`` (Glance 2.14+): this API node's cache, queued and filled in the background."""

from __future__ import annotations

import time
from typing import Any

import pytest

from nimbus.image.manager.node_cache import cache_root
from tests.unit.image.conftest import create, upload

COVERS = [
    ("image", "list cached images"),
    ("image", "queue image for caching"),
    ("image", "delete image from cache"),
    ("image", "clear image cache"),
]


@pytest.fixture
def cloud_api(make_cloud: Any) -> tuple[Any, Any]:
    return make_cloud(["image"], prefix="/image")  # type: ignore[no-any-return]


def _cached(admin: Any, image_id: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        listing: dict[str, Any] = admin.get("/v2/cache").json()
        if image_id in {c["image_id"] for c in listing["cached_images"]} or \
                time.monotonic() > deadline:
            return listing
        time.sleep(0.05)


def test_queue_fill_list_delete_clear(cloud_api: Any) -> None:
    cloud, api = cloud_api
    admin = api.as_("admin")
    assert admin.get("/v2/cache").json() == {"cached_images": [], "queued_images": []}
    image = create(api, visibility="private")
    upload(api, image["id"], b"cache me")
    assert admin.put(f"/v2/cache/{image['id']}").status_code == 202
    listing = _cached(admin, image["id"])
    (entry,) = listing["cached_images"]
    assert entry["image_id"] == image["id"] and entry["size"] == len(b"cache me")
    assert set(entry) == {"image_id", "hits", "last_accessed", "last_modified", "size"}
    assert listing["queued_images"] == []
    root = cache_root(cloud.settings)
    assert (root / image["id"]).read_bytes() == b"cache me"
    # queueing a cached image again changes nothing
    assert admin.put(f"/v2/cache/{image['id']}").status_code == 202
    assert admin.delete(f"/v2/cache/{image['id']}").status_code == 204
    assert admin.get("/v2/cache").json()["cached_images"] == []
    assert admin.put(f"/v2/cache/{image['id']}").status_code == 202
    _cached(admin, image["id"])
    assert admin.delete("/v2/cache", headers={"x-image-cache-clear-target": "queue"}
                        ).status_code == 204
    assert len(admin.get("/v2/cache").json()["cached_images"]) == 1
    assert admin.delete("/v2/cache").status_code == 204
    assert admin.get("/v2/cache").json() == {"cached_images": [], "queued_images": []}


def test_bad_requests(cloud_api: Any) -> None:
    _cloud, api = cloud_api
    admin = api.as_("admin")
    assert admin.put("/v2/cache/non-existing-image-id").status_code == 404
    assert admin.delete("/v2/cache/non-existing-image-id").status_code == 404
    queued = create(api)
    resp = admin.put(f"/v2/cache/{queued['id']}")
    assert resp.status_code == 400 and "active" in resp.text
    resp = admin.delete("/v2/cache", headers={"x-image-cache-clear-target": "invalid"})
    assert resp.status_code == 400 and "x-image-cache-clear-target" in resp.text


def test_admin_only(cloud_api: Any) -> None:
    _cloud, api = cloud_api
    image = create(api)
    upload(api, image["id"], b"bytes")
    for persona in ("member", "reader", "other"):
        client = api.as_(persona)
        assert client.get("/v2/cache").status_code == 403
        assert client.put(f"/v2/cache/{image['id']}").status_code == 403
        assert client.delete(f"/v2/cache/{image['id']}").status_code == 403
        assert client.delete("/v2/cache").status_code == 403


def test_each_api_node_has_its_own_cache(make_cloud: Any) -> None:
    first, _ = make_cloud(["image"], prefix="/image", port=8701)
    second, _ = make_cloud(["image"], prefix="/image", port=8702)
    assert cache_root(first.settings).name != cache_root(second.settings).name
