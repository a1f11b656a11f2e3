"""Versioned RPC clients for the scheduler and the compute agents.

The API casts to the scheduler; the scheduler (and the API, for work on an existing server) casts
to the agent of one host. Bump ``VERSION`` when a method's arguments change compatibly.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.bus.rpc import Bus, RpcClient

SCHEDULER_TOPIC = "scheduler"
COMPUTE_TOPIC = "compute"
# Events for a host's servers travel apart from its work: a build that waits for one holds a
# worker of the work topic, and the event must not queue behind it.
COMPUTE_EVENTS_TOPIC = "compute-events"


class SchedulerAPI:
    VERSION = "1.0"

    def __init__(self, bus: Bus) -> None:
        self.client = RpcClient(bus, SCHEDULER_TOPIC, self.VERSION)

    def schedule_and_build(self, ctx: dict[str, Any], instance_uuid: str,
                           request_spec: dict[str, Any]) -> None:
        self.client.cast(ctx, "schedule_and_build", instance_uuid=instance_uuid,
                         request_spec=request_spec)

    def schedule_move(self, ctx: dict[str, Any], instance_uuid: str, action: str,
                      migration_uuid: str, request_spec: dict[str, Any]) -> None:
        """A host for a server that moves: a resize, a cold or live migration, an unshelve."""
        self.client.cast(ctx, "schedule_move", instance_uuid=instance_uuid, action=action,
                         migration_uuid=migration_uuid, request_spec=request_spec)


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
                      hard: bool = False, args: dict[str, Any] | None = None) -> None:
        self._host(host).cast(ctx, "server_action", instance_uuid=instance_uuid, action=action,
                              hard=hard, args=args)

    def rebuild_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                         image: dict[str, Any]) -> None:
        self._host(host).cast(ctx, "rebuild_instance", instance_uuid=instance_uuid, image=image)

    def evacuate_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                          migration_uuid: str, stopped: bool) -> None:
        """Rebuild on ``host`` (the scheduler's choice) a server whose own host is down."""
        self._host(host).cast(ctx, "evacuate_instance", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid, stopped=stopped)

    # A deferred delete, and its undoing.
    def soft_delete_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> None:
        self._host(host).cast(ctx, "soft_delete_instance", instance_uuid=instance_uuid)

    def restore_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> None:
        self._host(host).cast(ctx, "restore_instance", instance_uuid=instance_uuid)

    # A resize or migration, step by step: source, destination, then either of them again.
    def resize_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                        migration_uuid: str, dest_host: str) -> None:
        self._host(host).cast(ctx, "resize_instance", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid, dest_host=dest_host)

    def finish_resize(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                      migration_uuid: str, disk_info: dict[str, Any]) -> None:
        self._host(host).cast(ctx, "finish_resize", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid, disk_info=disk_info)

    def confirm_resize(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                       migration_uuid: str) -> None:
        self._host(host).cast(ctx, "confirm_resize", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid)

    def revert_resize(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                      migration_uuid: str) -> None:
        self._host(host).cast(ctx, "revert_resize", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid)

    def finish_revert_resize(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                             migration_uuid: str) -> None:
        self._host(host).cast(ctx, "finish_revert_resize", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid)

    def live_migrate(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                     migration_uuid: str, dest_host: str) -> None:
        self._host(host).cast(ctx, "live_migrate", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid, dest_host=dest_host)

    def post_live_migration(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                            migration_uuid: str, migrate_data: dict[str, Any]) -> None:
        self._host(host).cast(ctx, "post_live_migration", instance_uuid=instance_uuid,
                              migration_uuid=migration_uuid, migrate_data=migrate_data)

    def shelve_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                        offload: bool) -> None:
        self._host(host).cast(ctx, "shelve_instance", instance_uuid=instance_uuid,
                              offload=offload)

    def shelve_offload(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> None:
        self._host(host).cast(ctx, "shelve_offload", instance_uuid=instance_uuid)

    def unshelve_instance(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> None:
        self._host(host).cast(ctx, "unshelve_instance", instance_uuid=instance_uuid)

    def attach_interface(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                         requested: dict[str, Any]) -> dict[str, Any]:
        return dict(self._host(host).call(ctx, "attach_interface",
                                          instance_uuid=instance_uuid, requested=requested))

    def detach_interface(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                         port_id: str) -> None:
        self._host(host).cast(ctx, "detach_interface", instance_uuid=instance_uuid,
                              port_id=port_id)

    def crash_dump(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> None:
        self._host(host).cast(ctx, "crash_dump", instance_uuid=instance_uuid)

    # What the guest shows: asked of its host, which answers.
    def console_output(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> str:
        return str(self._host(host).call(ctx, "console_output", instance_uuid=instance_uuid))

    def get_console(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                    console_type: str) -> dict[str, Any]:
        return dict(self._host(host).call(ctx, "get_console", instance_uuid=instance_uuid,
                                          console_type=console_type))

    def diagnostics(self, ctx: dict[str, Any], host: str, instance_uuid: str) -> dict[str, Any]:
        return dict(self._host(host).call(ctx, "diagnostics", instance_uuid=instance_uuid))

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

    def swap_volume(self, ctx: dict[str, Any], host: str, instance_uuid: str, bdm_id: str,
                    new_volume_id: str, new_attachment_id: str) -> None:
        self._host(host).cast(ctx, "swap_volume", instance_uuid=instance_uuid, bdm_id=bdm_id,
                              new_volume_id=new_volume_id, new_attachment_id=new_attachment_id)

    def volume_snapshot_create(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                               volume_id: str, create_info: dict[str, Any]) -> None:
        self._host(host).cast(ctx, "volume_snapshot_create", instance_uuid=instance_uuid,
                              volume_id=volume_id, create_info=create_info)

    def volume_snapshot_delete(self, ctx: dict[str, Any], host: str, instance_uuid: str,
                               volume_id: str, snapshot_id: str,
                               delete_info: dict[str, Any]) -> None:
        self._host(host).cast(ctx, "volume_snapshot_delete", instance_uuid=instance_uuid,
                              volume_id=volume_id, snapshot_id=snapshot_id,
                              delete_info=delete_info)


class ComputeEventsAPI:
    VERSION = "1.0"

    def __init__(self, bus: Bus) -> None:
        self.client = RpcClient(bus, COMPUTE_EVENTS_TOPIC, self.VERSION)

    def external_instance_events(self, ctx: dict[str, Any], host: str,
                                 events: list[dict[str, Any]]) -> None:
        """Hand ``os-server-external-events`` for servers on ``host`` to its agent, where a
        build may be waiting for them."""
        self.client.prepare(server=host).cast(ctx, "external_instance_events", events=events)
