"""Compute (Nova v2.1): how the service plugs into the cloud."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.compute.api import (
    cloud_info,
    discovery,
    flavors,
    instance_actions,
    interfaces,
    keypairs,
    server_actions,
    server_meta,
    servers,
    volume_attachments,
)
from nimbus.compute.policies import RULES
from nimbus.compute.state import ComputeState
from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef

if TYPE_CHECKING:
    from nimbus.core.platform import Platform

router = Router()
for module in (discovery, flavors, keypairs, servers, server_actions, server_meta,
               volume_attachments, interfaces, instance_actions, cloud_info):
    router.include(module.router)


def start(cloud: Platform) -> ComputeState:
    return ComputeState(cloud)


def agent_hosts(cloud: Platform) -> list[str]:
    """The hosts this process runs agents for: this machine, or N simulated ones."""
    count = cloud.settings.compute.fake_hosts
    base = cloud.settings.host_name
    if count <= 1:
        return [base]
    return [f"{base}-{i}" for i in range(1, count + 1)]


def workers(cloud: Platform, state: ComputeState, roles: set[str]) -> list[Any]:
    from nimbus.compute.agent import ComputeAgent
    from nimbus.compute.scheduler.manager import SchedulerManager

    started: list[Any] = []
    host = cloud.settings.host_name
    if "scheduler" in roles:
        started.append(cloud.bus.serve("scheduler", host, SchedulerManager(state)))
        cloud.registry.register("nova-scheduler", host, "scheduler")
    if "compute-agent" in roles:
        for name in agent_hosts(cloud):
            agent = ComputeAgent(state, name)
            agent.start()
            state.agents.append(agent)
            started.append(agent)
    return started


def bootstrap(cloud: Platform, state: ComputeState) -> None:
    state.flavors.ensure_defaults()


def health(state: ComputeState) -> dict[str, Any]:
    return {"agents": [a.host for a in state.agents]}


SERVICE = ServiceDef(
    name="compute",
    service_type="compute",
    prefix="/compute",
    endpoint_path="/v2.1",
    fault_style="nova",
    router=router,
    policy=RULES,
    microversion=MicroversionSpec("compute", discovery.MIN_VERSION, discovery.MAX_VERSION,
                                  legacy_header="X-OpenStack-Nova-API-Version"),
    start=start,
    workers=workers,
    bootstrap=bootstrap,
    health=health,
)
