"""GET /limits: the project's absolute limits and what it uses of them."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.state import VolumeState

router = VolumeRouter()


@router.get("/limits")
def limits(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The project's absolute limits and usage."""
    req.enforce("limits_extension:used_limits")
    project = str(req.ctx.project_id)
    hard, used = req.svc.quotas.get(project), req.svc.quotas.usage(project)
    return {"limits": {"rate": [], "absolute": {
        "maxTotalVolumes": hard["volumes"],
        "maxTotalSnapshots": hard["snapshots"],
        "maxTotalVolumeGigabytes": hard["gigabytes"],
        "maxTotalBackups": hard["backups"],
        "maxTotalBackupGigabytes": hard["backup_gigabytes"],
        "totalVolumesUsed": used["volumes"],
        "totalSnapshotsUsed": used["snapshots"],
        "totalGigabytesUsed": used["gigabytes"],
        "totalBackupsUsed": used["backups"],
        "totalBackupGigabytesUsed": used["backup_gigabytes"],
    }}}
