"""Volume rules on the API side: creation, listing, update and deletion.

A manager never sees HTTP. ``project_id=None`` means "any project" (admins and service users);
otherwise a volume of another project is ``VolumeNotFound``, as Cinder answers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import NotFound
from nimbus.core.registry import Registry
from nimbus.volume import scheduler, states
from nimbus.volume.db import api as db
from nimbus.volume.db.models import Attachment, Snapshot, Volume
from nimbus.volume.errors import InvalidInput, InvalidVolume
from nimbus.volume.quotas import QuotaManager
from nimbus.volume.rpcapi import VolumeAgentAPI
from nimbus.volume.voltypes import TypeManager

Record = dict[str, Any]
# Declared outside the classes, whose ``list`` methods shadow the builtin.
Records = list[Record]
AVAILABILITY_ZONES = ("nova",)
SORT_KEYS = {"id", "name", "status", "size", "created_at", "updated_at", "availability_zone",
             "bootable", "project_id", "display_name"}


@dataclass
class ListQuery:
    """What a volume listing asks for; ``project_id=None`` lists every project's volumes."""

    project_id: str | None
    filters: dict[str, str] = field(default_factory=dict)
    limit: int | None = None
    marker: str | None = None
    sort: list[tuple[str, str]] = field(default_factory=list)


def parse_metadata_filter(text: str) -> dict[str, str]:
    """The ``metadata`` query filter: a Python/JSON dict literal, as the clients send it."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise InvalidInput(reason=f"Invalid metadata filter: {text}") from None
    if not isinstance(value, dict):
        raise InvalidInput(reason=f"Invalid metadata filter: {text}")
    return {str(k): str(v) for k, v in value.items()}


class VolumeManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI, types: TypeManager,
                 quotas: QuotaManager, registry: Registry) -> None:
        self.db = database
        self.rpc = rpc
        self.types = types
        self.quotas = quotas
        self.registry = registry

    # -- reads ----------------------------------------------------------------------------------
    def get(self, volume_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            row = db.volume_row(s, volume_id, project_id)
            return db.volume_records(s, [row])[0]

    def list(self, query: ListQuery) -> Records:
        filters = dict(query.filters)
        with self.db.reader() as s:
            stmt = select(Volume)
            if query.project_id is not None:
                stmt = stmt.filter_by(project_id=query.project_id)
            name = filters.pop("name", None) or filters.pop("display_name", None)
            if name is not None:
                stmt = stmt.filter_by(name=name)
            for key in ("status", "availability_zone", "id", "user_id"):
                if key in filters:
                    stmt = stmt.filter_by(**{key: filters.pop(key)})
            if "bootable" in filters:
                stmt = stmt.filter_by(bootable=filters.pop("bootable").lower() in ("true", "1"))
            if "project_id" in filters and query.project_id is None:
                stmt = stmt.filter_by(project_id=filters.pop("project_id"))
            order = []
            for key, direction in query.sort or [("created_at", "desc"), ("id", "desc")]:
                column = getattr(Volume, "name" if key == "display_name" else key)
                order.append(column.asc() if direction == "asc" else column.desc())
            rows = list(s.scalars(stmt.order_by(*order)))
            metadata = filters.get("metadata")
            if metadata:
                wanted = parse_metadata_filter(metadata)
                rows = [r for r in rows
                        if all((r.metadata_ or {}).get(k) == v for k, v in wanted.items())]
            if query.marker:
                ids = [r.id for r in rows]
                if query.marker not in ids:
                    if s.get(Volume, query.marker) is None:
                        raise NotFound(f"Marker {query.marker} could not be found.")
                    rows = []
                else:
                    rows = rows[ids.index(query.marker) + 1:]
            if query.limit is not None:
                rows = rows[: query.limit]
            return db.volume_records(s, rows)

    def count(self, project_id: str | None) -> int:
        with self.db.reader() as s:
            stmt = select(func.count(Volume.id))
            if project_id is not None:
                stmt = stmt.filter_by(project_id=project_id)
            return int(s.scalar(stmt) or 0)

    # -- create ---------------------------------------------------------------------------------
    def create(self, ctx: dict[str, Any], spec: dict[str, Any]) -> Record:
        """Record the volume as ``creating`` and cast its creation to the chosen agent."""
        zone = spec.get("availability_zone") or AVAILABILITY_ZONES[0]
        if zone not in AVAILABILITY_ZONES:
            raise InvalidInput(reason=f"Availability zone '{zone}' is invalid.")
        volume_type = (self.types.get(spec["volume_type"]) if spec.get("volume_type")
                       else self.types.default())
        # Outside the write transaction: the registry reads in its own session.
        host = scheduler.pick_host(self.registry, int(spec.get("size") or 0))
        record = self._insert(ctx, spec, zone, volume_type["id"], host)
        if record["host"]:
            self.rpc.create_volume(ctx, record["host"], record["id"])
        return record

    @retry_on_lock()
    def _insert(self, ctx: dict[str, Any], spec: dict[str, Any], zone: str, type_id: str,
                host: str | None) -> Record:
        project_id = str(ctx["project_id"])
        size = spec.get("size")
        with self.db.writer() as s:
            if spec.get("snapshot_id"):
                snap = db.snapshot_row(s, spec["snapshot_id"], self._scope(ctx))
                if snap.status != states.AVAILABLE:
                    raise InvalidInput(reason=f"Snapshot {snap.id} status must be available.")
                size = size or snap.size
                if size < snap.size:
                    raise InvalidInput(reason=f"Volume size '{size}'GB cannot be smaller than "
                                              f"the snapshot size {snap.size}GB.")
            if spec.get("source_volid"):
                source = db.volume_row(s, spec["source_volid"], self._scope(ctx))
                size = size or source.size
                if size < source.size:
                    raise InvalidInput(reason=f"Volume size '{size}'GB cannot be smaller than "
                                              f"the source volume size {source.size}GB.")
            if not size:
                raise InvalidInput(reason="Volume size must be specified.")
            self.quotas.check(s, project_id, volumes=1, gigabytes=size)
            image_metadata = {"image_id": spec["imageRef"]} if spec.get("imageRef") else {}
            row = Volume(
                project_id=project_id, user_id=ctx.get("user_id"), name=spec.get("name"),
                description=spec.get("description"), size=size,
                status=states.CREATING if host else states.ERROR,
                attach_status=states.DETACHED, availability_zone=zone, volume_type_id=type_id,
                host=host, bootable=bool(image_metadata),
                multiattach=bool(spec.get("multiattach")),
                metadata_=dict(spec.get("metadata") or {}), image_metadata=image_metadata,
                snapshot_id=spec.get("snapshot_id"), source_volid=spec.get("source_volid"),
                updated_at=utcnow(),
            )
            s.add(row)
            s.flush()
            return db.volume_records(s, [row])[0]

    @staticmethod
    def _scope(ctx: dict[str, Any]) -> str | None:
        return None if ctx.get("all_projects") else ctx.get("project_id")

    # -- update ---------------------------------------------------------------------------------
    @retry_on_lock()
    def update(self, volume_id: str, project_id: str | None, changes: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db.volume_row(s, volume_id, project_id)
            states.check("update", row.id, row.status)
            if "name" in changes:
                row.name = changes["name"]
            if "description" in changes:
                row.description = changes["description"]
            if "metadata" in changes:
                row.metadata_ = dict(changes["metadata"] or {})
            row.updated_at = utcnow()
            s.flush()
            return db.volume_records(s, [row])[0]

    # -- delete ---------------------------------------------------------------------------------
    def delete(self, ctx: dict[str, Any], volume_id: str, project_id: str | None,
               cascade: bool = False, force: bool = False) -> None:
        host = self._mark_deleting(volume_id, project_id, cascade, force)
        if host:
            self.rpc.delete_volume(ctx, host, volume_id)

    @retry_on_lock()
    def _mark_deleting(self, volume_id: str, project_id: str | None, cascade: bool,
                       force: bool) -> str | None:
        with self.db.writer() as s:
            row = db.volume_row(s, volume_id, project_id)
            live = s.scalar(select(func.count(Attachment.id)).filter_by(volume_id=row.id)
                            .where(Attachment.attach_status != states.DETACHED))
            if live or row.attach_status == states.ATTACHED:
                raise InvalidVolume(reason="Volume status must be available or error or "
                                           "error_restoring or error_extending or error_managing "
                                           "and must not be migrating, attached, belong to a "
                                           "group, have snapshots or be disassociated from "
                                           "snapshots after volume transfer.")
            if not force:
                states.check("delete", row.id, row.status)
            snapshots = list(s.scalars(select(Snapshot).filter_by(volume_id=row.id)))
            if snapshots and not cascade:
                raise InvalidVolume(reason="Volume has dependent snapshots.")
            for snap in snapshots:
                snap.status = states.DELETING
            if not row.host:
                # Never scheduled: nothing exists on any backend.
                for snap in snapshots:
                    s.delete(snap)
                s.delete(row)
                return None
            row.status = states.DELETING
            row.updated_at = utcnow()
            return row.host
