"""Networking (Neutron v2.0): how the service plugs into the cloud."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.plugins import load_driver
from nimbus.network import bootstrap as first_start
from nimbus.network.api import (
    discovery,
    floating_ips,
    networks,
    ports,
    quotas,
    routers,
    security_groups,
    subnets,
    tags,
)
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager import NetworkManager
from nimbus.network.policies import POLICY

if TYPE_CHECKING:
    from nimbus.core.platform import Platform

router = Router()
for module in (discovery, networks, subnets, ports, routers, security_groups, floating_ips,
               quotas, tags):
    router.include(module.router)


@dataclass
class NetworkState:
    manager: NetworkManager
    driver: NetworkDriver


def _driver_name(cloud: Platform) -> str:
    settings = cloud.settings
    return settings.network.driver or "fake"


def start(cloud: Platform) -> NetworkState:
    driver_cls = load_driver("network", _driver_name(cloud))
    driver: NetworkDriver = driver_cls(cloud.settings)
    return NetworkState(NetworkManager(cloud.db, driver, cloud.bus), driver)


def bootstrap(cloud: Platform, state: NetworkState) -> None:
    first_start.run(state.manager, cloud.facts)


def health(state: NetworkState) -> dict[str, Any]:
    return {"driver": state.driver.name}


SERVICE = ServiceDef(
    name="network",
    service_type="network",
    prefix="/network",
    endpoint_path="",
    fault_style="neutron",
    router=router,
    policy=POLICY,
    start=start,
    bootstrap=bootstrap,
    health=health,
)
