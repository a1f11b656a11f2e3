"""Software configs and deployments: stored, read, and the metadata a server's resource
carries (every deployment on the server, for the agent on it to apply)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.orchestration.constants import TIME_FORMAT
from nimbus.orchestration.db.models import Resource, SoftwareConfig, SoftwareDeployment


def config_view(row: SoftwareConfig) -> dict[str, Any]:
    body = dict(row.config or {})
    return {"id": row.id, "name": row.name, "group": row.group,
            "config": body.get("config"), "inputs": body.get("inputs") or [],
            "outputs": body.get("outputs") or [], "options": body.get("options") or {},
            "creation_time": row.created_at.strftime(TIME_FORMAT)}


def deployment_view(row: SoftwareDeployment) -> dict[str, Any]:
    found = {"id": row.id, "server_id": row.server_id, "config_id": row.config_id,
             "input_values": row.input_values or {}, "output_values": row.output_values or {},
             "action": row.action, "status": row.status, "status_reason": row.status_reason,
             "creation_time": row.created_at.strftime(TIME_FORMAT)}
    if row.updated_at is not None:
        found["updated_time"] = row.updated_at.strftime(TIME_FORMAT)
    return found


class SoftwareStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- configs ----------------------------------------------------------------------------
    @retry_on_lock()
    def create_config(self, project_id: str, name: str, group: str,
                      body: dict[str, Any]) -> dict[str, Any]:
        row = SoftwareConfig(id=str(uuid.uuid4()), project_id=project_id, name=name or "",
                             group=group or "Heat::Ungrouped", config=body,
                             created_at=utcnow())
        with self.db.writer() as session:
            session.add(row)
        return config_view(row)

    def config(self, config_id: str, project_id: str | None = None) -> dict[str, Any] | None:
        with self.db.reader() as session:
            row = session.get(SoftwareConfig, config_id)
        if row is None or (project_id is not None and row.project_id != project_id):
            return None
        return config_view(row)

    def configs(self, project_id: str | None) -> list[dict[str, Any]]:
        query = select(SoftwareConfig)
        if project_id is not None:
            query = query.where(SoftwareConfig.project_id == project_id)
        with self.db.reader() as session:
            return [config_view(r) for r in session.scalars(query.order_by(
                SoftwareConfig.created_at))]

    @retry_on_lock()
    def delete_config(self, config_id: str) -> bool:
        with self.db.writer() as session:
            row = session.get(SoftwareConfig, config_id)
            if row is None:
                return False
            session.delete(row)
            return True

    # -- deployments ------------------------------------------------------------------------
    @retry_on_lock()
    def create_deployment(self, project_id: str, server_id: str, config_id: str,
                          inputs: dict[str, Any], action: str, status: str,
                          reason: str, deployment_id: str | None = None) -> dict[str, Any]:
        row = SoftwareDeployment(id=deployment_id or str(uuid.uuid4()), project_id=project_id,
                                 server_id=server_id, config_id=config_id,
                                 input_values=inputs, output_values={}, action=action,
                                 status=status, status_reason=reason, created_at=utcnow())
        with self.db.writer() as session:
            session.add(row)
        return deployment_view(row)

    def deployment(self, deployment_id: str,
                   project_id: str | None = None) -> dict[str, Any] | None:
        with self.db.reader() as session:
            row = session.get(SoftwareDeployment, deployment_id)
        if row is None or (project_id is not None and row.project_id != project_id):
            return None
        return deployment_view(row)

    def deployments(self, project_id: str | None,
                    server_id: str | None = None) -> list[dict[str, Any]]:
        query = select(SoftwareDeployment)
        if project_id is not None:
            query = query.where(SoftwareDeployment.project_id == project_id)
        if server_id is not None:
            query = query.where(SoftwareDeployment.server_id == server_id)
        with self.db.reader() as session:
            return [deployment_view(r) for r in session.scalars(query.order_by(
                SoftwareDeployment.created_at))]

    @retry_on_lock()
    def update_deployment(self, deployment_id: str, **changes: Any) -> dict[str, Any] | None:
        with self.db.writer() as session:
            row = session.get(SoftwareDeployment, deployment_id)
            if row is None:
                return None
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            return deployment_view(row)

    @retry_on_lock()
    def delete_deployment(self, deployment_id: str) -> dict[str, Any] | None:
        with self.db.writer() as session:
            row = session.get(SoftwareDeployment, deployment_id)
            if row is None:
                return None
            view = deployment_view(row)
            session.delete(row)
            return view

    # -- the server's metadata --------------------------------------------------------------
    def server_configs(self, server_id: str) -> list[dict[str, Any]]:
        """The derived configs of every deployment on the server, as its agent reads them
        (sorted by name, then id, as Heat sorts them)."""
        with self.db.reader() as session:
            return _server_configs(session, server_id)

    @retry_on_lock()
    def push_metadata(self, project_id: str, server_id: str) -> None:
        """Write the server's deployments into the metadata of the resource that made it
        (a resource of any stack of the project). The server's row is locked first, so that
        deployments made side by side each write a list that includes the others'."""
        with self.db.writer() as session:
            rows = list(session.scalars(select(Resource).where(
                Resource.physical_id == server_id,
                Resource.type == "OS::Nova::Server").with_for_update()))
            if not rows:
                return
            configs = _server_configs(session, server_id)
            for row in rows:
                metadata = dict(row.metadata_ or {})
                metadata["deployments"] = configs
                row.metadata_ = metadata


def _server_configs(session: Session, server_id: str) -> list[dict[str, Any]]:
    deployments = session.scalars(select(SoftwareDeployment).where(
        SoftwareDeployment.server_id == server_id))
    ids = [d.config_id for d in deployments]
    configs: list[SoftwareConfig] = list(session.scalars(
        select(SoftwareConfig).where(SoftwareConfig.id.in_(ids)))) if ids else []
    return sorted((config_view(c) for c in configs), key=lambda c: (c["name"], c["id"]))
