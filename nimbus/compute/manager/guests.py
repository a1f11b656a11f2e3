"""What a driver sees of a server: a plain dict, never a database row."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db import instances
from nimbus.compute.db.models import Instance
from nimbus.compute.manager import metadata, metadata_ec2
from nimbus.compute.manager.servers import ServerManager
from nimbus.core.db.engine import Database


def instance_dict(row: Instance) -> dict[str, Any]:
    return {"uuid": row.uuid, "name": f"instance-{row.id:08x}", "display_name": row.name,
            "project_id": row.project_id, "user_id": row.user_id, "flavor": dict(row.flavor),
            "image_ref": row.image_ref, "metadata": dict(row.metadata_items or {}),
            "key_data": row.key_data, "user_data": row.user_data, "hostname": row.hostname,
            "ports": list(row.ports or []), "security_groups": list(row.security_groups or []),
            "key_name": row.key_name, "availability_zone": row.availability_zone,
            "launch_index": row.launch_index, "config_drive": row.config_drive}


def request_spec_of(row: Instance) -> dict[str, Any]:
    """What the server is built from: the spec kept with it, or (for a server recorded before
    specs were kept) one made from the row, its image named by id only."""
    if row.request_spec:
        return dict(row.request_spec)
    image = {"id": row.image_ref} if row.image_ref else None
    return {"flavor": dict(row.flavor or {}), "image": image, "project_id": row.project_id,
            "user_id": row.user_id, "force_host": None}


def guest_metadata(db: Database, uuid: str, project_id: str | None) -> dict[str, bytes] | None:
    """The metadata files of server ``uuid``, when it exists and (if a project is named)
    belongs to that project; else None."""
    row = instances.find_instance(db, uuid)
    if row is None or (project_id and row.project_id != project_id):
        return None
    info = instance_dict(row)
    # The service has the EC2 tree at its root where a config drive has ``ec2/``.
    drive = {k: v for k, v in metadata.files(info).items() if not k.startswith("ec2/")}
    return {**drive, **metadata_ec2.files(info)}


class PasswordTaken(Exception):
    """The server has a password already: a guest posts it once (Nova's 409)."""


def set_guest_password(servers: ServerManager, db: Database, uuid: str,
                       project_id: str | None, password: str) -> bool:
    """Keep what the guest posted as its server's encrypted password (``os-server-password``
    shows it); False when there is no such server of that project."""
    row = instances.find_instance(db, uuid)
    if row is None or (project_id and row.project_id != project_id):
        return False
    if row.server_password:
        raise PasswordTaken(uuid)
    servers.update(row, server_password=password)
    return True
