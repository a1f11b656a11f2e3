"""Block storage (Cinder v3): how the service plugs into the cloud."""

from __future__ import annotations

import re
from typing import Any

from nimbus.clients.compute import ComputeClient
from nimbus.clients.image import ImageClient
from nimbus.clients.object import ObjectClient
from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, Worker
from nimbus.core.db.base import utcnow
from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver
from nimbus.volume import policies
from nimbus.volume.agent import Reconciler, VolumeAgent, VolumeWork
from nimbus.volume.agent import backends as agent_backends
from nimbus.volume.agent.backend import BackendAgent, reporter
from nimbus.volume.agent.backup_ops import BackupOps
from nimbus.volume.agent.migrate_ops import MigrateOps
from nimbus.volume.agent.volume_ops import VolumeOps
from nimbus.volume.api.discovery import MAX_VERSION, MIN_VERSION
from nimbus.volume.constants import BINARY, SERVICE_USER
from nimbus.volume.manager.backends import SCHEDULER_BINARY
from nimbus.volume.rpcapi import BACKEND_TOPIC, TOPIC
from nimbus.volume.state import VolumeState, build, key_store


def _api() -> list[Router]:
    from nimbus.volume.api import (
        attachments,
        availability_zones,
        backups,
        clusters,
        discovery,
        encryption,
        extensions,
        group_snapshots,
        group_types,
        groups,
        hosts,
        limits,
        messages,
        qos_specs,
        quota_classes,
        quota_sets,
        services,
        snapshot_actions,
        snapshot_metadata,
        snapshots,
        transfers,
        type_access,
        types,
        volume_actions,
        volume_manage,
        volume_metadata,
        volumes,
    )

    return [module.router for module in (
        discovery, volumes, volume_metadata, volume_actions, attachments, types, encryption,
        snapshots, limits, quota_sets, availability_zones, extensions, services, messages,
        backups,
        # Snapshot metadata and actions, private types' access and project default types,
        # QoS specs, volume transfers.
        snapshot_metadata, snapshot_actions, type_access, qos_specs, transfers,
        # Generic volume groups; the operators' APIs (hosts, pools, clusters, quota classes,
        # manage).
        group_types, groups, group_snapshots, hosts, clusters, quota_classes, volume_manage)]


router = Router(gather=_api)

def workers(platform: Platform, state: VolumeState, roles: set[str]) -> list[Worker]:
    """The volume agent: runs each configured backend's driver and serves both volume topics
    for it as ``<host>@<backend>``, once it has reconciled what a crash left on that backend
    (``agent/recovery.py``)."""
    if "api" in roles:
        # The API processes place new volumes and groups (``manager/scheduler.py``), Cinder's
        # scheduler's work: they report as it, so os-services and os-hosts show it.
        platform.registry.register(SCHEDULER_BINARY, platform.settings.host_name,
                                   SCHEDULER_BINARY)
    if "volume-agent" not in roles:
        return []
    configs = agent_backends.configured(platform.settings)
    # One backend keeps the state directory's ``volumes`` to itself; several take a
    # directory each under it.
    shared = len(configs) == 1
    # The backends of this agent, by host: a migration between two of them copies the data
    # in this process (``agent/migrate_ops.py``).
    siblings: dict[str, VolumeWork] = {}
    started: list[Worker] = []
    for config in configs:
        started.extend(_serve_backend(platform, config, shared, siblings))
    return started


def _serve_backend(platform: Platform, config: agent_backends.BackendConfig,
                   alone: bool, siblings: dict[str, VolumeWork]) -> list[Worker]:
    settings = platform.settings
    driver_cls = load_driver("volume", config.driver)
    root = settings.state_dir / "volumes"
    options = {"state_dir": str(root if alone else root / config.name),
               "delay": settings.volume.fake_delay, **config.options}
    driver = driver_cls(options)
    # What the backend reports, and what types select it by (``volume_backend_name``).
    driver.backend_name = config.name or driver.backend_name
    driver.availability_zone = config.availability_zone
    driver.use_keys(key_store(platform).passphrase)
    driver.start()
    host = f"{settings.host_name}@{driver.backend_name}"
    images = ImageClient(platform, SERVICE_USER)
    work = VolumeWork(platform.db, driver, host, notify=platform.bus.notify, images=images)
    siblings[host] = work
    # Work that runs after the API answered acts as the service, never on a user's token.
    ops = VolumeOps(work, compute=ComputeClient(platform, SERVICE_USER), images=images)
    # Backups go to the object store in the service's own account, never on a user's token.
    backup_ops = BackupOps(work, ObjectClient(platform, SERVICE_USER),
                           chunk_size=settings.volume.backup_chunk_size)
    reconciler = Reconciler(work, backups=backup_ops)
    reconciler.run()
    serving_since = utcnow()
    agent = VolumeAgent(platform.db, driver, host, work=work, ops=ops, backups=backup_ops,
                        migrations=MigrateOps(work, siblings))
    server = platform.bus.serve(TOPIC, host, agent, workers=2)
    # Operators' questions about the backend (pools, manage, cleanup) have their own topic.
    backend_server = platform.bus.serve(BACKEND_TOPIC, host,
                                        BackendAgent(driver, host, reconciler), workers=1)
    # Each heartbeat carries the backend's capabilities, which the scheduler places by.
    platform.registry.register(BINARY, host, TOPIC, details=reporter(driver, host))
    # Work cast while this host's queue did not exist yet (in memory, before the line above).
    reconciler.run(resume_only=True, changed_before=serving_since)
    # Stopped in reverse: the server takes no more work before the backup pool stops.
    return [backup_ops, backend_server, server, reconciler]


def bootstrap(platform: Platform, state: VolumeState) -> None:
    state.types.bootstrap()


def health(state: VolumeState) -> dict[str, Any]:
    return {"volume_agents": len([r for r in state.registry.list(BINARY) if r["up"]])}


SERVICE = ServiceDef[VolumeState](
    name="volume",
    service_type="volumev3",
    prefix="/volume",
    endpoint_path="/v3/$(project_id)s",
    extra_catalog_types=["block-storage"],
    fault_style="cinder",
    validation_style="cinder",
    # ``/volumes/`` names a volume with an empty id, as Cinder's router reads it: not found.
    empty_id_paths=re.compile(r"^/v3/[^/]+/volumes/$"),
    # Every other trailing slash is gone before routing; these must not be redirected either.
    redirect_slashes=False,
    router=router,
    policy=policies.RULES,
    microversion=MicroversionSpec("volume", MIN_VERSION, MAX_VERSION),
    start=build,
    workers=workers,
    bootstrap=bootstrap,
    health=health,
    title="Block Storage (Cinder v3)",
)
