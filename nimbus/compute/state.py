"""The compute service's state in one process: its managers, clients and RPC clients, built
once at start-up from the platform. Each manager gets the dependencies it uses, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field

from nimbus.clients.image import ImageClient
from nimbus.clients.network import NetworkClient
from nimbus.clients.placement import PlacementClient
from nimbus.clients.volume import VolumeClient
from nimbus.compute.agent import ComputeAgent
from nimbus.compute.constants import SERVICE_USER
from nimbus.compute.manager.aggregates import AggregateManager
from nimbus.compute.manager.assisted_snapshots import AssistedSnapshots
from nimbus.compute.manager.block_devices import BlockDevices
from nimbus.compute.manager.consoles import ConsoleManager
from nimbus.compute.manager.external_events import ExternalEvents
from nimbus.compute.manager.flavors import FlavorManager
from nimbus.compute.manager.host_resources import HostResourceManager
from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.manager.hypervisors import HypervisorManager
from nimbus.compute.manager.image_proxy import ImageProxy
from nimbus.compute.manager.instance_actions import InstanceActionManager
from nimbus.compute.manager.interfaces import InterfaceManager
from nimbus.compute.manager.keypairs import KeypairManager
from nimbus.compute.manager.lifecycle import ServerLifecycle
from nimbus.compute.manager.migrations import MigrationManager
from nimbus.compute.manager.networking import Networking
from nimbus.compute.manager.quotas import QuotaManager
from nimbus.compute.manager.server_groups import ServerGroupManager
from nimbus.compute.manager.servers import ServerManager
from nimbus.compute.manager.services import ServiceManager
from nimbus.compute.manager.snapshots import SnapshotManager
from nimbus.compute.manager.usage import UsageManager
from nimbus.compute.manager.volume_attachments import VolumeAttachmentManager
from nimbus.compute.manager.volume_proxy import VolumeProxy
from nimbus.compute.manager.volume_swap import VolumeSwapManager
from nimbus.compute.rpcapi import ComputeAgentAPI, ComputeEventsAPI, SchedulerAPI
from nimbus.conf.compute import ComputeSettings
from nimbus.core.db.engine import Database
from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver


@dataclass
class Clients:
    """The other services, reached through their public APIs as the ``nova`` service user."""

    image: ImageClient
    network: NetworkClient
    volume: VolumeClient
    placement: PlacementClient

    @classmethod
    def of(cls, platform: Platform) -> Clients:
        return cls(image=ImageClient(platform, SERVICE_USER),
                   network=NetworkClient(platform, SERVICE_USER),
                   volume=VolumeClient(platform, SERVICE_USER),
                   placement=PlacementClient(platform, SERVICE_USER))


@dataclass
class ComputeState:
    db: Database
    settings: ComputeSettings
    clients: Clients
    hosts: HostManager
    flavors: FlavorManager
    keypairs: KeypairManager
    networking: Networking
    block_devices: BlockDevices
    servers: ServerManager
    server_groups: ServerGroupManager
    volume_attachments: VolumeAttachmentManager
    snapshots: SnapshotManager
    actions: InstanceActionManager
    quotas: QuotaManager
    aggregates: AggregateManager
    services: ServiceManager
    hypervisors: HypervisorManager
    host_resources: HostResourceManager
    usage: UsageManager
    external_events: ExternalEvents
    lifecycle: ServerLifecycle
    consoles: ConsoleManager
    interfaces: InterfaceManager
    migrations: MigrationManager
    # The deprecated proxies (``os-volumes``, ``/images``), swaps and assisted snapshots.
    volume_proxy: VolumeProxy
    image_proxy: ImageProxy
    volume_swaps: VolumeSwapManager
    assisted_snapshots: AssistedSnapshots
    scheduler_rpc: SchedulerAPI
    compute_rpc: ComputeAgentAPI
    # What ``nimbus up`` prints about this service.
    backend_summary: str
    # What the metadata proxy signs instance ids with (``api/metadata_api.py``).
    metadata_secret: str = ""
    # The agents this process runs (see ``service.workers``).
    agents: list[ComputeAgent] = field(default_factory=list)


def build(platform: Platform, clients: Clients | None = None) -> ComputeState:
    """The state of the compute service; ``clients`` replaces the real ones (tests)."""
    settings = platform.settings.compute
    clients = clients or Clients.of(platform)
    db = platform.db
    hosts = HostManager(platform.registry, db)
    aggregates = AggregateManager(db, clients.placement, hosts)
    flavors = FlavorManager(db, settings.max_limit)
    keypairs = KeypairManager(db, settings.max_limit)
    networking = Networking(clients.network)
    block_devices = BlockDevices(db, clients.volume)
    server_groups = ServerGroupManager(db, settings.max_limit)
    scheduler_rpc = SchedulerAPI(platform.bus)
    compute_rpc = ComputeAgentAPI(platform.bus)
    quotas = QuotaManager(db)
    servers = ServerManager(
        db, flavors=flavors, keypairs=keypairs, networking=networking,
        block_devices=block_devices, images=clients.image, placement=clients.placement,
        hosts=hosts, scheduler_rpc=scheduler_rpc, compute_rpc=compute_rpc,
        server_groups=server_groups, max_limit=settings.max_limit,
        reclaim_instance_interval=settings.reclaim_instance_interval,
        create_wait=settings.create_wait)
    lifecycle = ServerLifecycle(db, servers=servers, flavors=flavors, images=clients.image,
                                hosts=hosts, scheduler_rpc=scheduler_rpc,
                                compute_rpc=compute_rpc, settings=settings, quotas=quotas)
    hypervisors = HypervisorManager(
        db, hosts, clients.placement, driver=settings.driver,
        host_ip=platform.settings.public_host or platform.settings.host,
        max_limit=settings.max_limit)
    return ComputeState(
        db=db, settings=settings, clients=clients, hosts=hosts, flavors=flavors,
        keypairs=keypairs, networking=networking, block_devices=block_devices, servers=servers,
        server_groups=server_groups,
        volume_attachments=VolumeAttachmentManager(
            db, volumes=clients.volume, block_devices=block_devices, compute_rpc=compute_rpc),
        snapshots=SnapshotManager(db, clients.image, clients.volume, compute_rpc),
        actions=InstanceActionManager(db, settings.max_limit),
        quotas=quotas, aggregates=aggregates,
        services=ServiceManager(db, hosts, aggregates, clients.placement),
        hypervisors=hypervisors,
        host_resources=HostResourceManager(
            db, hosts, hypervisors,
            host_actions=load_driver("compute", settings.driver).supports_host_actions),
        usage=UsageManager(db, hosts, settings.max_limit),
        external_events=ExternalEvents(db, networking, ComputeEventsAPI(platform.bus)),
        lifecycle=lifecycle, consoles=ConsoleManager(db, lifecycle),
        interfaces=InterfaceManager(db, networking, hosts, compute_rpc),
        migrations=MigrationManager(db, settings.max_limit),
        volume_proxy=VolumeProxy(clients.volume, settings.max_limit),
        image_proxy=ImageProxy(clients.image, quotas, settings.max_limit),
        volume_swaps=VolumeSwapManager(db, volumes=clients.volume, compute_rpc=compute_rpc),
        assisted_snapshots=AssistedSnapshots(db, compute_rpc),
        scheduler_rpc=scheduler_rpc, compute_rpc=compute_rpc,
        backend_summary=f"driver {settings.driver}, {max(1, settings.fake_hosts)} host(s)",
        metadata_secret=str(platform.secrets.get("metadata_proxy_shared_secret", "")),
    )
