"""Several backends on one volume agent, the scheduler's filters and weighers over them, and
the moves between them: retype (in place, or with a migration) and os-migrate_volume."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.core.extra_specs_ops import matches
from nimbus.volume.agent import Reconciler
from nimbus.volume.manager import extra_specs
from nimbus.volume.manager.scheduler import free_gb
from tests.unit.volume.conftest import VolumeApi

COVERS = [("volume", "scheduler: several backends on one agent; availability zone, capacity "
                     "and capabilities filters (volume_backend_name, capabilities: scope, "
                     "<is>/<in>/<or>/numeric operators); capacity weigher; a clone stays on "
                     "its source's backend"),
          ("volume", "retype in place and with migration_policy on-demand (data copied to "
                     "the new backend); os-migrate_volume with lock_volume; refusals")]

BACKENDS = [{"name": "gold", "driver": "fake", "availability_zone": "nova"},
            {"name": "silver", "driver": "fake", "availability_zone": "nova"},
            {"name": "edge", "driver": "fake", "availability_zone": "edge-1"}]


@pytest.fixture
def multi(make_cloud: Callable[..., Any]) -> VolumeApi:
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True,
                            volume={"backends": BACKENDS})
    cloud.start_workers({"volume-agent"})
    return VolumeApi(cloud, api)


def _type(v: VolumeApi, name: str, specs: dict[str, str]) -> dict[str, Any]:
    resp = v.as_("admin").post("/v3/types", json={"volume_type": {
        "name": name, "extra_specs": specs}})
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["volume_type"])


def _host(v: VolumeApi, volume_id: str) -> str:
    return str(v.as_("admin").get(f"/v3/volumes/{volume_id}").json()["volume"][
        "os-vol-host-attr:host"])


def _act(v: VolumeApi, volume_id: str, body: dict[str, Any], persona: str = "admin") -> Any:
    return v.as_(persona).post(f"/v3/volumes/{volume_id}/action", json=body,
                               headers={"OpenStack-API-Version": "volume 3.70"})


def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("the condition never held")


# -- matching extra specs ----------------------------------------------------------------------
@pytest.mark.parametrize(("value", "wanted", "ok"), [
    ("gold", "gold", True), ("gold", "silver", False), (True, "<is> True", True),
    (False, "<is> True", False), ("iSCSI", "<in> SCSI", True), ("fc", "<or> iscsi <or> fc", True),
    ("nfs", "<or> iscsi <or> fc", False), (100, ">= 50", True), (10, "= 50", False),
    ("10", "== 10", True), ("abc", "s< abd", True), ("x", ">= 3", False), (None, "<is> True",
                                                                           False),
])
def test_a_capability_matches_as_cinders_operators_say(value: Any, wanted: str, ok: bool) -> None:
    assert matches(value, wanted) is ok


def test_only_unscoped_and_capabilities_keys_are_matched() -> None:
    caps = {"volume_backend_name": "gold", "multiattach": True, "nested": {"depth": 3}}
    assert extra_specs.unmet(caps, {"volume_backend_name": "gold", "qos:read_iops_sec": "9",
                                    "vendor:anything": "x"}) is None
    assert extra_specs.unmet(caps, {"capabilities:volume_backend_name": "silver"}) == \
        "volume_backend_name"
    assert extra_specs.unmet(caps, {"capabilities:nested:depth": ">= 2"}) is None
    assert extra_specs.unmet(caps, {"storage_protocol": "iSCSI"}) == "storage_protocol"


def test_free_space_counts_reserve_and_over_subscription() -> None:
    assert free_gb({"total_capacity_gb": "infinite", "free_capacity_gb": "infinite"}) == \
        float("inf")
    thick = {"total_capacity_gb": 100, "free_capacity_gb": 40, "reserved_percentage": 10}
    assert free_gb(thick) == 30
    assert free_gb(thick, consumed=5) == 25
    thin = {**thick, "thin_provisioning_support": True, "max_over_subscription_ratio": "2.0",
            "provisioned_capacity_gb": 150}
    assert free_gb(thin) == 50


# -- placement ---------------------------------------------------------------------------------
def test_every_backend_is_a_pool_and_types_choose_among_them(multi: VolumeApi) -> None:
    pools = multi.as_("admin").get("/v3/scheduler-stats/get_pools?detail=true").json()["pools"]
    assert sorted(p["capabilities"]["volume_backend_name"] for p in pools) == \
        ["edge", "gold", "silver"]
    for backend in ("gold", "silver"):
        for key in ("volume_backend_name", "capabilities:volume_backend_name"):
            vtype = _type(multi, f"{backend}-{key}", {key: backend})
            made = multi.create(volume_type=vtype["name"])
            assert _host(multi, made["id"]).split("#")[0].endswith(f"@{backend}")


def test_zones_filter_and_spread_by_what_backends_hold(multi: VolumeApi) -> None:
    zones = multi.as_("member").get("/v3/os-availability-zone").json()["availabilityZoneInfo"]
    assert sorted(z["zoneName"] for z in zones) == ["edge-1", "nova"]
    edge = multi.create(availability_zone="edge-1")
    assert "@edge#" in _host(multi, edge["id"])
    # Unbounded backends tie on free space: each new volume goes where fewest GiB are.
    hosts = {_host(multi, multi.create()["id"]).split("@")[1] for _ in range(4)}
    assert hosts == {"gold#gold", "silver#silver"}
    bad = multi.as_("member").post("/v3/volumes", json={"volume": {
        "size": 1, "availability_zone": "nowhere"}})
    assert bad.status_code == 400 and "nowhere" in bad.text


def test_no_backend_with_the_capability_fails_the_volume_with_a_message(
        multi: VolumeApi) -> None:
    vtype = _type(multi, "impossible", {"storage_protocol": "carrier-pigeon"})
    made = multi.create(volume_type=vtype["name"], wait=False)
    multi.wait(made["id"], "error", "member")
    msgs = multi.as_("member").get("/v3/messages", headers={
        "OpenStack-API-Version": "volume 3.3"}).json()["messages"]
    assert any(m["resource_uuid"] == made["id"] and "weighted backend" in m["user_message"]
               for m in msgs)


def test_a_clone_and_a_volume_from_a_snapshot_stay_with_their_source(multi: VolumeApi) -> None:
    silver = _type(multi, "silver", {"volume_backend_name": "silver"})
    source = multi.create(volume_type=silver["name"])
    clone = multi.create(source_volid=source["id"])
    assert _host(multi, clone["id"]) == _host(multi, source["id"])
    snap = multi.as_("member").post("/v3/snapshots", json={"snapshot": {
        "volume_id": source["id"]}}).json()["snapshot"]
    _until(lambda: multi.as_("member").get(f"/v3/snapshots/{snap['id']}").json()[
        "snapshot"]["status"] == "available")
    copy = multi.create(snapshot_id=snap["id"])
    assert _host(multi, copy["id"]) == _host(multi, source["id"])


# -- retype and migration ------------------------------------------------------------------------
def _driver_of(v: VolumeApi, volume_id: str) -> Any:
    """The driver of the backend the volume is on (each backend's reconciler holds its work)."""
    backend = _host(v, volume_id).split("#")[0]
    return next(w.work.driver for w in v.cloud.runtimes["volume"].workers
                if isinstance(w, Reconciler) and w.work.host == backend)


def test_a_retype_the_backend_takes_changes_only_the_type(multi: VolumeApi) -> None:
    plain = _type(multi, "plain", {})
    other = _type(multi, "other", {"multiattach": "<is> True"})
    made = multi.create(volume_type=plain["name"])
    before = _host(multi, made["id"])
    assert _act(multi, made["id"], {"os-retype": {"new_type": other["name"]}},
                "member").status_code == 202
    after = multi.as_("admin").get(f"/v3/volumes/{made['id']}").json()["volume"]
    assert after["volume_type"] == "other" and after["multiattach"] is True
    assert after["os-vol-host-attr:host"] == before and after["migration_status"] is None
    same = _act(multi, made["id"], {"os-retype": {"new_type": "other"}}, "member")
    assert same.status_code == 400 and "same as original" in same.text
    assert _act(multi, made["id"], {"os-retype": {"new_type": "nope"}},
                "member").status_code == 404
    assert _act(multi, made["id"], {"os-retype": {"new_type": "plain"}},
                "reader").status_code == 403
    assert _act(multi, made["id"], {"os-retype": {"new_type": "plain"}},
                "other").status_code == 404


def test_a_retype_to_another_backend_moves_the_data_when_allowed(multi: VolumeApi) -> None:
    gold = _type(multi, "gold", {"volume_backend_name": "gold"})
    silver = _type(multi, "silver", {"volume_backend_name": "silver"})
    made = multi.create(volume_type=gold["name"])
    data = b"nimbus-moves-this" * 4096
    _driver_of(multi, made["id"]).write_volume(_volume_dict(multi, made["id"]), [data])
    # Never: the volume stays as it is, and its owner is told.
    assert _act(multi, made["id"], {"os-retype": {"new_type": "silver",
                                                  "migration_policy": "never"}},
                "member").status_code == 202
    kept = multi.as_("admin").get(f"/v3/volumes/{made['id']}").json()["volume"]
    assert kept["volume_type"] == "gold" and kept["status"] == "available"
    assert _act(multi, made["id"], {"os-retype": {"new_type": silver["id"],
                                                  "migration_policy": "on-demand"}},
                "member").status_code == 202
    _until(lambda: multi.as_("admin").get(f"/v3/volumes/{made['id']}").json()["volume"][
        "migration_status"] == "success")
    moved = multi.wait(made["id"], "available")
    assert moved["volume_type"] == "silver" and "@silver#" in moved["os-vol-host-attr:host"]
    read = b"".join(_driver_of(multi, made["id"]).read_volume(
        _volume_dict(multi, made["id"]), 1 << 20))
    assert read[:len(data)] == data and not read[len(data):].strip(b"\0")


def test_an_operator_migrates_a_volume_and_bad_moves_are_refused(multi: VolumeApi) -> None:
    made = multi.create()
    here = _host(multi, made["id"]).split("#")[0]
    there = next(h for h in (f"{here.split('@')[0]}@gold", f"{here.split('@')[0]}@silver")
                 if h != here)
    assert _act(multi, made["id"], {"os-migrate_volume": {"host": there}},
                "member").status_code == 403
    same = _act(multi, made["id"], {"os-migrate_volume": {"host": here}})
    assert same.status_code == 400 and "different" in same.text
    unknown = _act(multi, made["id"], {"os-migrate_volume": {"host": "nowhere@x#x"}})
    assert unknown.status_code == 400 and "nowhere" in unknown.text
    done = _act(multi, made["id"], {"os-migrate_volume": {"host": f"{there}#x",
                                                          "lock_volume": True}})
    assert done.status_code == 202, done.text
    _until(lambda: multi.as_("admin").get(f"/v3/volumes/{made['id']}").json()["volume"][
        "os-vol-mig-status-attr:migstat"] == "success")
    assert _host(multi, made["id"]).startswith(f"{there}#")
    assert multi.wait(made["id"], "available")
    snap = multi.as_("member").post("/v3/snapshots", json={"snapshot": {
        "volume_id": made["id"]}}).json()["snapshot"]
    _until(lambda: multi.as_("member").get(f"/v3/snapshots/{snap['id']}").json()[
        "snapshot"]["status"] == "available")
    refused = _act(multi, made["id"], {"os-migrate_volume": {"host": here}})
    assert refused.status_code == 400 and "snapshots" in refused.text


def _volume_dict(v: VolumeApi, volume_id: str) -> dict[str, Any]:
    from nimbus.volume.db import records
    from nimbus.volume.db import volumes as db_volumes

    with v.cloud.db.reader() as s:
        return records.driver_volume(db_volumes.get(s, volume_id))
