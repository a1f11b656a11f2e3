"""Networking (Neutron v2.0): how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.platform import Platform
from nimbus.network.api import (
    discovery,
    floating_ips,
    networks,
    ports,
    quotas,
    routers,
    security_group_rules,
    security_groups,
    subnets,
    tags,
)
from nimbus.network.manager.bootstrap import FirstStart
from nimbus.network.policies import POLICY
from nimbus.network.schemas import wording
from nimbus.network.state import NetworkState, build

router = Router()
for module in (discovery, networks, subnets, ports, routers, security_groups,
               security_group_rules, floating_ips, quotas, tags):
    router.include(module.router)


def bootstrap(platform: Platform, state: NetworkState) -> None:
    FirstStart(state.networks, state.subnets, state.ports, state.routers,
               state.router_interfaces).run(platform.facts)


def health(state: NetworkState) -> dict[str, Any]:
    return {"driver": state.driver.name}


SERVICE = ServiceDef[NetworkState](
    name="network",
    service_type="network",
    prefix="/network",
    endpoint_path="",
    fault_style="neutron",
    # Neutron's words for a request that breaks its schema, naming the attribute at fault.
    validation_style=wording.word,
    router=router,
    policy=POLICY,
    start=build,
    bootstrap=bootstrap,
    health=health,
)
