"""The deprecated proxies to the block-storage API: ``os-volumes`` and ``os-snapshots``.

Nova forwarded these to Cinder with the caller's own context, so a caller sees and makes only
what Cinder lets that caller see and make (its own project's volumes; an administrator's
project's, for an administrator). Every call here carries the caller's token for the same
reason, never the service's: with the service's credentials one project would see another's
volumes, and what it made would belong to the service's project.
"""

from __future__ import annotations

from typing import Any, TypeVar

from nimbus.clients.volume import VolumeClient
from nimbus.compute.schemas.common import as_bool
from nimbus.core.api.context import RequestContext
from nimbus.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
)

T = TypeVar("T")


def volume_not_found(volume_id: str) -> NotFound:
    return NotFound(f"Volume {volume_id} could not be found.", resource="volume", id=volume_id)


def snapshot_not_found(snapshot_id: str) -> NotFound:
    return NotFound(f"Snapshot {snapshot_id} could not be found.", resource="snapshot",
                    id=snapshot_id)


class VolumeProxy:
    def __init__(self, volumes: VolumeClient, max_limit: int) -> None:
        self.volumes = volumes
        self.max_limit = max_limit

    def _as(self, ctx: RequestContext) -> VolumeClient:
        return self.volumes.acting_for(ctx.auth_token, ctx.project_id)

    def _window(self, items: list[T], limit: int | None, offset: int | None) -> list[T]:
        """Nova's slice of a whole list: ``offset`` on, at most ``limit`` (no limit, or one
        beyond the most a page holds, gives that most)."""
        start = offset or 0
        most = min(limit or self.max_limit, self.max_limit)
        return items[start:start + most]

    # -- volumes ---------------------------------------------------------------------------
    def list_volumes(self, ctx: RequestContext, limit: int | None,
                     offset: int | None) -> list[dict[str, Any]]:
        return self._window(self._as(ctx).list_volumes(), limit, offset)

    def get_volume(self, ctx: RequestContext, volume_id: str) -> dict[str, Any]:
        try:
            return self._as(ctx).get_volume(volume_id)
        except NotFound:
            raise volume_not_found(volume_id) from None

    def create_volume(self, ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any]:
        """Make a volume in the caller's project from Nova's request body (``display_name``,
        ``snapshot_id``...)."""
        spec: dict[str, Any] = {"size": int(body["size"])}
        if body.get("snapshot_id") is not None:
            # Looked up first, as Nova does, so that an unknown one is a 404 of its own.
            spec["snapshot_id"] = self.get_snapshot(ctx, body["snapshot_id"])["id"]
        for ours, theirs in (("display_name", "name"), ("display_description", "description"),
                             ("volume_type", "volume_type"), ("metadata", "metadata"),
                             ("availability_zone", "availability_zone")):
            if body.get(ours) is not None:
                spec[theirs] = body[ours]
        try:
            return self._as(ctx).create_volume(spec)
        except PayloadTooLarge as exc:
            # Cinder's over-quota answer; Nova's is a 403.
            raise Forbidden(exc.message) from None

    def delete_volume(self, ctx: RequestContext, volume_id: str) -> None:
        try:
            self._as(ctx).delete_volume(volume_id, missing_ok=False)
        except NotFound:
            raise volume_not_found(volume_id) from None
        except Conflict as exc:
            # A volume in use, say: Nova words any refusal of Cinder's as invalid input.
            raise BadRequest(exc.message) from None

    # -- snapshots -------------------------------------------------------------------------
    def list_snapshots(self, ctx: RequestContext, limit: int | None,
                       offset: int | None) -> list[dict[str, Any]]:
        return self._window(self._as(ctx).list_snapshots(), limit, offset)

    def get_snapshot(self, ctx: RequestContext, snapshot_id: str) -> dict[str, Any]:
        try:
            return self._as(ctx).get_snapshot(snapshot_id)
        except NotFound:
            raise snapshot_not_found(snapshot_id) from None

    def create_snapshot(self, ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any]:
        volume_id = str(body["volume_id"])
        try:
            return self._as(ctx).create_snapshot(
                volume_id, body.get("display_name"), force=as_bool(body.get("force", False)),
                description=body.get("display_description"))
        except NotFound:
            raise volume_not_found(volume_id) from None
        except PayloadTooLarge as exc:
            raise Forbidden(exc.message) from None
        except Conflict as exc:
            raise BadRequest(exc.message) from None

    def delete_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        try:
            self._as(ctx).delete_snapshot(snapshot_id, missing_ok=False)
        except NotFound:
            raise snapshot_not_found(snapshot_id) from None
        except Conflict as exc:
            raise BadRequest(exc.message) from None
