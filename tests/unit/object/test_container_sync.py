"""Container sync: the X-Container-Sync-To forms Swift accepts, the key both sides must share,
and the worker copying objects between two accounts' containers (both ways)."""

from __future__ import annotations

from typing import Any

from tests.unit.object.conftest import account

COVERS = [
    ("object", "containers: container sync (X-Container-Sync-To/-Key, realms, sync worker, "
               "deletes carried over)"),
]

A = account()
OTHER = account("other")


def _realm(path: str) -> str:
    acct, cont = path.split("/")[-2:]
    return f"//realm1/name1/{acct}/{cont}"


def test_sync_to_checks(member: Any) -> None:
    cases = {
        "//other/name1/AUTH_x/c": "No realm key for 'other'",
        "//realm1/elsewhere/AUTH_x/c": "No cluster endpoint for 'realm1' 'elsewhere'",
        "ftp://127.0.0.1/v1/AUTH_x/c": 'Invalid scheme \'ftp\' in X-Container-Sync-To, must be '
                                       '"//", "http", or "https".',
        "http://10.9.8.7/v1/AUTH_x/c": "Invalid host '10.9.8.7' in X-Container-Sync-To",
    }
    for value, body in cases.items():
        resp = member.put(f"{A}/s", headers={"X-Container-Sync-To": value})
        assert (resp.status_code, resp.text) == (400, body)
    ok = member.put(f"{A}/s", headers={"X-Container-Sync-To": "http://127.0.0.1:8080/v1/AUTH_x/c",
                                       "X-Container-Sync-Key": "secret"})
    assert ok.status_code == 201
    head = member.head(f"{A}/s").headers
    assert head["X-Container-Sync-Key"] == "secret"
    assert "container_sync" in member.get("/info").json()


def test_key_hidden_from_readers(swift: Any, member: Any) -> None:
    member.put(f"{A}/s", headers={"X-Container-Sync-To": _realm(f"{A}/t"),
                                  "X-Container-Sync-Key": "secret",
                                  "X-Container-Read": ".r:*,.rlistings"})
    assert "X-Container-Sync-Key" not in swift.as_("other").head(f"{A}/s").headers


def test_worker_syncs_both_ways(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object", object_sync_interval=3600)
    member, other = api.as_("member"), api.as_("other")
    member.put(f"{A}/one", headers={"X-Container-Sync-To": _realm(f"{OTHER}/two"),
                                    "X-Container-Sync-Key": "k"})
    other.put(f"{OTHER}/two", headers={"X-Container-Sync-To": _realm(f"{A}/one"),
                                       "X-Container-Sync-Key": "k"})
    member.put(f"{A}/one/a", content=b"from one", headers={"X-Object-Meta-Color": "red"})
    other.put(f"{OTHER}/two/b", content=b"from two")
    sync = _sync_of(cloud)
    assert sync.sync_all() == 2
    assert other.get(f"{OTHER}/two/a").content == b"from one"
    assert other.head(f"{OTHER}/two/a").headers["X-Object-Meta-Color"] == "red"
    assert member.get(f"{A}/one/b").content == b"from two"
    # The copies keep their sources' timestamps: both listings read the same.
    assert member.get(f"{A}/one?format=json").json() == \
        other.get(f"{OTHER}/two?format=json").json()
    # Settled: nothing travels back.
    assert sync.sync_all() == 0


def test_deletes_are_carried_and_a_newer_write_survives_one(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object", object_sync_interval=3600)
    member, other = api.as_("member"), api.as_("other")
    member.put(f"{A}/one", headers={"X-Container-Sync-To": _realm(f"{OTHER}/two"),
                                    "X-Container-Sync-Key": "k"})
    other.put(f"{OTHER}/two", headers={"X-Container-Sync-To": _realm(f"{A}/one"),
                                       "X-Container-Sync-Key": "k"})
    for name in ("gone", "kept", "rewritten"):
        member.put(f"{A}/one/{name}", content=name.encode())
    sync = _sync_of(cloud)
    assert sync.sync_all() == 3
    assert member.delete(f"{A}/one/gone").status_code == 204
    assert member.delete(f"{A}/one/rewritten").status_code == 204
    # Written again on the other side after the deletion here: newer, it stays (and returns).
    assert other.put(f"{OTHER}/two/rewritten", content=b"newer").status_code == 201
    assert sync.sync_all() == 2  # one deletion carried, the newer object copied back
    assert other.get(f"{OTHER}/two/gone").status_code == 404
    assert other.get(f"{OTHER}/two/kept").content == b"kept"
    assert other.get(f"{OTHER}/two/rewritten").content == b"newer"
    assert member.get(f"{A}/one/rewritten").content == b"newer"
    # Settled both ways; the carried deletions are forgotten.
    assert sync.sync_all() == 0
    names = lambda c: sorted(o["name"] for o in c)  # noqa: E731
    assert names(member.get(f"{A}/one?format=json").json()) == \
        names(other.get(f"{OTHER}/two?format=json").json()) == ["kept", "rewritten"]


def test_target_must_share_the_key(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object", object_sync_interval=3600)
    member = api.as_("member")
    member.put(f"{A}/dst", headers={"X-Container-Sync-Key": "theirs"})
    member.put(f"{A}/src", headers={"X-Container-Sync-To": _realm(f"{A}/dst"),
                                    "X-Container-Sync-Key": "mine"})
    member.put(f"{A}/src/o", content=b"x")
    assert _sync_of(cloud).sync_all() == 0
    assert member.get(f"{A}/dst/o").status_code == 404


def _sync_of(cloud: Any) -> Any:
    return cloud.runtimes["object"].state.sync
