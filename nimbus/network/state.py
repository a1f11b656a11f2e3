"""The network service's state: its managers and driver, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.clients.compute import ComputeClient
from nimbus.clients.placement import PlacementClient
from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver
from nimbus.network.drivers.base import NetworkDriver
from nimbus.network.manager.access import Access
from nimbus.network.manager.address_groups import AddressGroupManager
from nimbus.network.manager.address_scopes import AddressScopeManager
from nimbus.network.manager.agent_schedulers import AgentSchedulers
from nimbus.network.manager.agents import AgentManager
from nimbus.network.manager.auto_allocation import AutoAllocator
from nimbus.network.manager.compute_events import ComputeEvents
from nimbus.network.manager.conntrack_helpers import ConntrackHelperManager
from nimbus.network.manager.default_sg_rules import DefaultRuleManager
from nimbus.network.manager.events import Notifier
from nimbus.network.manager.flavors import FlavorManager
from nimbus.network.manager.floating_ips import FloatingIpManager
from nimbus.network.manager.ip_availability import IpAvailabilityManager
from nimbus.network.manager.metering import MeteringManager
from nimbus.network.manager.networks import NetworkManager
from nimbus.network.manager.port_bindings import PortBindingManager
from nimbus.network.manager.port_forwardings import PortForwardingManager
from nimbus.network.manager.ports import PortManager
from nimbus.network.manager.qos import QosManager
from nimbus.network.manager.qos_allocations import QosAllocations
from nimbus.network.manager.quotas import QuotaManager
from nimbus.network.manager.rbac import RbacManager
from nimbus.network.manager.router_interfaces import RouterInterfaceManager
from nimbus.network.manager.routers import RouterManager
from nimbus.network.manager.security_group_rules import SecurityGroupRuleManager
from nimbus.network.manager.security_groups import SecurityGroupManager
from nimbus.network.manager.segments import SegmentManager
from nimbus.network.manager.subnet_pools import SubnetPoolManager
from nimbus.network.manager.subnets import SubnetManager
from nimbus.network.manager.tags import TagManager
from nimbus.network.manager.trunks import TrunkManager


@dataclass
class NetworkState:
    networks: NetworkManager
    subnets: SubnetManager
    address_scopes: AddressScopeManager
    subnet_pools: SubnetPoolManager
    metering: MeteringManager
    rbac: RbacManager
    ports: PortManager
    port_bindings: PortBindingManager
    qos: QosManager
    routers: RouterManager
    router_interfaces: RouterInterfaceManager
    security_groups: SecurityGroupManager
    security_group_rules: SecurityGroupRuleManager
    address_groups: AddressGroupManager
    floating_ips: FloatingIpManager
    quotas: QuotaManager
    tags: TagManager
    trunks: TrunkManager
    port_forwardings: PortForwardingManager
    conntrack_helpers: ConntrackHelperManager
    flavors: FlavorManager
    segments: SegmentManager
    ip_availability: IpAvailabilityManager
    auto_allocation: AutoAllocator
    default_sg_rules: DefaultRuleManager
    agents: AgentManager
    schedulers: AgentSchedulers
    driver: NetworkDriver
    compute_events: ComputeEvents


def build(platform: Platform) -> NetworkState:
    settings = platform.settings.network
    driver: NetworkDriver = load_driver("network", settings.driver or "fake")(settings)
    driver.connect(platform.bus, f"nimbus-{platform.secrets['cloud_id']}",
                   hosts=len(platform.settings.agent_hosts))
    db = platform.db
    access = Access()
    qos = QosManager(db, access)
    scopes = AddressScopeManager(db, access)
    pools = SubnetPoolManager(db, access, scopes)
    groups = SecurityGroupManager(db, access, driver)
    # Compute hears of its servers' address changes as the ``neutron`` service user.
    compute_events = ComputeEvents(ComputeClient(platform, "neutron"))
    ports = PortManager(db, access, driver, groups, Notifier(platform.bus, "network"),
                        compute_events)
    routers = RouterManager(db, access, ports, driver)
    networks = NetworkManager(db, access, driver)
    # Ports and networks are given only policies their project may use.
    ports.check_qos = networks.check_qos = qos.check_usable
    ports.qos_allocations = QosAllocations(PlacementClient(platform, "neutron"))
    schedulers = AgentSchedulers(db, routers.view, networks.view, driver)
    # A router that gains a data plane is hosted by an L3 agent at once (when one runs).
    routers.schedule = schedulers.schedule_router
    subnets = SubnetManager(db, access, pools)
    interfaces = RouterInterfaceManager(db, access, ports, routers)
    return NetworkState(
        networks=networks,
        subnets=subnets,
        address_scopes=scopes,
        subnet_pools=pools,
        metering=MeteringManager(db),
        rbac=RbacManager(db, access),
        ports=ports,
        port_bindings=PortBindingManager(db, access, driver, ports),
        qos=qos,
        routers=routers,
        router_interfaces=interfaces,
        security_groups=groups,
        security_group_rules=SecurityGroupRuleManager(db, access, driver, groups),
        address_groups=AddressGroupManager(db, access, driver, groups),
        floating_ips=FloatingIpManager(db, access, ports, driver, compute_events),
        quotas=QuotaManager(db, access),
        tags=TagManager(db),
        trunks=TrunkManager(db, access, ports, driver),
        port_forwardings=PortForwardingManager(db, access, driver),
        conntrack_helpers=ConntrackHelperManager(db, access,
                                                 settings.allowed_conntrack_helpers,
                                                 routers.sync),
        flavors=FlavorManager(db),
        segments=SegmentManager(db),
        ip_availability=IpAvailabilityManager(db),
        auto_allocation=AutoAllocator(db, networks, subnets, routers, interfaces),
        default_sg_rules=DefaultRuleManager(db),
        agents=AgentManager(db),
        schedulers=schedulers,
        driver=driver,
        compute_events=compute_events,
    )
