"""How the API side asks the engine for work over the bus (topic ``orchestration-engine``).

Every action is cast: the API answers at once and the stack's status says how it goes.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.bus.rpc import Bus, RpcClient
from nimbus.orchestration.constants import ENGINE_TOPIC

RPC_VERSION = "1.0"


class EngineAPI:
    def __init__(self, bus: Bus) -> None:
        self.client = RpcClient(bus, ENGINE_TOPIC, RPC_VERSION)

    def create_stack(self, ctx: dict[str, Any], stack_id: str, action: str = "CREATE") -> None:
        self.client.cast(ctx, "create_stack", stack_id=stack_id, action=action)

    def update_stack(self, ctx: dict[str, Any], stack_id: str, target: dict[str, Any]) -> None:
        self.client.cast(ctx, "update_stack", stack_id=stack_id, target=target)

    def delete_stack(self, ctx: dict[str, Any], stack_id: str) -> None:
        self.client.cast(ctx, "delete_stack", stack_id=stack_id)

    def stack_action(self, ctx: dict[str, Any], stack_id: str, action: str) -> None:
        self.client.cast(ctx, "stack_action", stack_id=stack_id, action=action)

    def cancel_update(self, ctx: dict[str, Any], stack_id: str, rollback: bool = True) -> None:
        self.client.cast(ctx, "cancel_update", stack_id=stack_id, rollback=rollback)

    def signal(self, ctx: dict[str, Any], stack_id: str, resource: str, details: Any) -> None:
        self.client.cast(ctx, "signal", stack_id=stack_id, resource=resource, details=details)
