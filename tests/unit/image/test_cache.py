"""The compute hosts' image cache: fetch once, verify, share, evict least recently used."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.core.errors import BadRequest, Conflict
from nimbus.image.manager.cache import ImageCache, ImageVerificationFailed
from tests.unit.image.conftest import create, upload

COVERS = [
    ("image", "host image cache: fetch-through, checksum verification, LRU eviction"),
]

ID = "11111111-2222-3333-4444-{:012d}"


class FakeImages:
    """Images by id, served as the image API would (record + chunks); counts fetches."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.fetches: dict[str, int] = {}
        self.delay = 0.0
        self.corrupt: set[str] = set()

    def add(self, n: int, size: int) -> str:
        image_id = ID.format(n)
        self.data[image_id] = bytes([n % 256]) * size
        return image_id

    def __call__(self, image_id: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        self.fetches[image_id] = self.fetches.get(image_id, 0) + 1
        data = self.data[image_id]
        record = {"id": image_id, "status": "active", "size": len(data),
                  "checksum": hashlib.md5(data).hexdigest(), "os_hash_algo": "sha512",
                  "os_hash_value": hashlib.sha512(data).hexdigest()}

        def chunks() -> Iterator[bytes]:
            time.sleep(self.delay)
            body = data[:-1] + b"X" if image_id in self.corrupt else data
            for i in range(0, len(body), 1000):
                yield body[i:i + 1000]

        return record, chunks()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def images() -> FakeImages:
    return FakeImages()


def _cache(tmp_path: Path, images: FakeImages, limit: int = 10_000) -> ImageCache:
    return ImageCache(tmp_path / "cache", limit, images, clock=Clock())


def test_fetch_once_then_hit(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images)
    a = images.add(1, 3000)
    with cache.use(a) as path:
        assert path.read_bytes() == images.data[a]
    with cache.use(a) as again:
        assert again == path
    assert images.fetches[a] == 1
    assert cache.total_bytes == 3000


def test_concurrent_fills_download_once(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images)
    a = images.add(1, 5000)
    images.delay = 0.2
    paths: list[Path] = []
    threads = [threading.Thread(target=lambda: paths.append(cache.acquire(a)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert images.fetches[a] == 1
    assert len(set(paths)) == 1 and len(paths) == 8
    with pytest.raises(Conflict):
        cache.remove(a)     # eight holders
    for _ in range(8):
        cache.release(a)
    cache.remove(a)
    assert cache.cached() == []


def test_checksum_mismatch_leaves_nothing(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images)
    a = images.add(1, 3000)
    images.corrupt.add(a)
    with pytest.raises(ImageVerificationFailed):
        cache.acquire(a)
    assert list((tmp_path / "cache").iterdir()) == []
    images.corrupt.clear()
    with cache.use(a) as path:      # a later attempt fetches again
        assert path.read_bytes() == images.data[a]
    assert images.fetches[a] == 2


def test_failed_fill_reaches_every_waiter(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images)
    a = images.add(1, 3000)
    images.corrupt.add(a)
    images.delay = 0.2
    errors: list[BaseException] = []

    def grab() -> None:
        try:
            cache.acquire(a)
        except ImageVerificationFailed as exc:
            errors.append(exc)

    threads = [threading.Thread(target=grab) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 4 and images.fetches[a] == 1


def test_lru_eviction_spares_entries_in_use(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images, limit=10_000)
    a, b, c, d = (images.add(n, 3000) for n in range(1, 5))
    for image_id in (a, b, c):
        with cache.use(image_id):
            pass
    with cache.use(a):          # a is now the most recently used
        pass
    held = cache.acquire(b)     # b is held by an instance: never evicted
    assert held.exists()
    with cache.use(d):
        pass
    assert sorted(cache.cached()) == sorted([a, b, d])     # c went: least recently used, unheld
    assert cache.total_bytes <= 10_000
    cache.release(b)


def test_over_limit_when_everything_is_in_use(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images, limit=5000)
    a, b = images.add(1, 3000), images.add(2, 3000)
    cache.acquire(a)
    cache.acquire(b)            # still fetched: the limit never fails a boot
    assert cache.total_bytes == 6000
    cache.release(a)            # released entries go once the cache is over its limit
    assert cache.cached() == [b]


def test_restart_adopts_files_and_drops_partials(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images)
    a = images.add(1, 3000)
    with cache.use(a):
        pass
    partial = tmp_path / "cache" / f".{a}.deadbeef.part"
    partial.write_bytes(b"half")
    # Abandoned: unwritten for longer than a live download ever is.
    old = time.time() - 3600
    os.utime(partial, (old, old))
    again = _cache(tmp_path, images)
    assert again.cached() == [a]
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [a]
    with again.use(a):
        pass
    assert images.fetches[a] == 1


def test_bad_ids_and_inactive_images(tmp_path: Path, images: FakeImages) -> None:
    cache = _cache(tmp_path, images)
    with pytest.raises(BadRequest):
        cache.acquire("../etc/passwd")

    def queued(image_id: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        return {"status": "queued", "size": None}, iter([])

    cache.fetch = queued
    with pytest.raises(Conflict):
        cache.acquire(ID.format(9))


def test_fetch_through_the_image_api(image_cloud: Any, tmp_path: Path) -> None:
    """The fetcher contract, served by the real image API (in-process)."""
    _cloud, api = image_cloud
    data = bytes(range(256)) * 1000
    image = create(api, persona="admin", visibility="public")
    assert upload(api, image["id"], data, persona="admin").status_code == 204
    admin = api.as_("admin")

    def fetch(image_id: str) -> tuple[dict[str, Any], Iterator[bytes]]:
        record = admin.get(f"/v2/images/{image_id}").json()
        return record, iter([admin.get(f"/v2/images/{image_id}/file").content])

    cache = ImageCache(tmp_path / "cache", 10**6, fetch)
    with cache.use(image["id"]) as path:
        assert path.read_bytes() == data


def test_processes_sharing_a_cache_directory_see_each_others_entries(tmp_path: Path) -> None:
    """An API node's workers share its cache directory: what one caches or drops, the
    others list, and a start-up leaves another's download in progress alone."""
    images = FakeImages()
    one = images.add(1, 1000)
    first = ImageCache(tmp_path / "cache", 10**6, images)
    (tmp_path / "cache" / f".{one}.inflight.part").write_bytes(b"x")
    second = ImageCache(tmp_path / "cache", 10**6, images)
    assert (tmp_path / "cache" / f".{one}.inflight.part").exists()
    with first.use(one):
        pass
    assert second.cached() == []
    second.refresh()
    assert second.cached() == [one]
    first.remove(one)
    second.refresh()
    assert second.cached() == []
