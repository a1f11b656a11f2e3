"""Managing a backend's storage: take an existing volume or snapshot into the cloud
(``os-volume-manage``, ``os-snapshot-manage``, and 3.8's ``/manageable_volumes`` and
``/manageable_snapshots``), list what a backend holds, and let a volume go (``os-unmanage``).
A snapshot's ``os-unmanage`` is one of the snapshot actions (``snapshot_actions.py``)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import VolumeRouter, base_url, ctx_dict
from nimbus.volume.api.volume_actions import action
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import operators as schema
from nimbus.volume.schemas import snapshots as snapshot_schema
from nimbus.volume.schemas import volumes as volume_schema
from nimbus.volume.schemas.common import to_bool
from nimbus.volume.state import VolumeState

router = VolumeRouter()
_SORT_KEYS = ("reference", "size")


def _manage_volume(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    req.enforce("volume_extension:volume_manage")
    spec = dict(req.json["volume"])
    if "bootable" in spec:
        spec["bootable"] = to_bool(spec["bootable"], "bootable")
    for key in ("name", "description"):
        if spec.get(key):
            spec[key] = spec[key].strip()
    vol = req.svc.manage.manage_volume(ctx_dict(req), spec["host"], spec["ref"], spec)
    # Cinder answers with the volume's base fields whatever the microversion.
    return {"volume": volume_schema.detail(vol, base_url(req), admin=req.ctx.is_admin,
                                           version=None)}


@router.post("/os-volume-manage", status=202, body=schema.MANAGE_VOLUME, faults=(404, 503))
def manage_volume(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Take a volume the backend holds into the cloud."""
    return _manage_volume(req)


@router.post("/manageable_volumes", min_version="3.8", status=202, body=schema.MANAGE_VOLUME,
             faults=(404, 503))
def manage_volume_v38(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Take a volume the backend holds into the cloud (3.8's path)."""
    return _manage_volume(req)


def _manage_snapshot(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    req.enforce("snapshot_extension:snapshot_manage")
    spec = dict(req.json["snapshot"])
    snap = req.svc.manage.manage_snapshot(ctx_dict(req), spec["volume_id"], spec["ref"], spec)
    body = snapshot_schema.view(snap, admin=req.ctx.is_admin, at_least=req.at_least)
    return {"snapshot": {k: v for k, v in body.items() if k not in snapshot_schema.EXTENDED}}


@router.post("/os-snapshot-manage", status=202, body=schema.MANAGE_SNAPSHOT,
             faults=(404, 503))
def manage_snapshot(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Take a snapshot the backend holds into the cloud, as a snapshot of a volume."""
    return _manage_snapshot(req)


@router.post("/manageable_snapshots", min_version="3.8", status=202,
             body=schema.MANAGE_SNAPSHOT, faults=(404, 503))
def manage_snapshot_v38(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Take a snapshot the backend holds into the cloud (3.8's path)."""
    return _manage_snapshot(req)


# -- what a backend holds ----------------------------------------------------------------------
def _host(req: ApiRequest[VolumeState]) -> str:
    host = req.args.get("host")
    if not host:
        raise InvalidInput(reason="Either host or cluster must be specified, and no service "
                                  "here is clustered.")
    return str(host)


def _sorted(req: ApiRequest[VolumeState], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sorted (``sort_keys``/``sort_dirs`` or ``sort``: reference or size, descending unless
    told), then cut with ``offset`` and ``limit``."""
    keys = str(req.args.get("sort_keys") or "").split(",")
    dirs = str(req.args.get("sort_dirs") or "").split(",")
    if req.args.get("sort"):
        pairs = [part.split(":", 1) for part in str(req.args["sort"]).split(",")]
        keys, dirs = [p[0] for p in pairs], [p[1] if len(p) > 1 else "desc" for p in pairs]
    key, direction = (keys[0] or "reference").strip(), (dirs[0] or "desc").strip().lower()
    if key not in _SORT_KEYS:
        raise InvalidInput(reason=f"Invalid sort key {key}; it must be reference or size.")
    if direction not in ("asc", "desc"):
        raise InvalidInput(reason=f"Invalid sort direction {direction}.")
    entries = sorted(entries, reverse=direction == "desc",
                     key=lambda e: e["size"] if key == "size" else str(e["reference"]))
    offset = int(req.args.get("offset") or 0)
    limit = req.args.get("limit")
    return entries[offset:] if limit is None else entries[offset:offset + int(limit)]


def _manageable(req: ApiRequest[VolumeState], snapshots: bool, detailed: bool) -> dict[str, Any]:
    req.enforce("snapshot_extension:list_manageable" if snapshots
                else "volume_extension:list_manageable")
    entries = (req.svc.manage.manageable_snapshots(ctx_dict(req), _host(req)) if snapshots
               else req.svc.manage.manageable_volumes(ctx_dict(req), _host(req)))
    key = "manageable-snapshots" if snapshots else "manageable-volumes"
    return {key: [schema.manageable_view(e, detailed) for e in _sorted(req, entries)]}


@router.get("/manageable_volumes", min_version="3.8", query=schema.MANAGEABLE_QUERY,
            faults=(404, 503))
def manageable_volumes(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The volumes a backend holds, and whether each may be managed."""
    return _manageable(req, snapshots=False, detailed=False)


@router.get("/manageable_volumes/detail", min_version="3.8", query=schema.MANAGEABLE_QUERY,
            faults=(404, 503))
def manageable_volumes_detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The volumes a backend holds, with why one may not be managed."""
    return _manageable(req, snapshots=False, detailed=True)


@router.get("/manageable_snapshots", min_version="3.8", query=schema.MANAGEABLE_QUERY,
            faults=(404, 503))
def manageable_snapshots(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The snapshots a backend holds, and whether each may be managed."""
    return _manageable(req, snapshots=True, detailed=False)


@router.get("/manageable_snapshots/detail", min_version="3.8", query=schema.MANAGEABLE_QUERY,
            faults=(404, 503))
def manageable_snapshots_detail(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The snapshots a backend holds, with why one may not be managed."""
    return _manageable(req, snapshots=True, detailed=True)


@action("os-unmanage", "volume_extension:volume_unmanage")
def unmanage(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> Reply:
    """The cloud forgets the volume; its data stays on the backend, to be managed again."""
    req.svc.manage.unmanage_volume(ctx_dict(req), vol["id"])
    return Reply(None, status=202)
