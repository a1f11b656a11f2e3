"""The engine's RPC endpoint: what the API casts, started in the engine's threads."""

from __future__ import annotations

import time
from typing import Any

from nimbus.orchestration.engine.engine import Engine
from nimbus.orchestration.rpcapi import RPC_VERSION


class EngineEndpoint:
    RPC_VERSION = RPC_VERSION
    RPC_METHODS = frozenset({"create_stack", "update_stack", "delete_stack", "stack_action",
                             "cancel_update", "signal"})

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_stack(self, ctx: dict[str, Any], stack_id: str, action: str = "CREATE") -> None:
        self.engine.start(stack_id, action)

    def update_stack(self, ctx: dict[str, Any], stack_id: str, target: dict[str, Any]) -> None:
        self._after_current(stack_id)
        self.engine.start(stack_id, "UPDATE", target=target)

    def delete_stack(self, ctx: dict[str, Any], stack_id: str) -> None:
        # A stack still being made or changed stops first (what runs gives up), then goes.
        if self.engine.busy(stack_id):
            self.engine.cancel(stack_id)
        self._after_current(stack_id)
        self.engine.start(stack_id, "DELETE")

    def stack_action(self, ctx: dict[str, Any], stack_id: str, action: str) -> None:
        self._after_current(stack_id)
        self.engine.start(stack_id, action)

    def cancel_update(self, ctx: dict[str, Any], stack_id: str, rollback: bool = True) -> None:
        self.engine.cancel(stack_id, rollback)

    def signal(self, ctx: dict[str, Any], stack_id: str, resource: str, details: Any) -> None:
        self.engine.signal(stack_id, resource, details)

    def _after_current(self, stack_id: str, timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while self.engine.busy(stack_id) and time.monotonic() < deadline:
            time.sleep(0.05)
