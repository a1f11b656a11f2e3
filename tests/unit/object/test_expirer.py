"""The object expirer: expired objects leave the store and the index (bounded passes, at start
and then periodically), and what unfinished writes left behind is swept."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update

from nimbus.object.db.models import Object
from nimbus.object.manager.expirer import STALE_AFTER
from tests.unit.object.conftest import account

COVERS = [("object", "objects: expirer removes expired objects (store and index)"),
          ("object", "objects: leftovers of unfinished writes swept at start")]

A = account()
ACCOUNT = A.rsplit("/", 1)[-1]


@pytest.fixture
def cloud(make_cloud: Callable[..., Any]) -> tuple[Any, Any]:
    cloud, api = make_cloud(["object"], prefix="/object", object_expirer_batch=2)
    member = api.as_("member")
    assert member.put(f"{A}/c").status_code == 201
    return cloud, member


def _state(cloud: Any) -> Any:
    return cloud.runtimes["object"].state


def _stored(cloud: Any) -> set[str]:
    return {name for _acct, _cont, name, _ts in _state(cloud).driver.list()}


def _count(member: Any) -> tuple[int, int]:
    head = member.head(f"{A}/c")
    return (int(head.headers["x-container-object-count"]),
            int(head.headers["x-container-bytes-used"]))


def _expire_now(cloud: Any, *names: str) -> None:
    """Move the objects' expiry into the past, as a clock that went on while we were down."""
    with cloud.db.writer() as session:
        session.execute(update(Object).where(Object.name.in_(names))
                        .values(delete_at=int(time.time()) - 10))


def test_a_pass_removes_expired_objects_from_store_and_index(cloud: Any) -> None:
    cloud, member = cloud
    later = str(int(time.time()) + 100)
    for name in ("a", "b", "c"):
        assert member.put(f"{A}/c/{name}", content=b"12345",
                          headers={"X-Delete-At": later}).status_code == 201
    assert member.put(f"{A}/c/keep", content=b"xy").status_code == 201
    assert _count(member) == (4, 17)
    expirer = _state(cloud).expirer
    # Nothing is due yet.
    assert expirer.expire() == 0
    # Bounded: two per pass (the setting), then the rest.
    assert expirer.expire(now=time.time() + 200) == 2
    assert expirer.expire(now=time.time() + 200) == 1
    assert expirer.expire(now=time.time() + 200) == 0
    assert _stored(cloud) == {"keep"}
    assert _count(member) == (1, 2)
    # Gone from the index too: the names can be written afresh and list once.
    assert member.put(f"{A}/c/a", content=b"new").status_code == 201
    assert sorted(o["name"] for o in member.get(f"{A}/c?format=json").json()) == ["a", "keep"]
    assert member.get(f"{A}/c/a").content == b"new"


def test_an_object_rewritten_meanwhile_is_left_alone(cloud: Any) -> None:
    cloud, member = cloud
    assert member.put(f"{A}/c/x", content=b"old",
                      headers={"X-Delete-After": "100"}).status_code == 201
    objects = _state(cloud).objects
    at = time.time() + 200
    [due] = objects.expired(at, 10)
    # A PUT lands between the expirer's scan and its removal: the new version wins.
    assert member.put(f"{A}/c/x", content=b"new").status_code == 201
    assert objects.remove_expired(due, at) is False
    assert member.get(f"{A}/c/x").content == b"new"
    # A POST that drops the expiry also keeps the object.
    assert member.post(f"{A}/c/x", headers={"X-Delete-After": "100"}).status_code == 202
    [due] = objects.expired(at, 10)
    assert member.post(f"{A}/c/x", headers={"X-Object-Meta-K": "v"}).status_code == 202
    assert objects.remove_expired(due, at) is False
    assert member.get(f"{A}/c/x").content == b"new"
    assert _count(member) == (1, 3)


def test_the_worker_expires_at_start_and_then_periodically(
        make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["object"], prefix="/object", object_expirer_interval=0.2,
                            object_expirer_batch=1)
    member = api.as_("member")
    assert member.put(f"{A}/c").status_code == 201
    for name in ("gone1", "gone2", "later", "kept"):
        assert member.put(f"{A}/c/{name}", content=b"x").status_code == 201
    # Rows a crash left past their time, as found at start.
    _expire_now(cloud, "gone1", "gone2")
    cloud.start_workers({"api"})
    _wait(lambda: _stored(cloud) == {"later", "kept"})
    assert _count(member) == (2, 2)
    # Expiring while running: the next periodic pass removes it.
    _expire_now(cloud, "later")
    _wait(lambda: _stored(cloud) == {"kept"})
    assert _count(member) == (1, 1)


def test_no_expirer_outside_the_api_role(make_cloud: Callable[..., Any]) -> None:
    cloud, _api = make_cloud(["object"], prefix="/object")
    cloud.start_workers({"scheduler"})
    assert cloud.runtimes["object"].workers == []


def test_audit_sweeps_leftovers_of_unfinished_writes(cloud: Any) -> None:
    cloud, member = cloud
    state = _state(cloud)
    assert member.put(f"{A}/c/live", content=b"kept").status_code == 201
    # Bytes stored whose index write never happened (a crash between the two).
    state.driver.put(ACCOUNT, "c", "orphan", iter([b"lost"]), {}, 100)
    # A temporary file of a write cut off, and one of a write still going on.
    # The file driver's temporary directory, or the ring driver's first device's.
    tmp = getattr(state.driver, "tmp_dir", None) or next(iter(state.driver.devices.values())).tmp_dir
    (tmp / "old.tmp").write_bytes(b"partial")
    os.utime(tmp / "old.tmp", (time.time() - 2 * STALE_AFTER,) * 2)
    (tmp / "fresh.tmp").write_bytes(b"in progress")
    # Too young to tell from a write in progress: left alone.
    assert state.expirer.audit() == 1
    assert not (tmp / "old.tmp").exists() and (tmp / "fresh.tmp").exists()
    assert _stored(cloud) == {"live", "orphan"}
    # Once old enough, the orphan goes; the indexed object and its bytes stay.
    assert state.expirer.audit(now=time.time() + STALE_AFTER + 1) == 2
    assert _stored(cloud) == {"live"}
    assert member.get(f"{A}/c/live").content == b"kept"


def _wait(done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the expirer did not get there in time"
        time.sleep(0.05)
