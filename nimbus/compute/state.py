"""The compute service's state in one process: database, managers, clients and RPC clients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.clients.image import ImageClient
from nimbus.clients.network import NetworkClient
from nimbus.clients.placement import PlacementClient
from nimbus.clients.volume import VolumeClient
from nimbus.compute.flavors import FlavorManager
from nimbus.compute.keypairs import KeypairManager
from nimbus.compute.rpcapi import ComputeAgentAPI, SchedulerAPI

if TYPE_CHECKING:
    from nimbus.core.platform import Platform

SERVICE_USER = "nova"


class Clients:
    """The other services, reached through their public APIs as the ``nova`` service user."""

    def __init__(self, cloud: Platform) -> None:
        self.image: Any = ImageClient(cloud, SERVICE_USER)
        self.network: Any = NetworkClient(cloud, SERVICE_USER)
        self.volume: Any = VolumeClient(cloud, SERVICE_USER)
        self.placement: Any = PlacementClient(cloud, SERVICE_USER)


class ComputeState:
    def __init__(self, cloud: Platform) -> None:
        from nimbus.compute.servers import ServerManager

        self.cloud = cloud
        self.db = cloud.db
        self.clients = Clients(cloud)
        self.flavors = FlavorManager(cloud.db)
        self.keypairs = KeypairManager(cloud.db)
        self.scheduler_rpc = SchedulerAPI(cloud.bus)
        self.compute_rpc = ComputeAgentAPI(cloud.bus)
        self.servers = ServerManager(self)
        self.agents: list[Any] = []

    @property
    def backend_summary(self) -> str:
        hosts = max(1, self.cloud.settings.compute.fake_hosts)
        return f"driver {self.cloud.settings.compute.driver}, {hosts} host(s)"
