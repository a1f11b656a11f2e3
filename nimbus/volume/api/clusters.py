"""Clusters (3.7) and the workers' cleanup (3.24).

No volume service here runs in a cluster (each agent owns its backend alone), so the cluster
list is empty and a named cluster is not found, as in a Cinder without clustered services.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.volume.api.common import VolumeRouter, ctx_dict
from nimbus.volume.errors import ClusterNotFound, InvalidInput
from nimbus.volume.schemas import operators as schema
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()


@router.get("/clusters", min_version="3.7", query=schema.CLUSTERS_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List clusters (none: no service is clustered)."""
    req.enforce("clusters:get_all")
    return {"clusters": []}


@router.get("/clusters/detail", min_version="3.7", query=schema.CLUSTERS_QUERY)
def detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List clusters with details (none)."""
    req.enforce("clusters:get_all")
    return {"clusters": []}


@router.get("/clusters/{cluster_name}", min_version="3.7", faults=(404,))
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show a cluster."""
    req.enforce("clusters:get")
    raise ClusterNotFound(id=req.params["cluster_name"])


@router.put("/clusters/enable", min_version="3.7", body=schema.CLUSTER_UPDATE, faults=(404,))
def enable(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Enable a cluster's services."""
    req.enforce("clusters:update")
    raise ClusterNotFound(id=req.json["name"])


@router.put("/clusters/disable", min_version="3.7", body=schema.CLUSTER_UPDATE, faults=(404,))
def disable(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Disable a cluster's services."""
    req.enforce("clusters:update")
    raise ClusterNotFound(id=req.json["name"])


@router.post("/workers/cleanup", min_version="3.24", status=202, body=schema.CLEANUP)
def cleanup(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Have the volume services matching the filters resume the work a crash or a lost
    message left behind; those that are down cannot and are listed as unavailable."""
    req.enforce("workers:cleanup")
    wanted = dict(req.json or {})
    for key in ("disabled", "is_up"):
        if wanted.get(key) is not None:
            wanted[key] = to_bool(wanted[key], key)
    kind = wanted.get("resource_type")
    if kind and str(kind).title() not in schema.CLEANABLE:
        raise InvalidInput(reason=f"Resource type {kind} not valid, must be "
                                  f"{' or '.join(schema.CLEANABLE)}")
    if wanted.get("cluster_name"):
        # No service is clustered: no cluster names any.
        return {"cleaning": [], "unavailable": []}
    cleaning, unavailable = req.svc.backends.cleanup(ctx_dict(req), wanted)

    def view(rec: dict[str, Any]) -> dict[str, Any]:
        return {"id": rec["id"], "host": rec["host"], "binary": rec["binary"],
                "cluster_name": None}

    return {"cleaning": [view(r) for r in cleaning],
            "unavailable": [view(r) for r in unavailable]}
