"""``createImage`` of a server that boots from a volume.

There is no local disk to capture: as Nova does, each attached volume gets a Cinder snapshot
(forced, since the volumes are in use), and the image is an empty, active record whose
``block_device_mapping`` property lists those snapshots, so that booting it makes new volumes
from them. The snapshots are made with the user's own token while their request is served, so
they belong to the user's project like the volumes they come from.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from nimbus.clients.image import ImageClient
from nimbus.clients.volume import VolumeClient
from nimbus.compute.constants import ROOT_DEVICE
from nimbus.compute.db.models import VolumeAttachment
from nimbus.compute.manager.block_devices import is_root
from nimbus.core.errors import NimbusError


def _mapping(bdm: VolumeAttachment, snapshot: dict[str, Any]) -> dict[str, Any]:
    root = is_root(bdm)
    return {"source_type": "snapshot", "destination_type": "volume",
            "snapshot_id": snapshot["id"], "volume_size": snapshot.get("size"),
            "boot_index": 0 if root else None, "device_name": bdm.device_name,
            "delete_on_termination": bdm.delete_on_termination, "tag": bdm.tag,
            "disk_bus": "virtio", "device_type": "disk", "guest_format": None,
            "volume_id": None, "image_id": None, "no_device": None,
            "connection_info": None, "volume_type": None}


def snapshot_volumes(volumes: VolumeClient, images: ImageClient, body: dict[str, Any],
                     bdms: list[VolumeAttachment]) -> str:
    """Snapshot every attached volume (``volumes`` acts for the user) and record the image that
    maps them; the image id."""
    mappings: list[dict[str, Any]] = []
    made: list[str] = []
    try:
        for bdm in bdms:
            snapshot = volumes.create_snapshot(bdm.volume_id, f"snapshot for {body['name']}",
                                               force=True)
            made.append(str(snapshot["id"]))
            mappings.append(_mapping(bdm, snapshot))
        root = next((m for m in mappings if m["boot_index"] == 0), None)
        body = {**body, "block_device_mapping": json.dumps(mappings), "bdm_v2": "True",
                "root_device_name": ROOT_DEVICE,
                "disk_format": "raw", "container_format": "bare"}
        if root and root.get("volume_size"):
            body["min_disk"] = max(int(body.get("min_disk") or 0), int(root["volume_size"]))
        image = images.create_image(body)
    except Exception:
        for snapshot_id in made:
            with contextlib.suppress(NimbusError):
                volumes.delete_snapshot(snapshot_id)
        raise
    # No bytes: the volumes' snapshots are the data. An empty upload makes the record active.
    images.upload(image["id"], iter(()))
    return str(image["id"])
