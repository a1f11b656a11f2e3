"""The driver contract, run against every shipped driver."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from nimbus.conf.settings import load
from nimbus.core.errors import NotFound, PayloadTooLarge
from nimbus.core.plugins import load_driver
from nimbus.object.drivers.base import ObjectDriver


@pytest.fixture(params=["file", "fake", "ring"])
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectDriver:
    settings = load({"state_dir": str(tmp_path)})
    return load_driver("object", request.param)(settings)


def test_put_get_head_delete(driver: ObjectDriver) -> None:
    stored = driver.put("AUTH_a", "c", "dir/o", iter([b"hello ", b"world"]), {"k": "v"}, 100)
    assert stored.etag == hashlib.md5(b"hello world").hexdigest()
    assert stored.size == 11
    assert b"".join(driver.get("AUTH_a", "c", "dir/o", stored.timestamp)) == b"hello world"
    assert b"".join(driver.get("AUTH_a", "c", "dir/o", stored.timestamp, 6, 9)) == b"wor"
    assert b"".join(driver.get("AUTH_a", "c", "dir/o", stored.timestamp, 6)) == b"world"
    head = driver.head("AUTH_a", "c", "dir/o", stored.timestamp)
    assert head["k"] == "v" and head["size"] == 11 and head["etag"] == stored.etag
    driver.set_metadata("AUTH_a", "c", "dir/o", stored.timestamp, {"k": "w"})
    assert driver.head("AUTH_a", "c", "dir/o", stored.timestamp)["k"] == "w"
    assert list(driver.list("AUTH_a")) == [("AUTH_a", "c", "dir/o", stored.timestamp)]
    assert list(driver.list("AUTH_b")) == []
    driver.delete("AUTH_a", "c", "dir/o", stored.timestamp)
    driver.delete("AUTH_a", "c", "dir/o", stored.timestamp)  # idempotent
    with pytest.raises(NotFound):
        driver.get("AUTH_a", "c", "dir/o", stored.timestamp)
    with pytest.raises(NotFound):
        driver.head("AUTH_a", "c", "dir/o", stored.timestamp)


def test_versions_are_distinct_and_ordered(driver: ObjectDriver) -> None:
    first = driver.put("AUTH_a", "c", "o", iter([b"1"]), {}, 10)
    second = driver.put("AUTH_a", "c", "o", iter([b"22"]), {}, 10)
    assert second.timestamp > first.timestamp
    assert b"".join(driver.get("AUTH_a", "c", "o", first.timestamp)) == b"1"
    assert b"".join(driver.get("AUTH_a", "c", "o", second.timestamp)) == b"22"


def test_too_large_stores_nothing(driver: ObjectDriver) -> None:
    with pytest.raises(PayloadTooLarge):
        driver.put("AUTH_a", "c", "o", iter([b"12345", b"678"]), {}, 6)
    assert list(driver.list()) == []


def test_failing_source_stores_nothing(driver: ObjectDriver) -> None:
    def broken() -> object:
        yield b"part"
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        driver.put("AUTH_a", "c", "o", broken(), {}, 100)  # type: ignore[arg-type]
    assert list(driver.list()) == []
