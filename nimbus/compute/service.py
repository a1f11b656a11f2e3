"""Compute (Nova v2.1): how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from nimbus.compute.agent import AgentDeps, ComputeAgent
from nimbus.compute.api.discovery import MAX_VERSION, MIN_VERSION
from nimbus.compute.constants import SCHEDULER_BINARY
from nimbus.compute.policies import RULES
from nimbus.compute.rpcapi import SCHEDULER_TOPIC
from nimbus.compute.scheduler.manager import SchedulerManager
from nimbus.compute.state import ComputeState, build
from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, ServiceRuntime, Worker
from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver


def _api() -> list[Router]:
    from nimbus.compute.api import (
        aggregates,
        assisted_volume_snapshots,
        availability_zones,
        consoles,
        discovery,
        extensions,
        flavor_access,
        flavor_extra_specs,
        flavors,
        hosts,
        hypervisors,
        image_proxy,
        instance_actions,
        interfaces,
        keypairs,
        limits,
        migrations,
        network_proxy,
        quota_classes,
        quota_sets,
        security_groups,
        server_actions,
        server_external_events,
        server_groups,
        server_ips,
        server_metadata,
        server_password,
        server_shares,
        server_tags,
        servers,
        services,
        usage,
        volume_attachments,
        volume_proxy,
        volume_swap,
    )

    return [module.router for module in (
        discovery, flavors, flavor_extra_specs, keypairs, servers, server_actions, server_ips,
        server_metadata, server_tags, volume_attachments, interfaces, instance_actions,
        services, hypervisors, availability_zones, limits, quota_sets, server_external_events,
        server_groups, consoles, migrations,
        # Nova's deprecated proxies to the network service (up to 2.35), and the v2 extension
        # list.
        security_groups, network_proxy, extensions,
        # Server creation extras: passwords, shares (2.97), quota classes.
        server_password, server_shares, quota_classes,
        # Operators' APIs: aggregates and zones, private flavors, usage.
        aggregates, flavor_access, usage, hosts,
        # Nova's deprecated proxies to the block-storage and image APIs, and what Cinder asks
        # of compute while it works on attached volumes.
        volume_proxy, image_proxy, volume_swap, assisted_volume_snapshots)]


def _raw_routes(runtime: ServiceRuntime[ComputeState]) -> list[BaseRoute]:
    """The console proxy: the pages and websockets the console URLs lead to; and the metadata
    API guests ask."""
    from nimbus.compute.api import console_proxy, metadata_api

    return [*console_proxy.routes(runtime), *metadata_api.routes(runtime)]


router = Router(gather=_api)

def workers(platform: Platform, state: ComputeState, roles: set[str]) -> list[Worker]:
    started: list[Worker] = []
    host = platform.settings.host_name
    # The agents first: the servers the scheduler recovers need a host whose agent is up.
    if "compute-agent" in roles:
        deps = AgentDeps(db=state.db, bus=platform.bus, registry=platform.registry,
                         images=state.clients.image, volumes=state.clients.volume,
                         placement=state.clients.placement, networking=state.networking,
                         block_devices=state.block_devices, snapshots=state.snapshots,
                         registrations=platform.settings.state_dir / "compute-hosts",
                         workers=platform.settings.compute.agent_workers,
                         reclaim_instance_interval=(
                             platform.settings.compute.reclaim_instance_interval),
                         resize_confirm_window=platform.settings.compute.resize_confirm_window,
                         vif_plugging_timeout=platform.settings.compute.vif_plugging_timeout,
                         vif_plugging_is_fatal=platform.settings.compute.vif_plugging_is_fatal,
                         started=platform.started)
        driver = load_driver("compute", platform.settings.compute.driver)
        for name in platform.settings.agent_hosts:
            agent = ComputeAgent(deps, name, driver(name, platform.settings))
            agent.start()
            state.agents.append(agent)
            started.append(agent)
        said = sorted({a.driver.describe() for a in state.agents} - {""})
        if said:
            state.backend_summary += "; " + "; ".join(said)
    if "scheduler" in roles:
        scheduler = SchedulerManager(
            state.db, state.clients.placement, state.hosts, state.compute_rpc,
            local_delete=state.servers.local_delete,
            hypervisor_type=load_driver("compute", platform.settings.compute.driver).hypervisor_type,
            settings=platform.settings.compute)
        # Served first (so nothing cast meanwhile is lost), handled once recovered.
        started.append(platform.bus.serve(SCHEDULER_TOPIC, host, scheduler,
                                          workers=platform.settings.compute.scheduler_workers))
        platform.registry.register(SCHEDULER_BINARY, host, SCHEDULER_TOPIC)
        scheduler.start_recovery()
    return started


def bootstrap(platform: Platform, state: ComputeState) -> None:
    state.flavors.ensure_defaults()


def health(state: ComputeState) -> dict[str, Any]:
    return {"agents": [a.host for a in state.agents]}


SERVICE = ServiceDef[ComputeState](
    name="compute",
    service_type="compute",
    prefix="/compute",
    endpoint_path="/v2.1",
    fault_style="nova",
    # Nova's routes match paths exactly: ``/servers/`` or ``/os-simple-tenant-usage/`` is a
    # 404 there, not the collection.
    keep_trailing_slash=True,
    redirect_slashes=False,
    router=router,
    policy=RULES,
    microversion=MicroversionSpec("compute", MIN_VERSION, MAX_VERSION,
                                  legacy_header="X-OpenStack-Nova-API-Version"),
    start=build,
    workers=workers,
    bootstrap=bootstrap,
    health=health,
    # Nova answers every request, faults included, with its request id in this header too.
    response_headers=lambda request_id: {"x-compute-request-id": request_id},
    raw_routes=_raw_routes,
)
