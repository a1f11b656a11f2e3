"""The block-storage service's state in one process: its managers and its RPC client."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.clients.compute import ComputeClient
from nimbus.clients.image import ImageClient
from nimbus.core.platform import Platform
from nimbus.core.registry import Registry
from nimbus.volume.constants import SERVICE_USER
from nimbus.volume.manager.attachments import AttachmentManager
from nimbus.volume.manager.backends import BackendManager
from nimbus.volume.manager.backups import BackupManager
from nimbus.volume.manager.group_snapshots import GroupSnapshotManager
from nimbus.volume.manager.group_types import GroupTypeManager
from nimbus.volume.manager.groups import GroupManager
from nimbus.volume.manager.images import Images
from nimbus.volume.manager.keys import KeyStore
from nimbus.volume.manager.manage import ManageManager
from nimbus.volume.manager.messages import MessageManager
from nimbus.volume.manager.migration import MigrationManager
from nimbus.volume.manager.qos_specs import QosManager
from nimbus.volume.manager.quotas import QuotaManager
from nimbus.volume.manager.scheduler import Scheduler
from nimbus.volume.manager.snapshots import SnapshotManager
from nimbus.volume.manager.transfers import TransferManager
from nimbus.volume.manager.types import TypeManager
from nimbus.volume.manager.volume_actions import VolumeActions
from nimbus.volume.manager.volume_data import VolumeData
from nimbus.volume.manager.volumes import VolumeManager
from nimbus.volume.rpcapi import BackendAgentAPI, VolumeAgentAPI


@dataclass
class VolumeState:
    """What the API handlers reach as ``req.svc`` (and the bootstrap and health checks)."""

    volumes: VolumeManager
    actions: VolumeActions
    # Revert to a snapshot, upload to an image, and compute's answer to an extend.
    data: VolumeData
    attachments: AttachmentManager
    snapshots: SnapshotManager
    types: TypeManager
    # The keys of encrypted volumes (the key manager Cinder would call).
    keys: KeyStore
    quotas: QuotaManager
    messages: MessageManager
    # Which volume agents heartbeat (os-services, health, the choice of a new volume's host).
    registry: Registry
    # Where new and migrating volumes go: filters and weighers over the backends' reports.
    scheduler: Scheduler
    rpc: VolumeAgentAPI
    # Backups of volumes into the object store, made and restored by the volume agents.
    backups: BackupManager
    # QoS specs and their association with volume types.
    qos: QosManager
    # Volumes offered by one project to another.
    transfers: TransferManager
    # Generic volume groups (3.11+): their types, the groups, and their snapshots.
    group_types: GroupTypeManager
    groups: GroupManager
    group_snapshots: GroupSnapshotManager
    # The operators' view of services and backends (os-services, os-hosts, pools...).
    backends: BackendManager
    # Taking a backend's storage into the cloud, and letting it go (manage, unmanage).
    manage: ManageManager
    # Retypes, and moves between backends.
    migrations: MigrationManager


def key_store(platform: Platform) -> KeyStore:
    """The key store of this cloud's volumes; the API and the volume agents share its
    key-encryption key through the state dir."""
    return KeyStore(platform.settings.state_dir / "volume-keys", platform.db)


def build(platform: Platform) -> VolumeState:
    rpc = VolumeAgentAPI(platform.bus)
    types = TypeManager(platform.db)
    quotas = QuotaManager(platform.db)
    # Images are read with the caller's token (``Images.resolve``); the service's own
    # credentials only find the endpoint.
    images = Images(ImageClient(platform, SERVICE_USER))
    keys = key_store(platform)
    # Operators' questions to the agents about their backends (topic volume-backend).
    agents = BackendAgentAPI(platform.bus)
    chooser = Scheduler(platform.db, platform.registry)
    return VolumeState(
        volumes=VolumeManager(platform.db, rpc, types, quotas, platform.registry, images,
                              chooser, keys),
        actions=VolumeActions(platform.db, rpc, quotas),
        data=VolumeData(platform.db, rpc, images),
        attachments=AttachmentManager(platform.db, rpc, ComputeClient(platform, SERVICE_USER)),
        snapshots=SnapshotManager(platform.db, rpc, quotas, keys),
        types=types,
        keys=keys,
        quotas=quotas,
        messages=MessageManager(platform.db),
        registry=platform.registry,
        scheduler=chooser,
        rpc=rpc,
        backups=BackupManager(platform.db, rpc, quotas, platform.registry, types,
                              platform.settings.volume.backup_container, chooser),
        qos=QosManager(platform.db),
        transfers=TransferManager(platform.db, quotas),
        group_types=GroupTypeManager(platform.db, platform.settings.volume.default_group_type),
        groups=GroupManager(platform.db, rpc, types, quotas, platform.registry, chooser, keys),
        group_snapshots=GroupSnapshotManager(platform.db, rpc, quotas, keys),
        backends=BackendManager(platform.db, platform.registry, agents,
                                platform.settings.host_name),
        manage=ManageManager(platform.db, agents, types, quotas, platform.registry),
        migrations=MigrationManager(platform.db, rpc, types, chooser, platform.registry),
    )
