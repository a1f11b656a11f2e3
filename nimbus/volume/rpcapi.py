"""How the API side talks to volume agents over the bus (topic ``volume``).

A volume's ``host`` is ``<agent host>@<backend>#<pool>``; messages go to the agent that owns it.
Long work (create, delete, extend, snapshots) is cast; connection set-up is a call, because the
caller needs the connection_info back.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.bus.rpc import Bus, RpcClient

TOPIC = "volume"
# 1.1: revert_to_snapshot, copy_volume_to_image
RPC_VERSION = "1.1"


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
