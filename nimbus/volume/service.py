"""Block storage (Cinder v3): how the service plugs into the cloud."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.plugins import load_driver
from nimbus.core.registry import Registry
from nimbus.volume import policies
from nimbus.volume.agent import BINARY, VolumeAgent
from nimbus.volume.api import (
    attachments,
    discovery,
    limits,
    services,
    snapshots,
    types,
    volume_actions,
    volume_metadata,
    volumes,
)
from nimbus.volume.api.discovery import MAX_VERSION, MIN_VERSION
from nimbus.volume.attachments import AttachmentManager
from nimbus.volume.manager import VolumeManager
from nimbus.volume.quotas import QuotaManager
from nimbus.volume.rpcapi import TOPIC, VolumeAgentAPI
from nimbus.volume.snapshots import SnapshotManager
from nimbus.volume.voltypes import TypeManager
from nimbus.volume.volume_ops import VolumeOps

if TYPE_CHECKING:
    from nimbus.core.platform import Platform

router = Router()
for _module in (discovery, volumes, volume_metadata, volume_actions, attachments, types,
                snapshots, limits, services):
    router.include(_module.router)


@dataclass
class VolumeState:
    """What the API handlers reach as ``req.svc``."""

    volumes: VolumeManager
    ops: VolumeOps
    attachments: AttachmentManager
    snapshots: SnapshotManager
    types: TypeManager
    quotas: QuotaManager
    registry: Registry


def start(cloud: Platform) -> VolumeState:
    rpc = VolumeAgentAPI(cloud.bus)
    types_ = TypeManager(cloud.db)
    quotas = QuotaManager(cloud.db)
    return VolumeState(
        volumes=VolumeManager(cloud.db, rpc, types_, quotas, cloud.registry),
        ops=VolumeOps(cloud.db, rpc, quotas),
        attachments=AttachmentManager(cloud.db, rpc),
        snapshots=SnapshotManager(cloud.db, rpc, quotas),
        types=types_,
        quotas=quotas,
        registry=cloud.registry,
    )


def workers(cloud: Platform, state: VolumeState, roles: set[str]) -> list[Any]:
    """The volume agent: runs the configured driver and serves topic ``volume`` for its host."""
    if "volume-agent" not in roles:
        return []
    settings = cloud.settings
    driver_cls = load_driver("volume", settings.volume.driver)
    config = {"state_dir": str(settings.state_dir / "volumes"),
              **settings.volume.backend}
    driver = driver_cls(config)
    driver.start()
    host = f"{settings.host_name}@{driver.backend_name}"
    agent = VolumeAgent(cloud.db, driver, host, notify=cloud.bus.notify)
    server = cloud.bus.serve(TOPIC, host, agent, workers=2)
    cloud.registry.register(BINARY, host, TOPIC)
    return [server]


def bootstrap(cloud: Platform, state: VolumeState) -> None:
    state.types.bootstrap()


def health(state: VolumeState) -> dict[str, Any]:
    return {"volume_agents": len([r for r in state.registry.list(BINARY) if r["up"]])}


SERVICE = ServiceDef(
    name="volume",
    service_type="volumev3",
    prefix="/volume",
    endpoint_path="/v3/$(project_id)s",
    extra_catalog_types=["block-storage"],
    fault_style="cinder",
    router=router,
    policy=policies.RULES,
    microversion=MicroversionSpec("volume", MIN_VERSION, MAX_VERSION),
    start=start,
    workers=workers,
    bootstrap=bootstrap,
    health=health,
)
