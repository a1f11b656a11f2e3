"""``os-assisted-volume-snapshots``: snapshots of an attached volume that its server's host
takes on Cinder's behalf.

Some volume back ends keep a volume as a file the hypervisor writes to (NFS, say); such a volume
cannot be snapshotted behind the guest's back, so Cinder asks compute to do it. Compute finds
the server the volume is attached to and hands the request to its host; the API answers at
once, as Nova's does. Nova answers a server that cannot take it (no host, a task under way)
with a 400 rather than a 409; so does this.
"""

from __future__ import annotations

import json
from typing import Any

from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as instances_db
from nimbus.compute.db.models import Instance
from nimbus.compute.manager.volume_swap import bdm_not_found
from nimbus.compute.rpcapi import ComputeAgentAPI
from nimbus.compute.states import VmState
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest


class AssistedSnapshots:
    def __init__(self, db: Database, compute_rpc: ComputeAgentAPI) -> None:
        self.db = db
        self.compute_rpc = compute_rpc

    def _server_of(self, volume_id: str, action: str) -> Instance:
        """The server the volume is attached to, ready for ``action`` (400 otherwise)."""
        found = bdms_db.attachments_of_volume(self.db, volume_id)
        if not found:
            raise BadRequest(bdm_not_found(volume_id).message)
        if len(found) > 1:
            raise BadRequest(f"Volume {volume_id} is attached to more than one server; its "
                             "snapshots cannot be assisted.")
        row = instances_db.find_instance(self.db, found[0].instance_uuid)
        if row is None:
            raise BadRequest(bdm_not_found(volume_id).message)
        if not row.host:
            raise BadRequest(f"Instance {row.uuid} is not ready")
        if row.task_state is not None:
            raise BadRequest(f"Cannot '{action}' instance {row.uuid} while it is in "
                             f"task_state {row.task_state}")
        return row

    def create(self, ctx: RequestContext, volume_id: str,
               create_info: dict[str, Any]) -> dict[str, Any]:
        row = self._server_of(volume_id, "volume_snapshot_create")
        self.compute_rpc.volume_snapshot_create(ctx.to_dict(), str(row.host), row.uuid,
                                                volume_id, create_info)
        # Nova answers with the id the request gave (none, usually).
        return {"id": create_info.get("id"), "volumeId": volume_id}

    def delete(self, ctx: RequestContext, snapshot_id: str, delete_info_text: str | None) -> None:
        delete_info = parse_delete_info(delete_info_text)
        volume_id = str(delete_info["volume_id"])
        row = self._server_of(volume_id, "volume_snapshot_delete")
        if delete_info.get("merge_target_file") is not None and row.vm_state != VmState.ACTIVE:
            # Merging into a file of a guest that is not running is not done (Nova's too).
            raise BadRequest(f"Cannot 'volume_snapshot_delete' instance {row.uuid} while it is "
                             f"in vm_state {row.vm_state}")
        self.compute_rpc.volume_snapshot_delete(ctx.to_dict(), str(row.host), row.uuid,
                                                volume_id, snapshot_id, delete_info)


def parse_delete_info(text: str | None) -> dict[str, Any]:
    """``delete_info`` of the query: a JSON object naming the volume."""
    if text is None:
        raise BadRequest("delete_info is required: a JSON object naming the volume_id.")
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise BadRequest(f"Invalid delete_info: {exc}") from None
    if not isinstance(info, dict) or not isinstance(info.get("volume_id"), str):
        raise BadRequest("Invalid delete_info: it must be a JSON object naming the volume_id.")
    return info
