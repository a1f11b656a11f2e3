"""Orchestration (Heat's API v1): how the service plugs into the cloud.

The engine runs where the ``scheduler`` role runs (every process in embedded mode; ``nimbus
serve scheduler`` when scaled), serving the engine's topic; the API processes only check,
store and cast.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, Worker
from nimbus.core.platform import Platform
from nimbus.orchestration import policies
from nimbus.orchestration.constants import CFN_PATH, ENGINE_TOPIC
from nimbus.orchestration.engine.endpoint import EngineEndpoint
from nimbus.orchestration.state import OrchestrationState, build


def _api() -> list[Router]:
    from nimbus.orchestration.api import (
        cfn,
        events,
        resources,
        software,
        stack_actions,
        stacks,
        templates,
    )

    return [
        # The signal URL (no tenant, no token) before the routes under ``/v1/{tenant_id}``.
        software.signal_router,
        *(module.router for module in (templates, stacks, stack_actions, resources, events,
                                       software)),
        # The CloudFormation-compatible Query API (heat-api-cfn), on a path of its own.
        cfn.router,
    ]


router = Router(gather=_api)

BINARY = "heat-engine"


def workers(platform: Platform, state: OrchestrationState, roles: set[str]) -> list[Worker]:
    if "scheduler" not in roles:
        return []
    state.engine.recover()
    server = platform.bus.serve(ENGINE_TOPIC, platform.settings.host_name,
                                EngineEndpoint(state.engine), workers=4)
    platform.registry.register(BINARY, platform.settings.host_name, ENGINE_TOPIC)
    return [server]


def health(state: OrchestrationState) -> dict[str, Any]:
    return {}


SERVICE = ServiceDef[OrchestrationState](
    name="orchestration",
    service_type="orchestration",
    prefix="/orchestration",
    endpoint_path="/v1/$(project_id)s",
    # As DevStack registers heat-api-cfn: service type ``cloudformation``, its API's root.
    extra_endpoints={"cloudformation": CFN_PATH},
    fault_style="heat",
    router=router,
    # Heat's CloudFormation rules that ``policies`` lacks; its own rules win where both name one.
    policy=policies.RULES,
    start=build,
    workers=workers,
    health=health,
    title="Orchestration (Heat v1)",
)
