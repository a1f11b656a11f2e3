"""``volume-extended``: Cinder grew a volume attached to a guest here, and the guest must see it.

The server's action list gets an ``extend_volume`` action, as Nova records it. A volume Cinder
left ``extending`` (its backend cannot grow a file the guest holds open) is grown here, to the
size its metadata names (``extend_new_size``), and Cinder is told how it went with
``os-extend_volume_completion``; for any other volume the guest is only shown its new size.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from nimbus.compute.db import actions
from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as db
from nimbus.compute.manager.guests import instance_dict
from nimbus.core.errors import NimbusError

if TYPE_CHECKING:
    from nimbus.compute.agent.work import GuestWork

LOG = logging.getLogger(__name__)
GIB = 1024 ** 3
_CTX: dict[str, Any] = {}


def extend_volume(work: GuestWork, server_uuid: str, volume_id: str,
                  ctx: dict[str, Any] | None = None) -> None:
    row = db.find_instance(work.db, server_uuid)
    bdm = bdms_db.find_attachment(work.db, server_uuid, volume_id=volume_id)
    if row is None or row.host != work.host or bdm is None or bdm.attachment_id is None:
        LOG.info("volume-extended for volume %s of %s: not attached here", volume_id,
                 server_uuid)
        return
    volumes = work.deps.volumes
    # The action is the event's sender's (the volume service's user), as Nova records it.
    ctx = {"request_id": f"req-extend-{volume_id}",
           **{k: v for k, v in (ctx or {}).items() if k in ("user_id", "project_id")}}
    actions.record_action(work.db, ctx, server_uuid, "extend_volume")
    event = actions.start_event(work.db, ctx, server_uuid, "compute_extend_volume", work.host)
    waiting = False
    try:
        volume = volumes.get_volume(volume_id)
        waiting = volume.get("status") == "extending"
        size = int((volume.get("metadata") or {})["extend_new_size"] if waiting
                   else volume["size"])
        if size < int(volume["size"]):
            raise NimbusError(f"Volume {volume_id} cannot shrink to {size} GB.")
        info = volumes.get_attachment(bdm.attachment_id).get("connection_info") or {}
        work.driver.extend_volume(instance_dict(row), info, size * GIB)
    except Exception as exc:  # whatever failed, Cinder must hear of it
        LOG.warning("volume %s of %s was not grown: %s", volume_id, server_uuid, exc)
        actions.finish_event(work.db, event, "Error", traceback=str(exc))
        if waiting:
            with contextlib.suppress(NimbusError):
                volumes.complete_extend(volume_id, error=True)
        return
    LOG.info("volume %s of %s: the guest sees %d GB", volume_id, server_uuid, size)
    actions.finish_event(work.db, event, "Success")
    if waiting:
        volumes.complete_extend(volume_id, error=False)
