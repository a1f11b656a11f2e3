"""Swapping the volume behind an attachment (Cinder's migration asks for it), the 2.85 update of
an attachment, and assisted volume snapshots: API, agent and fake driver together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nimbus.cmd.tempest_config import compute_features
from nimbus.compute.state import Clients, build
from nimbus.conf.settings import load
from nimbus.core.api.context import RequestContext
from tests.support.personas import PROJECT
from tests.unit.compute.conftest import Compute
from tests.unit.compute.fakes import FakeClients, FakeVolume

V285 = {"OpenStack-API-Version": "compute 2.85"}
V284 = {"OpenStack-API-Version": "compute 2.84"}


class MigratingVolumes(FakeVolume):
    """Cinder's volumes with what a swap reads and does: attachments as the volume lists them,
    detaching marks, and the end of a migration (after which the server keeps the old id)."""

    def __init__(self) -> None:
        super().__init__()
        self.actions: list[tuple[Any, ...]] = []

    def add(self, project_id: str = PROJECT, status: str = "available", size: int = 1) -> str:
        ident = super().add(project_id, status)
        self.volumes[ident].update(size=size, migration_status=None)
        return ident

    def get_volume(self, volume_id: str) -> dict[str, Any]:
        volume = super().get_volume(volume_id)
        volume["attachments"] = [{"server_id": a["instance"], "attachment_id": a["id"]}
                                 for a in self.attachments.values()
                                 if a["volume_id"] == volume_id and a["status"] == "attached"]
        return volume

    def update_attachment(self, attachment_id: str, connector: dict[str, Any],
                          mountpoint: str | None = None) -> dict[str, Any]:
        att = super().update_attachment(attachment_id, connector, mountpoint)
        info = {"driver_volume_type": "fake", "data": {"volume_id": att["volume_id"]}}
        self.attachments[attachment_id]["connection_info"] = info
        return dict(att, connection_info=info)

    def get_attachment(self, attachment_id: str) -> dict[str, Any]:
        return dict(self.attachments[attachment_id])

    def volume_action(self, volume_id: str, action: str, args: Any = None) -> Any:
        self.actions.append((action, volume_id))
        return None

    def migrate_volume_completion(self, old_volume_id: str, new_volume_id: str,
                                  error: bool) -> dict[str, Any]:
        self.actions.append(("complete", old_volume_id, new_volume_id, error))
        return {"save_volume_id": old_volume_id}


@pytest.fixture
def cloud(make_cloud: Any) -> Compute:
    platform, api = make_cloud(["compute"], prefix="/compute", compute_host="node",
                               fake_compute_hosts=1)
    clients = FakeClients()
    clients.volume = MigratingVolumes()
    platform.runtimes["compute"].state = build(platform, Clients(
        image=clients.image, network=clients.network, volume=clients.volume,
        placement=clients.placement))
    platform.bootstrap()
    platform.start_workers({"scheduler", "compute-agent"})
    return Compute(platform, api, clients)


def _attached(cloud: Compute, **server: Any) -> tuple[str, str]:
    """A server with a volume attached at /dev/vdb: (server, volume)."""
    sid = cloud.boot(**server)["id"]
    vol = cloud.clients.volume.add()
    resp = cloud.as_("member").post(f"/v2.1/servers/{sid}/os-volume_attachments",
                                    json={"volumeAttachment": {"volumeId": vol}})
    assert resp.status_code == 200, resp.text
    cloud.wait_for(lambda: "/dev/vdb" in cloud.guests()[sid]["volumes"])
    cloud.wait_for(lambda: cloud.clients.volume.volumes[vol]["status"] == "in-use")
    return sid, vol


def _swap(cloud: Compute, sid: str, old: str, new: str, persona: str = "admin",
          headers: dict[str, str] | None = None) -> Any:
    return cloud.as_(persona).put(f"/v2.1/servers/{sid}/os-volume_attachments/{old}",
                                  json={"volumeAttachment": {"volumeId": new}},
                                  headers=headers or {})


def _attachment(cloud: Compute, sid: str) -> dict[str, Any]:
    (bdm,) = cloud.state.volume_attachments.of(cloud.state.servers.get(RequestContext.admin(),
                                                                       sid))
    return {"volume_id": bdm.volume_id, "attachment_id": bdm.attachment_id,
            "delete_on_termination": bdm.delete_on_termination}


def test_only_a_volume_cinder_migrates_may_be_swapped(cloud: Compute) -> None:
    sid, old = _attached(cloud)
    new = cloud.clients.volume.add(size=2)
    before = _attachment(cloud, sid)
    resp = _swap(cloud, sid, old, new)
    assert resp.status_code == 409, resp.text
    assert "is not migrating" in resp.json()["conflictingRequest"]["message"]
    assert _swap(cloud, sid, "9" * 8 + "-0000-4000-8000-" + "0" * 12, new).status_code == 404
    assert _attachment(cloud, sid) == before
    assert cloud.clients.volume.actions == []


def test_swap_is_for_cinders_service_user_or_an_admin(cloud: Compute) -> None:
    sid, old = _attached(cloud)
    cloud.clients.volume.volumes[old]["migration_status"] = "migrating"
    new = cloud.clients.volume.add()
    assert _swap(cloud, sid, old, new, persona="member").status_code == 403
    # Before 2.85 a PUT is always a swap, even one naming the same volume.
    assert _swap(cloud, sid, old, old, persona="member", headers=V284).status_code == 403
    assert cloud.clients.volume.actions == []


def test_a_migration_swaps_the_guest_onto_the_new_volume(cloud: Compute) -> None:
    sid, old = _attached(cloud)
    volumes = cloud.clients.volume
    volumes.volumes[old]["migration_status"] = "migrating"
    old_attachment = _attachment(cloud, sid)["attachment_id"]
    new = volumes.add(size=2)
    resp = _swap(cloud, sid, old, new)
    assert resp.status_code == 202, resp.text
    assert resp.content == b""
    cloud.wait_for(lambda: _attachment(cloud, sid)["attachment_id"] != old_attachment)
    after = _attachment(cloud, sid)
    # Cinder names the id the server keeps: after a migration, the old one.
    assert after["volume_id"] == old
    assert volumes.attachments[after["attachment_id"]]["volume_id"] == new
    assert volumes.attachments[after["attachment_id"]]["status"] == "attached"
    assert old_attachment not in volumes.attachments
    assert ("os-begin_detaching", old) in volumes.actions
    assert ("complete", old, new, False) in volumes.actions
    # The guest's disk at the same device is now the new volume.
    assert cloud.guests()[sid]["volumes"]["/dev/vdb"]["data"]["volume_id"] == new
    events = cloud.as_("admin").get(f"/v2.1/servers/{sid}/os-instance-actions").json()
    assert events["instanceActions"][0]["action"] == "swap_volume"


def test_a_failed_swap_leaves_the_old_volume_in_place(cloud: Compute) -> None:
    sid, old = _attached(cloud, metadata={"fake_fail": "swap_volume"})
    volumes = cloud.clients.volume
    volumes.volumes[old]["migration_status"] = "migrating"
    before = _attachment(cloud, sid)
    new = volumes.add()
    assert _swap(cloud, sid, old, new).status_code == 202
    cloud.wait_for(lambda: ("complete", old, new, True) in volumes.actions)
    assert _attachment(cloud, sid) == before
    assert ("os-roll_detaching", old) in volumes.actions
    # The new volume's attachment was given back.
    assert not [a for a in volumes.attachments.values() if a["volume_id"] == new]
    assert cloud.guests()[sid]["volumes"]["/dev/vdb"]["data"]["volume_id"] == old


def test_swap_checks_both_volumes(cloud: Compute) -> None:
    sid, old = _attached(cloud)
    volumes = cloud.clients.volume
    volumes.volumes[old].update(migration_status="migrating", size=5)
    missing = "8" * 8 + "-0000-4000-8000-" + "0" * 12
    assert _swap(cloud, sid, old, missing).status_code == 400
    smaller = volumes.add(size=1)
    resp = _swap(cloud, sid, old, smaller)
    assert resp.status_code == 400 and "same size or larger" in resp.text
    assert volumes.actions == []


def test_2_85_updates_delete_on_termination_only(cloud: Compute) -> None:
    sid, vol = _attached(cloud)
    url = f"/v2.1/servers/{sid}/os-volume_attachments/{vol}"
    body = {"volumeAttachment": {"volumeId": vol, "delete_on_termination": True,
                                 "device": "/dev/vdb", "serverId": sid}}
    resp = cloud.as_("member").put(url, json=body, headers=V285)
    assert resp.status_code == 202, resp.text
    assert _attachment(cloud, sid)["delete_on_termination"] is True
    shown = cloud.as_("member").get(url, headers=V285).json()["volumeAttachment"]
    assert shown["delete_on_termination"] is True
    body["volumeAttachment"]["device"] = "/dev/vdz"
    resp = cloud.as_("member").put(url, json=body, headers=V285)
    assert resp.status_code == 400 and "device property is not mutable" in resp.text
    assert cloud.as_("reader").put(url, json={"volumeAttachment": {"volumeId": vol}},
                                   headers=V285).status_code == 403
    assert cloud.as_("other").put(url, json={"volumeAttachment": {"volumeId": vol}},
                                  headers=V285).status_code == 404
    assert cloud.clients.volume.actions == []


def test_assisted_snapshots_reach_the_volumes_host(cloud: Compute) -> None:
    sid, vol = _attached(cloud)
    driver = cloud.state.agents[0].driver
    body = {"snapshot": {"volume_id": vol, "create_info": {
        "snapshot_id": "snap-1", "type": "qcow2", "new_file": "new_file"}}}
    assert cloud.as_("member").post("/v2.1/os-assisted-volume-snapshots",
                                    json=body).status_code == 403
    resp = cloud.as_("admin").post("/v2.1/os-assisted-volume-snapshots", json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"snapshot": {"id": None, "volumeId": vol}}
    cloud.wait_for(lambda: driver.volume_snapshots.get("snap-1") == (sid, vol))
    url = "/v2.1/os-assisted-volume-snapshots/snap-1"
    assert cloud.as_("admin").delete(url).status_code == 400
    assert cloud.as_("admin").delete(url, params={"delete_info": "{nope"}).status_code == 400
    resp = cloud.as_("admin").delete(url, params={"delete_info": f'{{"volume_id": "{vol}"}}'})
    assert resp.status_code == 204, resp.text
    cloud.wait_for(lambda: "snap-1" not in driver.volume_snapshots)
    # A volume attached nowhere: 400, as Nova answers it.
    free = cloud.clients.volume.add()
    body["snapshot"]["volume_id"] = free
    resp = cloud.as_("admin").post("/v2.1/os-assisted-volume-snapshots", json=body)
    assert resp.status_code == 400 and "Block Device Mapping" in resp.text


def test_tempest_is_told_the_fake_driver_swaps_volumes(tmp_path: Path) -> None:
    features = compute_features(load({"state_dir": str(tmp_path)}, environ={}))
    assert features["swap_volume"] == "true"
