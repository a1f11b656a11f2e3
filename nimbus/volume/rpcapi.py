"""How the API side talks to volume agents over the bus (topic ``volume``; ``volume-backend``
for operators' questions about a backend, at the end).

A volume's ``host`` is ``<agent host>@<backend>#<pool>``; messages go to the agent that owns it.
Long work (create, delete, extend, snapshots) is cast; connection set-up is a call, because the
caller needs the connection_info back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.core.bus.rpc import Bus, RpcClient

TOPIC = "volume"
# 1.1: revert_to_snapshot, copy_volume_to_image
# 1.2: create_backup, restore_backup, delete_backup, import_backup
# 1.3: migrate_volume
RPC_VERSION = "1.3"


def server_of(volume_host: str) -> str:
    """The agent's RPC server name (``host@backend``) for a volume host ``host@backend#pool``."""
    return volume_host.split("#", 1)[0]


class VolumeAgentAPI:
    def __init__(self, bus: Bus, timeout: float | None = None) -> None:
        # Messages carry the oldest version that has their method, so older agents take them.
        self.client = RpcClient(bus, TOPIC, "1.0", timeout=timeout)

    def _to(self, host: str, version: str | None = None) -> RpcClient:
        return self.client.prepare(server=server_of(host), version=version)

    def create_volume(self, ctx: dict[str, Any], host: str, volume_id: str) -> None:
        self._to(host).cast(ctx, "create_volume", volume_id=volume_id)

    def delete_volume(self, ctx: dict[str, Any], host: str, volume_id: str) -> None:
        self._to(host).cast(ctx, "delete_volume", volume_id=volume_id)

    def extend_volume(self, ctx: dict[str, Any], host: str, volume_id: str, new_size: int) -> None:
        self._to(host).cast(ctx, "extend_volume", volume_id=volume_id, new_size=new_size)

    def initialize_connection(self, ctx: dict[str, Any], host: str, volume_id: str,
                              connector: dict[str, Any]) -> dict[str, Any]:
        result = self._to(host).call(ctx, "initialize_connection", volume_id=volume_id,
                                     connector=connector)
        return dict(result or {})

    def terminate_connection(self, ctx: dict[str, Any], host: str, volume_id: str,
                             connector: dict[str, Any] | None) -> None:
        self._to(host).call(ctx, "terminate_connection", volume_id=volume_id,
                            connector=connector)

    def create_snapshot(self, ctx: dict[str, Any], host: str, snapshot_id: str) -> None:
        self._to(host).cast(ctx, "create_snapshot", snapshot_id=snapshot_id)

    def delete_snapshot(self, ctx: dict[str, Any], host: str, snapshot_id: str) -> None:
        self._to(host).cast(ctx, "delete_snapshot", snapshot_id=snapshot_id)

    def revert_to_snapshot(self, ctx: dict[str, Any], host: str, volume_id: str,
                           snapshot_id: str) -> None:
        self._to(host, "1.1").cast(ctx, "revert_to_snapshot", volume_id=volume_id,
                                   snapshot_id=snapshot_id)

    def copy_volume_to_image(self, ctx: dict[str, Any], host: str, volume_id: str,
                             image_id: str, disk_format: str) -> None:
        self._to(host, "1.1").cast(ctx, "copy_volume_to_image", volume_id=volume_id,
                                   image_id=image_id, disk_format=disk_format)

    # -- backups (the agent of the volume's host reads or writes it; any agent deletes) ------
    def create_backup(self, ctx: dict[str, Any], host: str, backup_id: str) -> None:
        self._to(host, "1.2").cast(ctx, "create_backup", backup_id=backup_id)

    def restore_backup(self, ctx: dict[str, Any], host: str, backup_id: str, volume_id: str,
                       new_volume: bool) -> None:
        self._to(host, "1.2").cast(ctx, "restore_backup", backup_id=backup_id,
                                   volume_id=volume_id, new_volume=new_volume)

    def delete_backup(self, ctx: dict[str, Any], host: str, backup_id: str) -> None:
        self._to(host, "1.2").cast(ctx, "delete_backup", backup_id=backup_id)

    def import_backup(self, ctx: dict[str, Any], host: str, backup_id: str) -> None:
        self._to(host, "1.2").cast(ctx, "import_backup", backup_id=backup_id)

    # -- moves between backends (the agent of the backend the volume leaves does it) ---------
    def migrate_volume(self, ctx: dict[str, Any], host: str, volume_id: str, dest_host: str,
                       new_type_id: str | None) -> None:
        self._to(host, "1.3").cast(ctx, "migrate_volume", volume_id=volume_id,
                                   dest_host=dest_host, new_type_id=new_type_id)

# -- the agents' second topic ------------------------------------------------------------------------
# What the API side asks a volume agent about its backend (topic ``volume-backend``): pools and
# capabilities, the storage it could manage, manage and unmanage, cleanup, and log levels. They
# go to their own topic, beside the volume work above, so that an operator's question is
# answered while the agent's workers are busy with volumes.
BACKEND_TOPIC = "volume-backend"
BACKEND_RPC_VERSION = "1.0"
# Operators' questions are quick; an agent that does not answer in this time is left out.
BACKEND_TIMEOUT = 15.0


class BackendAgentAPI:
    def __init__(self, bus: Bus, timeout: float = BACKEND_TIMEOUT) -> None:
        self.client = RpcClient(bus, BACKEND_TOPIC, BACKEND_RPC_VERSION, timeout=timeout)

    def _to(self, host: str) -> RpcClient:
        return self.client.prepare(server=server_of(host))

    def capabilities(self, ctx: dict[str, Any], host: str) -> dict[str, Any]:
        return dict(self._to(host).call(ctx, "get_capabilities") or {})

    def manageable_volumes(self, ctx: dict[str, Any], host: str,
                           known: dict[str, str]) -> list[dict[str, Any]]:
        return list(self._to(host).call(ctx, "list_manageable_volumes", known=known) or [])

    def manageable_snapshots(self, ctx: dict[str, Any], host: str,
                             known: dict[str, str]) -> list[dict[str, Any]]:
        return list(self._to(host).call(ctx, "list_manageable_snapshots", known=known) or [])

    def manage_volume_size(self, ctx: dict[str, Any], host: str, volume: dict[str, Any],
                           ref: dict[str, Any]) -> int:
        return int(self._to(host).call(ctx, "manage_existing_get_size", volume=volume, ref=ref))

    def manage_volume(self, ctx: dict[str, Any], host: str, volume: dict[str, Any],
                      ref: dict[str, Any]) -> dict[str, Any]:
        return dict(self._to(host).call(ctx, "manage_existing", volume=volume, ref=ref) or {})

    def manage_snapshot_size(self, ctx: dict[str, Any], host: str, snapshot: dict[str, Any],
                             ref: dict[str, Any]) -> int:
        return int(self._to(host).call(ctx, "manage_existing_snapshot_get_size",
                                       snapshot=snapshot, ref=ref))

    def manage_snapshot(self, ctx: dict[str, Any], host: str, snapshot: dict[str, Any],
                        volume: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
        return dict(self._to(host).call(ctx, "manage_existing_snapshot", snapshot=snapshot,
                                        volume=volume, ref=ref) or {})

    def unmanage_volume(self, ctx: dict[str, Any], host: str, volume: dict[str, Any]) -> None:
        self._to(host).cast(ctx, "unmanage", volume=volume)

    def cleanup(self, ctx: dict[str, Any], host: str, until: dt.datetime) -> None:
        self._to(host).cast(ctx, "cleanup", until=until.isoformat())

    def set_log_levels(self, ctx: dict[str, Any], host: str, prefix: str,
                       level: str) -> None:
        self._to(host).call(ctx, "set_log_levels", prefix=prefix, level=level)

    def get_log_levels(self, ctx: dict[str, Any], host: str, prefix: str) -> dict[str, str]:
        return dict(self._to(host).call(ctx, "get_log_levels", prefix=prefix) or {})
