"""Attaching volumes: the attachments API (3.27+) and the legacy os-* actions, one set of rules.

The compute service drives both with its service user on behalf of the volume's owner, so every
method takes ``project_id=None`` for "any project". Connection set-up goes to the volume's agent
as an RPC call outside any database transaction: a slow backend must not hold a write lock. The
connection info carries the volume type's front-end QoS specs (``data.qos_specs``, as Cinder
hands them over), which the compute host applies to the disk.
"""

from __future__ import annotations

from typing import Any

from nimbus.clients.compute import ComputeClient
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume import states
from nimbus.volume.db import attachments as db_attachments
from nimbus.volume.db import records
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.attachments import AttachmentFilters
from nimbus.volume.db.models import Attachment, Volume
from nimbus.volume.errors import (
    AttachmentNotFound,
    ComputeUsesAttachment,
    InvalidInput,
    InvalidVolume,
)
from nimbus.volume.manager.qos_specs import connection_specs
from nimbus.volume.rpcapi import VolumeAgentAPI

Record = dict[str, Any]
Records = list[Record]

__all__ = ["AttachmentFilters", "AttachmentManager"]


def _mode(connector: dict[str, Any] | None, volume: Volume) -> str:
    mode = (connector or {}).get("mode") or ("ro" if volume.readonly else "rw")
    if mode not in ("rw", "ro"):
        raise InvalidInput(reason=f"Invalid attach mode '{mode}'; it must be rw or ro.")
    if volume.readonly and mode == "rw":
        raise InvalidVolume(reason=f"Volume {volume.id} is read-only; attach mode must be ro.")
    return mode


def _move(volume: Volume, status: str, attach_status: str) -> None:
    states.VOLUME_STATUS.move(volume, status)
    states.VOLUME_ATTACH_STATUS.move(volume, attach_status)


def _attached(live: list[Attachment]) -> int:
    return len([a for a in live if a.attach_status == states.ATTACHED])


class AttachmentManager:
    def __init__(self, database: Database, rpc: VolumeAgentAPI,
                 compute: ComputeClient | None = None) -> None:
        self.db = database
        self.rpc = rpc
        self.compute = compute

    def check_user_detach(self, ctx: dict[str, Any], volume_id: str,
                          attachment_id: str | None = None) -> None:
        """Refuse a user's own detach of a volume a server is using (Cinder's guard since
        OSSA-2023-003): the host would keep the disk while the volume is given to another.
        Compute's own calls (its service role, or a service token beside the user's) pass, as
        do attachments compute no longer has."""
        if "service" in ctx.get("roles", []) or "service" in ctx.get("service_roles", []):
            return
        with self.db.reader() as s:
            live = [(a.id, a.instance_uuid) for a in db_attachments.live(s, volume_id)
                    if a.instance_uuid and (a.connector or a.connection_info)
                    and attachment_id in (None, a.id)]
        for att_id, server_id in live:
            used = self.compute.volume_attachment(server_id, volume_id) if self.compute \
                else {"attachment_id": att_id}
            if used and used.get("attachment_id") in (None, att_id):
                raise ComputeUsesAttachment(instance_id=server_id)

    # -- reads ----------------------------------------------------------------------------------
    def get(self, attachment_id: str, project_id: str | None) -> Record:
        with self.db.reader() as s:
            return records.attachment_record(db_attachments.get(s, attachment_id, project_id))

    def listing(self, filters: AttachmentFilters, query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_attachments.listing(s, filters, query)
            return Page([records.attachment_record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

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
            volume = db_volumes.get(s, volume_id, project_id, lock=True)
            states.require("attachment_create", volume.id, volume.status)
            if db_attachments.live_count(s, volume.id) and not volume.multiattach:
                raise InvalidVolume(reason=f"Volume {volume.id} status must be available or "
                                           f"downloading to reserve, but the current status is "
                                           f"{volume.status}.")
            row = db_attachments.insert(
                s, volume_id=volume.id, project_id=volume.project_id,
                instance_uuid=instance_uuid,
                attach_status=states.ATTACHMENT_STATUS.start(states.ATTACH_RESERVED),
                attach_mode=_mode(connector, volume), updated_at=utcnow())
            if volume.status == states.AVAILABLE:
                _move(volume, states.RESERVED, states.ATTACH_RESERVED)
            volume.updated_at = utcnow()
            return row.id

    def update(self, ctx: dict[str, Any], attachment_id: str, connector: dict[str, Any],
               project_id: str | None) -> Record:
        """Export the volume to ``connector``'s host; the record carries the connection_info."""
        with self.db.reader() as s:
            att = db_attachments.get(s, attachment_id, project_id)
            volume = db_volumes.get(s, att.volume_id)
            states.require("attachment_update", volume.id, volume.status)
            host, volume_id, mode = volume.host, volume.id, _mode(connector, volume)
            qos = connection_specs(s, volume)
        if not host:
            raise InvalidVolume(reason=f"Volume {volume_id} has no backend host.")
        info = self.rpc.initialize_connection(ctx, host, volume_id, connector)
        info["attachment_id"] = attachment_id
        info.setdefault("data", {}).update(access_mode=mode, qos_specs=qos)
        return self._store_connection(attachment_id, connector, info, mode)

    @retry_on_lock()
    def _store_connection(self, attachment_id: str, connector: dict[str, Any],
                          info: dict[str, Any], mode: str) -> Record:
        with self.db.writer() as s:
            att = db_attachments.get(s, attachment_id)
            volume = db_volumes.get(s, att.volume_id, lock=True)
            att.connector = dict(connector)
            att.connection_info = info
            att.attach_mode = mode
            att.attached_host = connector.get("host")
            att.mountpoint = connector.get("mountpoint") or att.mountpoint
            if att.attach_status != states.ATTACHED:
                states.ATTACHMENT_STATUS.move(att, states.ATTACH_ATTACHING)
            if volume.status in (states.RESERVED, states.AVAILABLE):
                _move(volume, states.ATTACHING, states.ATTACH_ATTACHING)
            att.updated_at = volume.updated_at = utcnow()
            s.flush()
            return records.attachment_record(att)

    @retry_on_lock()
    def complete(self, attachment_id: str, project_id: str | None) -> None:
        """The consumer finished connecting: the volume is in use."""
        with self.db.writer() as s:
            att = db_attachments.get(s, attachment_id, project_id)
            volume = db_volumes.get(s, att.volume_id, lock=True)
            states.require("attachment_complete", volume.id, volume.status)
            states.ATTACHMENT_STATUS.move(att, states.ATTACHED)
            att.attach_time = att.attach_time or utcnow()
            _move(volume, states.IN_USE, states.ATTACHED)
            att.updated_at = volume.updated_at = utcnow()

    def delete(self, ctx: dict[str, Any], attachment_id: str,
               project_id: str | None) -> Records:
        """Disconnect and forget the attachment; returns the volume's remaining attachments."""
        with self.db.reader() as s:
            att = db_attachments.get(s, attachment_id, project_id)
            volume = db_volumes.get(s, att.volume_id)
            states.require("attachment_delete", volume.id, volume.status)
            host, volume_id, connector = volume.host, volume.id, dict(att.connector or {})
        if host and connector:
            self.rpc.terminate_connection(ctx, host, volume_id, connector)
        return self._forget(attachment_id)

    @retry_on_lock()
    def _forget(self, attachment_id: str) -> Records:
        with self.db.writer() as s:
            att = db_attachments.get(s, attachment_id)
            volume = db_volumes.get(s, att.volume_id, lock=True)
            db_attachments.remove(s, att)
            remaining = db_attachments.live(s, volume.id)
            if remaining and not _attached(remaining):
                _move(volume, states.RESERVED, states.ATTACH_RESERVED)
            else:
                _move(volume, *states.after_detach(_attached(remaining)))
            volume.updated_at = utcnow()
            return [records.attachment_record(a) for a in remaining]

    # -- legacy os-* actions --------------------------------------------------------------------
    @retry_on_lock()
    def set_status(self, volume_id: str, project_id: str | None, action: str) -> None:
        """os-reserve, os-unreserve, os-begin_detaching and os-roll_detaching."""
        with self.db.writer() as s:
            volume = db_volumes.get(s, volume_id, project_id, lock=True)
            rule = states.require(action, volume.id, volume.status)
            if action == "reserve" and volume.status == states.IN_USE and not volume.multiattach:
                raise InvalidVolume(reason=f"Volume {volume.id} is already attached and is not "
                                           f"multiattach.")
            if rule.target is not None:
                states.VOLUME_STATUS.move(volume, rule.target)
            elif action == "unreserve":
                attached = _attached(db_attachments.live(s, volume.id))
                states.VOLUME_STATUS.move(volume, states.after_detach(attached)[0])
            volume.updated_at = utcnow()

    def initialize_connection(self, ctx: dict[str, Any], volume_id: str,
                              connector: dict[str, Any], project_id: str | None) -> Record:
        with self.db.reader() as s:
            volume = db_volumes.get(s, volume_id, project_id)
            host, mode = volume.host, _mode(connector, volume)
            qos = connection_specs(s, volume)
        if not host:
            raise InvalidVolume(reason=f"Volume {volume_id} has no backend host.")
        info = self.rpc.initialize_connection(ctx, host, volume_id, connector)
        info.setdefault("data", {}).update(access_mode=mode, qos_specs=qos)
        return info

    def terminate_connection(self, ctx: dict[str, Any], volume_id: str,
                             connector: dict[str, Any] | None, project_id: str | None) -> None:
        with self.db.reader() as s:
            host = db_volumes.get(s, volume_id, project_id).host
        if host:
            self.rpc.terminate_connection(ctx, host, volume_id, connector)

    @retry_on_lock()
    def attach(self, volume_id: str, project_id: str | None, instance_uuid: str | None,
               host_name: str | None, mountpoint: str | None, mode: str) -> None:
        """os-attach: record the finished attachment and mark the volume in-use."""
        with self.db.writer() as s:
            volume = db_volumes.get(s, volume_id, project_id, lock=True)
            states.require("attach", volume.id, volume.status)
            now = utcnow()
            db_attachments.insert(
                s, volume_id=volume.id, project_id=volume.project_id,
                instance_uuid=instance_uuid, attached_host=host_name, mountpoint=mountpoint,
                attach_status=states.ATTACHMENT_STATUS.start(states.ATTACHED),
                attach_mode=mode, attach_time=now, updated_at=now)
            _move(volume, states.IN_USE, states.ATTACHED)
            volume.updated_at = now

    @retry_on_lock()
    def detach(self, volume_id: str, project_id: str | None, attachment_id: str | None) -> None:
        """os-detach: forget one attachment (the only one when no id is given)."""
        with self.db.writer() as s:
            volume = db_volumes.get(s, volume_id, project_id, lock=True)
            live = db_attachments.live(s, volume.id)
            if not attachment_id and not live and volume.status == states.AVAILABLE:
                # As Cinder's volume manager: a detach of a volume attached nowhere has
                # nothing left to do (a force-detach may have done it already).
                return
            states.require("detach", volume.id, volume.status)
            if attachment_id:
                chosen = [a for a in live if a.id == attachment_id]
                if not chosen:
                    other = s.get(Attachment, attachment_id)
                    if other is not None and other.volume_id != volume.id:
                        raise InvalidInput(reason=f"Attachment {attachment_id} is not an "
                                                  f"attachment of volume {volume.id}.")
                    raise AttachmentNotFound(id=attachment_id)
            elif len(live) > 1:
                raise InvalidVolume(reason="Detach needs an attachment_id for a volume with "
                                           "several attachments.")
            else:
                chosen = live
            for att in chosen:
                db_attachments.remove(s, att)
            _move(volume, *states.after_detach(_attached(db_attachments.live(s, volume.id))))
            volume.updated_at = utcnow()
