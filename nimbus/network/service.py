"""Networking (Neutron v2.0): how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, Worker
from nimbus.core.platform import Platform
from nimbus.network.manager.bandwidth import BandwidthProviders
from nimbus.network.manager.bootstrap import FirstStart
from nimbus.network.policies import POLICY
from nimbus.network.rpcapi import TOPIC
from nimbus.network.schemas import wording
from nimbus.network.state import NetworkState, build


def _api() -> list[Router]:
    from nimbus.network.api import (
        address_groups,
        addressing,
        agent_schedulers,
        agents,
        auto_allocation,
        conntrack_helpers,
        default_sg_rules,
        discovery,
        flavors,
        floating_ips,
        ip_availability,
        metering,
        networks,
        port_bindings,
        port_forwardings,
        ports,
        qos,
        quotas,
        rbac,
        routers,
        security_group_rules,
        security_groups,
        segments,
        subnets,
        tags,
        trunks,
    )

    return [module.router for module in (
        discovery, networks, subnets, ports, routers, security_groups, security_group_rules,
        floating_ips, quotas, tags, agents, agent_schedulers, port_bindings, qos, addressing,
        metering, rbac, trunks, port_forwardings, segments, ip_availability, auto_allocation,
        default_sg_rules, address_groups, conntrack_helpers, flavors)]


router = Router(gather=_api)


def workers(platform: Platform, state: NetworkState, roles: set[str]) -> list[Worker]:
    """The network agents, for a driver that has them (``linux``): one per host this process
    plays (each converges its host's data plane), then each serves ``network-agent`` so that
    changes reach it at once. Of several hosts, the first is also the network node."""
    settings = platform.settings
    started: list[Worker] = []
    if "api" in roles:
        # What each compute host's NIC guarantees, in Placement (as Neutron's agents say).
        reporter = BandwidthProviders(PlacementClient(platform, "neutron"), settings.network,
                                      started=platform.started)
        reporter.start()
        started.append(reporter)
    if "network-agent" not in roles or state.driver.name != "linux":
        return started
    # The data plane's agent (namespaces, dnsmasq, the metadata proxy) is a good part of the
    # service's code: loaded only by a process that runs it.
    from nimbus.network.agent.host import NetworkAgent
    from nimbus.network.drivers.linux.plan import Role

    hosts = settings.agent_hosts
    for index, host in enumerate(hosts, start=1):
        several = len(hosts) > 1
        role = Role(host if several else "", network_node=index == 1, tunnels=several)
        agent = NetworkAgent(platform.db, state.ports, f"nimbus-{platform.secrets['cloud_id']}",
                             settings.state_dir / ("network" if index == 1 else
                                                   f"network-{host}"),
                             resync_interval=settings.network.resync_interval,
                             clean_on_stop=settings.network.on_stop == "clean",
                             compute_url=f"{settings.public_url}/compute",
                             api_url=settings.public_url,
                             metadata_secret=str(platform.secrets.get(
                                 "metadata_proxy_shared_secret", "")),
                             agents=state.agents, host=host,
                             schedulers=state.schedulers, floating_ips=state.floating_ips,
                             role=role, host_index=index, hosts=tuple(hosts) if several else (),
                             router_status=state.routers.report_status)
        agent.start()
        server = platform.bus.serve(TOPIC, host, agent)
        platform.registry.register("neutron-linux-agent", host, TOPIC)
        # Stopped in reverse: the server first, then the agent (which may clean up).
        started += [agent, server]
    return started


def bootstrap(platform: Platform, state: NetworkState) -> None:
    FirstStart(state.networks, state.subnets, state.ports, state.routers,
               state.router_interfaces, state.subnet_pools).run(platform.facts)


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
    workers=workers,
    bootstrap=bootstrap,
    health=health,
)
