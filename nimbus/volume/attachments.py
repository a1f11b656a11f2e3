"""Attaching volumes: the attachments API (3.27+) and the legacy os-* actions, one set of rules.

The compute service drives both with its service user on behalf of the volume's owner, so every
method takes ``project_id=None`` for "any project". Connection set-up goes to the volume's agent
as an RPC call outside any database transaction: a slow backend must not hold a write lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.volume import states
from nimbus.volume.db import api as db
from nimbus.volume.db.models import Attachment, Volume
from nimbus.volume.errors import AttachmentNotFound, InvalidInput, InvalidVolume
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]
# Declared outside the classes, whose ``list`` methods shadow the builtin.
Records = list[Record]


def _live(s: Session, volume_id: str) -> list[Attachment]:
    stmt = (select(Attachment).filter_by(volume_id=volume_id)
            .where(Attachment.attach_status != states.DETACHED))
    return list(s.scalars(stmt))


def _mode(connector: dict[str, Any] | None, volume: Volume) -> str:
    mode = (connector or {}).get("mode") or ("ro" if volume.readonly else "rw")
    if mode not in ("rw", "ro"):
        raise InvalidInput(reason=f"Invalid attach mode '{mode}'; it must be rw or ro.")
    if volume.readonly and mode == "rw":
        raise InvalidVolume(reason=f"Volume {volume.id} is read-only; attach mode must be ro.")
    return mode


class AttachmentManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI) -> None:
        self.db = database
        self.rpc = rpc

    # -- reads ----------------------------------------------------------------------------------
    def get(self, attachment_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return db.attachment_record(db.attachment_row(s, attachment_id, project_id))

    def list(self, project_id: str | None, filters: dict[str, str]) -> Records:
        with self.db.reader() as s:
            stmt = select(Attachment).order_by(Attachment.created_at.desc(), Attachment.id)
            if project_id is not None:
                stmt = stmt.filter_by(project_id=project_id)
            if filters.get("volume_id"):
                stmt = stmt.filter_by(volume_id=filters["volume_id"])
            if filters.get("instance_id"):
                stmt = stmt.filter_by(instance_uuid=filters["instance_id"])
            status = filters.get("status") or filters.get("attach_status")
            if status:
                stmt = stmt.filter_by(attach_status=status)
            return [db.attachment_record(r) for r in s.scalars(stmt)]

    # -- attachments API ------------------------------------------------------------------------
    def create(self, ctx: dict[str, Any], volume_id: str, instance_uuid: str,
               connector: dict[str, Any] | None, project_id: str | None) -> Record:
        """Reserve the volume for ``instance_uuid``; connect it at once when given a connector."""
        attachment_id = self._reserve(volume_id, instance_uuid, connector, project_id)
        if connector:
            return self.update(ctx, attachment_id, connector, project_id)
        return self.get(attachment_id, None)

    @retry_on_lock()
    def _reserve(self, volume_id: str, instance_uuid: str, connector: dict[str, Any] | None,
                 project_id: str | None) -> str:
        with self.db.writer() as s:
            volume = db.volume_row(s, volume_id, project_id, lock=True)
            states.check("attachment_create", volume.id, volume.status)
            live = _live(s, volume.id)
            if live and not volume.multiattach:
                raise InvalidVolume(reason=f"Volume {volume.id} status must be available or "
                                           f"downloading to reserve, but the current status is "
                                           f"{volume.status}.")
            row = Attachment(volume_id=volume.id, project_id=volume.project_id,
                             instance_uuid=instance_uuid, attach_status=states.ATTACH_RESERVED,
                             attach_mode=_mode(connector, volume), updated_at=utcnow())
            s.add(row)
            if volume.status == states.AVAILABLE:
                volume.status = states.RESERVED
                volume.attach_status = states.ATTACH_RESERVED
            volume.updated_at = utcnow()
            s.flush()
            return row.id

    def update(self, ctx: dict[str, Any], attachment_id: str, connector: dict[str, Any],
               project_id: str | None) -> Record:
        """Export the volume to ``connector``'s host; the record carries the connection_info."""
        with self.db.reader() as s:
            att = db.attachment_row(s, attachment_id, project_id)
            volume = db.volume_row(s, att.volume_id)
            states.check("attachment_update", volume.id, volume.status)
            host, volume_id, mode = volume.host, volume.id, _mode(connector, volume)
        if not host:
            raise InvalidVolume(reason=f"Volume {volume_id} has no backend host.")
        info = self.rpc.initialize_connection(ctx, host, volume_id, connector)
        info["attachment_id"] = attachment_id
        info.setdefault("data", {})["access_mode"] = mode
        return self._store_connection(attachment_id, connector, info, mode)

    @retry_on_lock()
    def _store_connection(self, attachment_id: str, connector: dict[str, Any],
                          info: dict[str, Any], mode: str) -> Record:
        with self.db.writer() as s:
            att = db.attachment_row(s, attachment_id)
            volume = db.volume_row(s, att.volume_id, lock=True)
            att.connector = dict(connector)
            att.connection_info = info
            att.attach_mode = mode
            att.attached_host = connector.get("host")
            att.mountpoint = connector.get("mountpoint") or att.mountpoint
            if att.attach_status != states.ATTACHED:
                att.attach_status = states.ATTACH_ATTACHING
            if volume.status in (states.RESERVED, states.AVAILABLE):
                volume.status = states.ATTACHING
                volume.attach_status = states.ATTACH_ATTACHING
            att.updated_at = volume.updated_at = utcnow()
            s.flush()
            return db.attachment_record(att)

    @retry_on_lock()
    def complete(self, attachment_id: str, project_id: str | None) -> None:
        """The consumer finished connecting: the volume is in use."""
        with self.db.writer() as s:
            att = db.attachment_row(s, attachment_id, project_id)
            volume = db.volume_row(s, att.volume_id, lock=True)
            states.check("attachment_complete", volume.id, volume.status)
            att.attach_status = states.ATTACHED
            att.attach_time = att.attach_time or utcnow()
            volume.status = states.IN_USE
            volume.attach_status = states.ATTACHED
            att.updated_at = volume.updated_at = utcnow()

    def delete(self, ctx: dict[str, Any], attachment_id: str,
               project_id: str | None) -> Records:
        """Disconnect and forget the attachment; returns the volume's remaining attachments."""
        with self.db.reader() as s:
            att = db.attachment_row(s, attachment_id, project_id)
            volume = db.volume_row(s, att.volume_id)
            states.check("attachment_delete", volume.id, volume.status)
            host, volume_id, connector = volume.host, volume.id, dict(att.connector or {})
        if host and connector:
            self.rpc.terminate_connection(ctx, host, volume_id, connector)
        return self._forget(attachment_id)

    @retry_on_lock()
    def _forget(self, attachment_id: str) -> Records:
        with self.db.writer() as s:
            att = s.get(Attachment, attachment_id)
            if att is None:
                raise AttachmentNotFound(id=attachment_id)
            volume = db.volume_row(s, att.volume_id, lock=True)
            s.delete(att)
            s.flush()
            remaining = _live(s, volume.id)
            attached = [a for a in remaining if a.attach_status == states.ATTACHED]
            if remaining and not attached:
                volume.status, volume.attach_status = states.RESERVED, states.ATTACH_RESERVED
            else:
                volume.status, volume.attach_status = states.after_detach(len(attached))
            volume.updated_at = utcnow()
            return [db.attachment_record(a) for a in remaining]

    # -- legacy os-* actions --------------------------------------------------------------------
    @retry_on_lock()
    def set_status(self, volume_id: str, project_id: str | None, action: str) -> None:
        """os-reserve, os-unreserve, os-begin_detaching and os-roll_detaching."""
        with self.db.writer() as s:
            volume = db.volume_row(s, volume_id, project_id, lock=True)
            transition = states.check(action, volume.id, volume.status)
            if action == "reserve" and volume.status == states.IN_USE and not volume.multiattach:
                raise InvalidVolume(reason=f"Volume {volume.id} is already attached and is not "
                                           f"multiattach.")
            if transition.target is not None:
                volume.status = transition.target
            elif action == "unreserve":
                attached = [a for a in _live(s, volume.id) if a.attach_status == states.ATTACHED]
                volume.status = states.after_detach(len(attached))[0]
            volume.updated_at = utcnow()

    def initialize_connection(self, ctx: dict[str, Any], volume_id: str,
                              connector: dict[str, Any], project_id: str | None) -> Record:
        with self.db.reader() as s:
            volume = db.volume_row(s, volume_id, project_id)
            host, mode = volume.host, _mode(connector, volume)
        if not host:
            raise InvalidVolume(reason=f"Volume {volume_id} has no backend host.")
        info = self.rpc.initialize_connection(ctx, host, volume_id, connector)
        info.setdefault("data", {})["access_mode"] = mode
        return info

    def terminate_connection(self, ctx: dict[str, Any], volume_id: str,
                             connector: dict[str, Any] | None, project_id: str | None) -> None:
        with self.db.reader() as s:
            volume = db.volume_row(s, volume_id, project_id)
            host = volume.host
        if host:
            self.rpc.terminate_connection(ctx, host, volume_id, connector)

    @retry_on_lock()
    def attach(self, volume_id: str, project_id: str | None, instance_uuid: str | None,
               host_name: str | None, mountpoint: str | None, mode: str) -> None:
        """os-attach: record the finished attachment and mark the volume in-use."""
        if mode not in ("rw", "ro"):
            raise InvalidInput(reason=f"Invalid attach mode '{mode}'; it must be rw or ro.")
        with self.db.writer() as s:
            volume = db.volume_row(s, volume_id, project_id, lock=True)
            states.check("attach", volume.id, volume.status)
            now = utcnow()
            s.add(Attachment(volume_id=volume.id, project_id=volume.project_id,
                             instance_uuid=instance_uuid, attached_host=host_name,
                             mountpoint=mountpoint, attach_status=states.ATTACHED,
                             attach_mode=mode, attach_time=now, updated_at=now))
            volume.status, volume.attach_status = states.IN_USE, states.ATTACHED
            volume.updated_at = now

    @retry_on_lock()
    def detach(self, volume_id: str, project_id: str | None, attachment_id: str | None) -> None:
        """os-detach: forget one attachment (the only one when no id is given)."""
        with self.db.writer() as s:
            volume = db.volume_row(s, volume_id, project_id, lock=True)
            states.check("detach", volume.id, volume.status)
            live = _live(s, volume.id)
            if attachment_id:
                chosen = [a for a in live if a.id == attachment_id]
                if not chosen:
                    raise AttachmentNotFound(id=attachment_id)
            elif len(live) > 1:
                raise InvalidVolume(reason="Detach needs an attachment_id for a volume with "
                                           "several attachments.")
            else:
                chosen = live
            for att in chosen:
                s.delete(att)
            s.flush()
            attached = [a for a in _live(s, volume.id) if a.attach_status == states.ATTACHED]
            volume.status, volume.attach_status = states.after_detach(len(attached))
            volume.updated_at = utcnow()
