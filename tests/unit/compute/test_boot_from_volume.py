"""Servers that boot from volumes: block_device_mapping_v2, root volume rules, release on
delete, and createImage of a volume-backed server."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.compute.conftest import MV
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

COVERS = [
    ("compute", "create server from an existing volume (block_device_mapping_v2)"),
    ("compute", "create server with volumes made from an image, a snapshot or blank"),
    ("compute", "createImage of a volume-backed server (volume snapshots + bdm image), and "
                "a server booted from that image boots a volume made of the snapshot"),
]


def _boot(compute: Any, bdms: list[dict[str, Any]], image: str = "", persona: str = "member",
          status: int = 202) -> Any:
    body = {"name": "bfv", "imageRef": image, "flavorRef": "42",
            "networks": [{"uuid": NETWORK_ID}], "block_device_mapping_v2": bdms}
    resp = compute.as_(persona).post("/v2.1/servers", json={"server": body}, headers=MV)
    assert resp.status_code == status, resp.text
    return resp


def _root(volume_id: str, delete: bool = True) -> dict[str, Any]:
    return {"uuid": volume_id, "source_type": "volume", "destination_type": "volume",
            "boot_index": 0, "delete_on_termination": delete}


def test_boot_from_existing_volume_and_delete_it_with_the_server(compute: Any) -> None:
    vol = compute.clients.volume.add()
    sid = _boot(compute, [_root(vol)]).json()["server"]["id"]
    server = compute.wait(sid, "ACTIVE", "member")
    assert server["image"] == ""
    assert server["os-extended-volumes:volumes_attached"] == [
        {"id": vol, "delete_on_termination": True}]
    assert compute.clients.volume.volumes[vol]["status"] == "in-use"
    attachments = compute.as_("member").get(
        f"/v2.1/servers/{sid}/os-volume_attachments", headers=MV).json()["volumeAttachments"]
    assert [a["device"] for a in attachments] == ["/dev/vda"]
    # Cinder is told the device too, so the volume shows where it is attached.
    assert [a["mountpoint"] for a in compute.clients.volume.attachments.values()] == ["/dev/vda"]
    resp = compute.as_("member").delete(f"/v2.1/servers/{sid}/os-volume_attachments/{vol}")
    assert resp.status_code == 400 and "root device" in resp.json()["badRequest"]["message"]
    assert compute.as_("member").delete(f"/v2.1/servers/{sid}").status_code == 204
    compute.wait(sid, "GONE")
    assert vol not in compute.clients.volume.volumes


def test_volume_kept_when_not_deleted_on_termination(compute: Any) -> None:
    vol = compute.clients.volume.add()
    sid = _boot(compute, [_root(vol, delete=False)]).json()["server"]["id"]
    compute.wait(sid, "ACTIVE", "member")
    compute.as_("member").delete(f"/v2.1/servers/{sid}")
    compute.wait(sid, "GONE")
    assert compute.clients.volume.volumes[vol]["status"] == "available"


def test_volumes_made_from_image_snapshot_and_blank_with_the_users_token(compute: Any) -> None:
    volumes = compute.clients.volume
    snap = volumes.create_snapshot(volumes.add(), "base", force=True)["id"]
    bdms = [{"uuid": IMAGE_ID, "source_type": "image", "destination_type": "volume",
             "boot_index": 0, "volume_size": 2, "delete_on_termination": True},
            {"uuid": snap, "source_type": "snapshot", "destination_type": "volume",
             "boot_index": 1},
            {"source_type": "blank", "destination_type": "volume", "volume_size": 1,
             "device_name": "/dev/vdc", "boot_index": -1}]
    calls_before = volumes.calls.count("as-user")
    sid = _boot(compute, bdms).json()["server"]["id"]
    server = compute.wait(sid, "ACTIVE", "member")
    assert volumes.calls.count("as-user") - calls_before == 3
    attached = compute.as_("member").get(
        f"/v2.1/servers/{sid}/os-volume_attachments", headers=MV).json()["volumeAttachments"]
    assert sorted(a["device"] for a in attached) == ["/dev/vda", "/dev/vdb", "/dev/vdc"]
    sources = {volumes.volumes[a["volumeId"]]["source"].get("imageRef") for a in attached}
    assert IMAGE_ID in sources
    assert len(server["os-extended-volumes:volumes_attached"]) == 3


def test_bad_mappings_name_the_problem(compute: Any) -> None:
    resp = _boot(compute, [{"source_type": "floppy", "boot_index": 0, "uuid": "x"}],
                 status=400)
    assert "source_type" in resp.text
    resp = _boot(compute, [{"source_type": "image", "destination_type": "volume",
                            "uuid": IMAGE_ID, "boot_index": 0}], status=400)
    assert "non-zero size" in resp.text
    resp = _boot(compute, [_root("no-such-volume")], status=404)
    assert "no-such-volume" in resp.text
    other = compute.clients.volume.add(project_id="someone-else")
    _boot(compute, [_root(other)], status=404)
    busy = compute.clients.volume.add(status="in-use")
    resp = _boot(compute, [_root(busy)], status=400)
    assert "status must be 'available'" in resp.text
    _boot(compute, [{"source_type": "blank", "destination_type": "volume", "boot_index": 1,
                     "volume_size": 1}], status=400)   # nothing to boot from
    resp = _boot(compute, [{**_root(compute.clients.volume.add()), "bogus": 1}], status=400)
    assert "bogus" in resp.text


def test_failed_request_releases_what_it_reserved(compute: Any) -> None:
    volumes = compute.clients.volume
    good = volumes.add()
    bdms = [_root(good), {"uuid": "missing", "source_type": "snapshot",
                          "destination_type": "volume", "boot_index": 1}]
    _boot(compute, bdms, status=404)
    assert volumes.volumes[good]["status"] == "available"
    assert not volumes.attachments


def test_create_image_of_volume_backed_server(compute: Any) -> None:
    vol = compute.clients.volume.add()
    compute.clients.volume.volumes[vol]["size"] = 3
    sid = _boot(compute, [_root(vol)]).json()["server"]["id"]
    compute.wait(sid, "ACTIVE", "member")
    resp = compute.as_("member").post(f"/v2.1/servers/{sid}/action",
                                      json={"createImage": {"name": "bfv-snap"}}, headers=MV)
    assert resp.status_code == 202, resp.text
    image_id = resp.json()["image_id"]
    image = compute.clients.image.get_image(image_id)
    assert image["status"] == "active" and image["size"] == 0
    mapping = json.loads(image["block_device_mapping"])
    assert mapping[0]["source_type"] == "snapshot" and mapping[0]["boot_index"] == 0
    assert mapping[0]["snapshot_id"] in compute.clients.volume.snapshots
    assert image["root_device_name"] == "/dev/vda" and image["min_disk"] == 3
    # The server keeps running; its task is clear.
    assert compute.wait(sid, "ACTIVE", "member")["OS-EXT-STS:task_state"] is None
    # Booting that image boots a new volume made of the snapshot, not the empty image (the
    # image's min_disk is no limit then: there is no local root disk).
    body = {"name": "from-snap", "imageRef": image_id, "flavorRef": "42",
            "networks": [{"uuid": NETWORK_ID}]}
    resp = compute.as_("member").post("/v2.1/servers", json={"server": body}, headers=MV)
    assert resp.status_code == 202, resp.text
    again = compute.wait(resp.json()["server"]["id"], "ACTIVE", "member")
    assert again["image"] == ""
    (attached,) = again["os-extended-volumes:volumes_attached"]
    made = compute.clients.volume.volumes[attached["id"]]
    assert made["source"].get("snapshot_id") == mapping[0]["snapshot_id"]


def test_volume_backed_rescue_takes_a_stable_rescue_image_from_2_87(compute: Any) -> None:
    vol = compute.clients.volume.add()
    sid = _boot(compute, [_root(vol)]).json()["server"]["id"]
    compute.wait(sid, "ACTIVE", "member")
    plain = "7" * 8 + "-7777-4777-8777-" + "7" * 12
    stable = "8" * 8 + "-8888-4888-8888-" + "8" * 12
    compute.clients.image.add(plain, b"\0" * 512, "raw")
    compute.clients.image.add(stable, b"\0" * 512, "raw", hw_rescue_device="disk",
                              hw_rescue_bus="virtio")
    api = compute.as_("member")

    def rescue(image: str | None, version: str) -> Any:
        body = {"rescue": {"rescue_image_ref": image} if image else None}
        return api.post(f"/v2.1/servers/{sid}/action", json=body,
                        headers={"OpenStack-API-Version": f"compute {version}"})

    assert rescue(None, "2.87").status_code == 400
    assert rescue(plain, "2.87").status_code == 400
    assert rescue(stable, "2.86").status_code == 400
    assert rescue(stable, "2.87").status_code == 200
    rescued = compute.wait(sid, "RESCUE", "member")
    guest = compute.guests()[rescued["id"]]
    assert guest["rescue_device"] == {"hw_rescue_device": "disk", "hw_rescue_bus": "virtio"}
    assert api.post(f"/v2.1/servers/{sid}/action", json={"unrescue": None},
                    headers=MV).status_code == 202
    compute.wait(sid, "ACTIVE", "member")
