"""The orchestration service's state in one process: its managers, its engine (whose
plugins the API also uses to read outputs and attributes) and its RPC client."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.platform import Platform
from nimbus.orchestration.engine.engine import Engine
from nimbus.orchestration.manager.stacks import StackManager
from nimbus.orchestration.manager.trusts import Trusts
from nimbus.orchestration.rpcapi import EngineAPI


@dataclass
class OrchestrationState:
    platform: Platform
    engine: Engine
    rpc: EngineAPI
    stacks: StackManager


def build(platform: Platform) -> OrchestrationState:
    engine = Engine(platform, platform.db)
    rpc = EngineAPI(platform.bus)
    return OrchestrationState(platform=platform, engine=engine, rpc=rpc,
                              stacks=StackManager(platform.db, engine, rpc, Trusts(platform)))
