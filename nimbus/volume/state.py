"""The block-storage service's state in one process: its managers and its RPC client."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.platform import Platform
from nimbus.core.registry import Registry
from nimbus.volume.manager.attachments import AttachmentManager
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.manager.snapshots import SnapshotManager
from nimbus.volume.manager.types import TypeManager
from nimbus.volume.manager.volume_actions import VolumeActions
from nimbus.volume.manager.volumes import VolumeManager
from nimbus.volume.rpcapi import VolumeAgentAPI


@dataclass
class VolumeState:
    """What the API handlers reach as ``req.svc`` (and the bootstrap and health checks)."""

    volumes: VolumeManager
    actions: VolumeActions
    attachments: AttachmentManager
    snapshots: SnapshotManager
    types: TypeManager
    quotas: QuotaManager
    # Which volume agents heartbeat (os-services, health, the choice of a new volume's host).
    registry: Registry
    rpc: VolumeAgentAPI


def build(platform: Platform) -> VolumeState:
    rpc = VolumeAgentAPI(platform.bus)
    types = TypeManager(platform.db)
    quotas = QuotaManager(platform.db)
    return VolumeState(
        volumes=VolumeManager(platform.db, rpc, types, quotas, platform.registry),
        actions=VolumeActions(platform.db, rpc, quotas),
        attachments=AttachmentManager(platform.db, rpc),
        snapshots=SnapshotManager(platform.db, rpc, quotas),
        types=types,
        quotas=quotas,
        registry=platform.registry,
        rpc=rpc,
    )
