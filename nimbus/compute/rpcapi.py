"""Versioned RPC clients for the scheduler and the compute agents.

The API casts to the scheduler; the scheduler (and the API, for work on an existing server) casts
to the agent of one host. Bump ``VERSION`` when a method's arguments change compatibly.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.bus.rpc import Bus, RpcClient

SCHEDULER_TOPIC = "scheduler"
COMPUTE_TOPIC = "compute"


class SchedulerAPI:
    VERSION = "1.0"

    def __init__(self, bus: Bus) -> None:
        self.client = RpcClient(bus, SCHEDULER_TOPIC, self.VERSION)

    def schedule_and_build(self, ctx: dict[str, Any], instance_uuid: str,
                           request_spec: dict[str, Any]) -> None:
        self.client.cast(ctx, "schedule_and_build", instance_uuid=instance_uuid,
                         request_spec=request_spec)


class ComputeAgentAPI:
    VERSION = "1.0"

    def __init__(self, bus: Bus) -> None:
        self.client = RpcClient(bus, COMPUTE_TOPIC, self.VERSION)

    def _host(self, host: str) -> RpcClient:
        return self.client.prepare(server=host)

    def build_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                       request_spec: dict[str, Any], allocations: dict[str, Any]) -> None:
        self._host(host).cast(ctx, "build_instance", instance_uuid=instance_uuid,
                              request_spec=request_spec, allocations=allocations)

    def terminate_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> None:
        self._host(host).cast(ctx, "terminate_instance", instance_uuid=instance_uuid)

    def server_action(self, ctx: dict[str, Any], host: str, instance_uuid: str, action: str,
                      hard: bool = False) -> None:
        self._host(host).cast(ctx, "server_action", instance_uuid=instance_uuid, action=action,
                              hard=hard)

    def snapshot_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                          image_id: str) -> None:
        self._host(host).cast(ctx, "snapshot_instance", instance_uuid=instance_uuid,
                              image_id=image_id)

    def attach_volume(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                      bdm_id: str) -> None:
        self._host(host).cast(ctx, "attach_volume", instance_uuid=instance_uuid, bdm_id=bdm_id)

    def detach_volume(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                      bdm_id: str) -> None:
        self._host(host).cast(ctx, "detach_volume", instance_uuid=instance_uuid, bdm_id=bdm_id)
