"""The operators' block-storage APIs: os-services actions, os-hosts, pools and capabilities,
clusters, the workers' cleanup, quota classes and the per-volume-type quotas."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.volume.db.models import Volume
from tests.unit.volume.conftest import VolumeApi

COVERS = [("volume", "os-services enable/disable/disable-log-reason/freeze/thaw, set-log and "
                     "get-log (3.32), failover refused"),
          ("volume", "os-hosts list/show/update, scheduler-stats/get_pools, capabilities, "
                     "clusters (3.7), workers/cleanup (3.24)"),
          ("volume", "os-quota-class-sets show/update; per-volume-type quotas (volumes_<type>, "
                     "gigabytes_<type>, snapshots_<type>) shown and enforced")]

V = {"OpenStack-API-Version": "volume 3.50"}


@pytest.fixture
def ops(make_cloud: Callable[..., Any]) -> VolumeApi:
    """A cloud whose API reports as Cinder's scheduler, with its volume agent."""
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True)
    cloud.start_workers({"api", "volume-agent"})
    return VolumeApi(cloud, api)


def _backend(vol: Any) -> str:
    services = vol.as_("admin").get("/v3/os-services?binary=cinder-volume").json()["services"]
    return str(services[0]["host"])


def test_services_listing_follows_the_microversion(ops: Any) -> None:
    admin = ops.as_("admin")
    listed = admin.get("/v3/os-services").json()["services"]
    assert {s["binary"] for s in listed} == {"cinder-volume", "cinder-scheduler"}
    volume = next(s for s in listed if s["binary"] == "cinder-volume")
    # The 3.0 shape has no cluster nor backend state (clients check it with closed schemas).
    assert "cluster" not in volume and "backend_state" not in volume
    assert volume["frozen"] is False and volume["zone"] == "nova"
    later = admin.get("/v3/os-services", headers=V).json()["services"]
    assert all("cluster" in s for s in later)
    assert [s for s in later if s["binary"] == "cinder-volume"][0]["backend_state"] == "up"
    host = volume["host"].split("@")[0]
    assert {s["binary"] for s in admin.get(f"/v3/os-services?host={host}").json()[
        "services"]} >= {"cinder-volume"}


def test_enable_disable_freeze_thaw(ops: Any) -> None:
    admin = ops.as_("admin")
    backend = _backend(ops)
    resp = admin.put("/v3/os-services/disable-log-reason", json={
        "host": backend, "binary": "cinder-volume", "disabled_reason": "maintenance"})
    assert resp.status_code == 200
    assert resp.json() == {"host": backend, "service": "", "binary": "cinder-volume",
                           "status": "disabled", "disabled": True,
                           "disabled_reason": "maintenance"}
    shown = admin.get("/v3/os-services?binary=cinder-volume").json()["services"][0]
    assert shown["status"] == "disabled" and shown["disabled_reason"] == "maintenance"
    # A disabled backend takes no new volume: it is created in error.
    assert ops.create(wait=False)["status"] == "error"
    resp = admin.put("/v3/os-services/enable", json={"host": backend,
                                                      "binary": "cinder-volume"})
    assert resp.json()["disabled"] is False and resp.json()["disabled_reason"] is None
    assert admin.put("/v3/os-services/disable", json={
        "host": backend, "binary": "cinder-volume"}).json()["status"] == "disabled"
    assert admin.put("/v3/os-services/enable", json={
        "host": backend, "service": "cinder-volume"}).status_code == 200
    assert admin.put("/v3/os-services/enable", json={
        "host": "invalid_host", "binary": "cinder-volume"}).status_code == 404
    assert admin.put("/v3/os-services/disable", json={
        "host": backend, "binary": "invalid_binary"}).status_code == 404
    assert admin.put("/v3/os-services/disable-log-reason", json={
        "host": backend, "binary": "cinder-volume", "disabled_reason": None}).status_code == 400
    # Frozen: what lives there may not change, and nothing new goes there.
    volume = ops.create()
    assert admin.put("/v3/os-services/freeze", json={"host": backend}).status_code == 200
    assert admin.get("/v3/os-services?binary=cinder-volume").json()[
        "services"][0]["frozen"] is True
    resp = ops.as_("member").delete(f"/v3/volumes/{volume['id']}")
    assert resp.status_code == 400 and "frozen" in resp.text
    assert ops.create(wait=False)["status"] == "error"
    assert admin.put("/v3/os-services/thaw", json={"host": backend.split("@")[0]}
                     ).status_code == 200
    assert ops.as_("member").delete(f"/v3/volumes/{volume['id']}").status_code == 202
    assert admin.put("/v3/os-services/freeze", json={"host": "invalid_host"}).status_code == 400
    assert admin.put("/v3/os-services/thaw", json={"host": "invalid_host"}).status_code == 400
    resp = admin.put("/v3/os-services/failover_host", json={"host": backend})
    assert resp.status_code == 400 and "replication" in resp.text
    assert admin.put("/v3/os-services/bogus", json={}).status_code in (404, 405)


def test_log_levels(ops: Any) -> None:
    admin = ops.as_("admin")
    logger = logging.getLogger("nimbus.volume.agent.backend")
    before = logger.level
    try:
        body = {"binary": "cinder-volume", "prefix": "nimbus.volume.agent.backend",
                "level": "debug"}
        assert admin.put("/v3/os-services/set-log", json=body).status_code == 404
        assert admin.put("/v3/os-services/set-log", headers=V, json=body).status_code == 202
        assert logger.level == logging.DEBUG
        found = admin.put("/v3/os-services/get-log", headers=V, json={
            "binary": "cinder-volume", "prefix": "nimbus.volume.agent.backend"}).json()
        assert found["log_levels"][0]["binary"] == "cinder-volume"
        assert found["log_levels"][0]["levels"] == {"nimbus.volume.agent.backend": "DEBUG"}
        api = admin.put("/v3/os-services/get-log", headers=V, json={
            "binary": "cinder-api", "prefix": "nimbus.volume.agent.backend"}).json()
        assert [e["binary"] for e in api["log_levels"]] == ["cinder-api"]
        assert admin.put("/v3/os-services/set-log", headers=V, json={
            **body, "level": "LOUD"}).status_code == 400
    finally:
        logger.setLevel(before)


def test_hosts(ops: Any, member_project: str) -> None:
    admin = ops.as_("admin")
    ops.create(size=2)
    hosts = admin.get("/v3/os-hosts").json()["hosts"]
    assert {h["service"] for h in hosts} == {"cinder-volume", "cinder-scheduler"}
    assert all(h["service-status"] == "available" and h["service-state"] == "enabled"
               for h in hosts)
    backend = _backend(ops)
    usage = admin.get(f"/v3/os-hosts/{backend}").json()["host"]
    assert usage[0]["resource"] == {"host": backend, "project": "(total)", "volume_count": "1",
                                    "total_volume_gb": "2", "snapshot_count": "0",
                                    "total_snapshot_gb": "0"}
    assert usage[1]["resource"]["project"] == member_project and len(usage) == 2
    assert admin.get("/v3/os-hosts/nowhere").status_code == 404
    assert admin.put(f"/v3/os-hosts/{backend}", json={"status": "disable"}).json() == {
        "host": backend, "status": "disabled"}
    assert admin.get(f"/v3/os-hosts/{backend}").status_code == 404
    assert admin.put(f"/v3/os-hosts/{backend}", json={"status": "enable"}).status_code == 200
    assert admin.put(f"/v3/os-hosts/{backend}", json={"status": "sideways"}).status_code == 400
    assert ops.as_("member").get("/v3/os-hosts").status_code == 403


def test_pools_and_capabilities(ops: Any) -> None:
    admin = ops.as_("admin")
    backend = _backend(ops)
    assert admin.get("/v3/scheduler-stats/get_pools").json() == {
        "pools": [{"name": f"{backend}#fake"}]}
    pool = admin.get("/v3/scheduler-stats/get_pools?detail=true").json()["pools"][0]
    caps = pool["capabilities"]
    assert caps["vendor_name"] == "Open Source" and caps["volume_backend_name"] == "fake"
    assert caps["total_capacity_gb"] == "infinite" and caps["storage_protocol"] == "fake"
    shown = admin.get(f"/v3/capabilities/{backend}").json()
    assert shown["namespace"] == f"OS::Storage::Capabilities::{backend}"
    assert (shown["vendor_name"], shown["storage_protocol"]) == ("Open Source", "fake")
    assert admin.get("/v3/capabilities/nowhere").status_code == 404
    for persona in ("member", "reader", "other"):
        client = ops.as_(persona)
        assert client.get("/v3/scheduler-stats/get_pools").status_code == 403
        assert client.get(f"/v3/capabilities/{backend}").status_code == 403


def test_clusters_and_cleanup(ops: Any) -> None:
    admin = ops.as_("admin")
    assert admin.get("/v3/clusters", headers=V).json() == {"clusters": []}
    assert admin.get("/v3/clusters/detail", headers=V).json() == {"clusters": []}
    assert admin.get("/v3/clusters/c1", headers=V).status_code == 404
    assert admin.put("/v3/clusters/enable", headers=V, json={"name": "c1"}).status_code == 404
    assert admin.get("/v3/clusters").status_code == 404
    assert ops.as_("member").get("/v3/clusters", headers=V).status_code == 403
    # Services that are up clean up their own leftovers; by default Cinder asks about the
    # ones that are down (none here).
    assert admin.post("/v3/workers/cleanup", headers=V, json={}).json() == {
        "cleaning": [], "unavailable": []}
    resp = admin.post("/v3/workers/cleanup", headers=V, json={"is_up": True})
    assert resp.status_code == 202
    assert [s["host"] for s in resp.json()["cleaning"]] == [_backend(ops)]
    resp = admin.post("/v3/workers/cleanup", headers=V, json={"resource_type": "Backup"})
    assert resp.status_code == 400
    assert admin.post("/v3/workers/cleanup", json={}).status_code == 404
    assert ops.as_("member").post("/v3/workers/cleanup", headers=V,
                                  json={}).status_code == 403


def test_quota_classes_and_per_type_quotas(vol: Any, member_project: str) -> None:
    admin = vol.as_("admin")
    admin.post("/v3/types", json={"volume_type": {"name": "gold"}})
    shown = admin.get("/v3/os-quota-class-sets/default").json()["quota_class_set"]
    assert shown["id"] == "default" and shown["volumes"] == 10
    assert shown["volumes_gold"] == -1 and shown["groups"] == 10
    resp = admin.put("/v3/os-quota-class-sets/default", json={"quota_class_set": {
        "volumes": 11, "volumes_gold": 1, "gigabytes_gold": "5"}})
    assert resp.status_code == 200
    updated = resp.json()["quota_class_set"]
    assert (updated["volumes"], updated["volumes_gold"], updated["gigabytes_gold"]) == (11, 1, 5)
    assert "id" not in updated
    defaults = admin.get(f"/v3/os-quota-sets/{member_project}/defaults").json()["quota_set"]
    assert (defaults["volumes"], defaults["volumes_gold"]) == (11, 1)
    assert admin.put("/v3/os-quota-class-sets/default", json={"quota_class_set": {
        "volumes_nosuchtype": 1}}).status_code == 400
    assert admin.put("/v3/os-quota-class-sets/default", json={"quota_class_set": {
        "volumes": "many"}}).status_code == 400
    # The per-type limit holds: one gold volume, not two.
    vol.create(volume_type="gold")
    resp = vol.as_("member").post("/v3/volumes", json={"volume": {"size": 1,
                                                                  "volume_type": "gold"}})
    assert resp.status_code == 413 and "volumes_gold" in resp.text
    usage = admin.get(f"/v3/os-quota-sets/{member_project}?usage=true").json()["quota_set"]
    assert usage["volumes_gold"] == {"limit": 1, "in_use": 1, "reserved": 0, "allocated": 0}
    # A project's own per-type limit beats the class's.
    assert admin.put(f"/v3/os-quota-sets/{member_project}", json={"quota_set": {
        "volumes_gold": 3}}).json()["quota_set"]["volumes_gold"] == 3
    vol.create(volume_type="gold")
    assert admin.put(f"/v3/os-quota-sets/{member_project}", json={"quota_set": {
        "gigabytes_nosuchtype": 3}}).status_code == 400
    for persona in ("member", "reader", "other"):
        client = vol.as_(persona)
        assert client.get("/v3/os-quota-class-sets/default").status_code == 403
        assert client.put("/v3/os-quota-class-sets/default", json={
            "quota_class_set": {"volumes": 1}}).status_code == 403


def test_cleanup_resumes_work_whose_message_was_lost(ops: Any, member_project: str) -> None:
    """A volume left creating on a backend that is up (its cast lost) is made by the cleanup."""
    backend = _backend(ops)
    with ops.cloud.db.writer() as s:
        s.add(Volume(id="lost-1", project_id=member_project, size=1, status="creating",
                     attach_status="detached", host=f"{backend}#fake",
                     created_at=dt.datetime(2024, 1, 1), updated_at=dt.datetime(2024, 1, 1)))
    resp = ops.as_("admin").post("/v3/workers/cleanup", headers=V, json={
        "is_up": True, "host": backend})
    assert resp.json()["cleaning"][0]["host"] == backend
    assert ops.wait("lost-1", "available")["id"] == "lost-1"


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_service_actions_are_an_admins(ops: Any, persona: str) -> None:
    client, backend = ops.as_(persona), _backend(ops)
    assert client.get("/v3/os-services").status_code == 403
    assert client.put("/v3/os-services/disable", json={
        "host": backend, "binary": "cinder-volume"}).status_code == 403
    assert client.put("/v3/os-services/freeze", json={"host": backend}).status_code == 403
    assert client.put("/v3/os-services/get-log", headers=V, json={}).status_code == 403
