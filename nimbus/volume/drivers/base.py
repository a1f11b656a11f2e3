"""The contract every volume backend fulfils (fake, qcow2 files, thin LVM...).

Drivers run on the volume agent's host and see plain dicts, never requests or database rows.
A ``volume`` dict carries at least ``id``, ``name`` (the backend name, ``volume-<id>``), ``size``
(GiB), ``project_id``, ``host`` and ``provider_location`` (whatever ``create_volume`` returned
last). A ``connector`` is what the compute host sent: ``host``, ``initiator``, ``ip``,
``multipath``, ``platform``, ``os_type``... A failing operation raises ``VolumeBackendError``.

An encrypted volume's dict has ``encryption``: its type's ``provider``, ``cipher``,
``key_size`` and ``control_location``, and its ``encryption_key_id``; the key itself is
``self.passphrase(key_id)``, asked for only when the data must be written or read.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from nimbus.volume.errors import VolumeBackendError

Volume = dict[str, Any]
ModelUpdate = dict[str, Any]


def all_zero(data: bytes) -> bool:
    """Whether ``data`` holds only zero bytes (a hole, which backups neither hash nor store)."""
    # A compare with fresh zeros (calloc'd) runs at memory speed, several times faster than
    # counting the zero bytes.
    return data == bytes(len(data))


class ExtendByHost(Exception):
    """``extend_volume``'s answer for an attached volume that only the host using it can grow
    (a file its QEMU holds open and locked): compute grows it through the guest and reports
    back with ``os-extend_volume_completion``."""


class VolumeDriver(abc.ABC):
    """One storage backend on one host. Capabilities are class attributes the core branches on."""

    #: the name this backend reports (``host@backend#pool``'s backend part)
    backend_name: str = "base"
    #: the zone volumes of this backend are in (set from the backend's settings)
    availability_zone: str = "nova"
    #: the transport compute hosts use to reach a volume (``file``, ``iscsi``, ``rbd``...)
    storage_protocol: str = "unknown"
    supports_multiattach: bool = False
    thin_provisioning: bool = False
    supports_extend_attached: bool = False
    supports_snapshots: bool = False
    #: a create (of a volume or a snapshot) that a crash cut short may simply be run again: the
    #: agent's start-up reconciliation resumes it rather than failing the volume
    resumable: bool = False

    def __init__(self, config: dict[str, Any]) -> None:
        """``config`` holds the backend's own settings (paths, volume group names...)."""
        self.config = config
        self._passphrase: Callable[[str], str] | None = None

    def use_keys(self, passphrase: Callable[[str], str]) -> None:
        """Where the keys of encrypted volumes come from (the agent's key store)."""
        self._passphrase = passphrase

    def passphrase(self, key_id: str) -> str:
        if self._passphrase is None:
            raise VolumeBackendError(reason="This volume host has no key store; it cannot "
                                            "open encrypted volumes.")
        return self._passphrase(key_id)

    def start(self) -> None:  # noqa: B027 - optional hook
        """Prepare the backend (create directories, check tools); raise if it cannot work."""

    @abc.abstractmethod
    def create_volume(self, volume: Volume) -> ModelUpdate:
        """Create an empty volume of ``volume["size"]`` GiB.

        Returns fields to store on the volume, e.g. ``{"provider_location": path}``.
        """

    #: the backend writes an image's data into a new volume (``copy_image_to_volume``); one
    #: that cannot makes volumes from images empty, with only the image's metadata
    copies_images: bool = False

    def copy_image_to_volume(self, volume: Volume, image: dict[str, Any],
                             chunks: Iterable[bytes]) -> ModelUpdate:
        """Create ``volume`` holding the image whose record is ``image`` (``disk_format``...)
        and whose data ``chunks`` streams; same return as ``create_volume``."""
        raise NotImplementedError

    def create_volume_from_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> ModelUpdate:
        """Create ``volume`` holding ``snapshot``'s data; same return as ``create_volume``."""
        raise NotImplementedError

    def create_cloned_volume(self, volume: Volume, source: Volume) -> ModelUpdate:
        """Create ``volume`` as a copy of ``source``; same return as ``create_volume``."""
        raise NotImplementedError

    @abc.abstractmethod
    def delete_volume(self, volume: Volume) -> None:
        """Remove the volume's data; a volume that is already gone is not an error."""

    @abc.abstractmethod
    def extend_volume(self, volume: Volume, new_size: int) -> None:
        """Grow the volume to ``new_size`` GiB (never shrinks); ``ExtendByHost`` when the
        attached volume (``volume["attach_status"]``) can only be grown by its compute host."""

    def revert_to_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> None:
        """Put ``snapshot``'s data back into ``volume`` (its latest snapshot, same size)."""
        raise NotImplementedError

    def copy_volume_to_image(self, volume: Volume, disk_format: str) -> Iterator[bytes]:
        """The volume's data as an image of ``disk_format`` (``raw``, ``qcow2``...), streamed."""
        raise NotImplementedError

    # -- raw data, for backups ------------------------------------------------------------
    def read_volume(self, volume: Volume, chunk_size: int) -> Iterator[bytes]:
        """The volume's data as a guest sees it, from its first byte to its last, in pieces of
        ``chunk_size`` bytes (the last may be shorter)."""
        raise NotImplementedError

    def read_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                      chunk_size: int) -> Iterator[bytes]:
        """``snapshot``'s data (a snapshot of ``volume``), as ``read_volume`` gives it."""
        raise NotImplementedError

    def write_volume(self, volume: Volume, chunks: Iterable[bytes]) -> None:
        """Make ``chunks`` (at most the volume's size) the volume's data from its first byte;
        zeros follow them to its end."""
        raise NotImplementedError

    @abc.abstractmethod
    def initialize_connection(self, volume: Volume, connector: dict[str, Any]) -> dict[str, Any]:
        """Export the volume to the host described by ``connector``.

        Returns the connection_info compute hands to its volume driver:
        ``{"driver_volume_type": <protocol>, "data": {...}}``, e.g. for a qcow2 file
        ``{"driver_volume_type": "file", "data": {"path": "/.../volume-<id>", "format": "qcow2"}}``.
        """

    @abc.abstractmethod
    def terminate_connection(self, volume: Volume, connector: dict[str, Any] | None) -> None:
        """Stop exporting the volume to ``connector``'s host (all hosts when None)."""

    def create_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> ModelUpdate:
        """Take a point-in-time copy of ``volume``; returns fields to store on the snapshot."""
        raise NotImplementedError

    def delete_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> None:
        """Remove a snapshot; one that is already gone is not an error."""
        raise NotImplementedError

    def get_capacity(self) -> dict[str, Any]:
        """``{"total_capacity_gb", "free_capacity_gb", "provisioned_capacity_gb"}`` for stats."""
        return {"total_capacity_gb": "infinite", "free_capacity_gb": "infinite",
                "provisioned_capacity_gb": 0}

    # -- storage the cloud did not make: manage and unmanage ------------------------------
    # A ``ref`` names an object on the backend, as Cinder's drivers take it: ``{"source-name":
    # <backend name>}`` (``source-id`` too, where the backend has ids). A bad one raises
    # ``ManageExistingInvalidReference``. A listing entry is Cinder's manageable volume or
    # snapshot: ``reference``, ``size`` (GiB), ``safe_to_manage``, ``reason_not_safe``,
    # ``cinder_id`` and ``extra_info`` (and, for a snapshot, ``source_reference``).
    #: who makes the backend, as pools report it
    vendor_name: str = "Open Source"
    driver_version: str = "1.0"

    def list_manageable_volumes(self, known: dict[str, str]) -> list[dict[str, Any]]:
        """Every volume on the backend; ``known`` maps the backend names of those the cloud
        manages to their ids (they are listed as not safe to manage)."""
        raise NotImplementedError

    def manage_existing_get_size(self, volume: Volume, ref: dict[str, Any]) -> int:
        """The size in GiB (rounded up) ``ref`` would have as ``volume``."""
        raise NotImplementedError

    def manage_existing(self, volume: Volume, ref: dict[str, Any]) -> ModelUpdate:
        """Make ``ref`` the backend object of ``volume`` (a new volume of the cloud's, whose
        ``name`` it takes); returns fields to store, as ``create_volume`` does."""
        raise NotImplementedError

    def unmanage(self, volume: Volume) -> None:  # noqa: B027 - optional hook
        """The cloud forgets ``volume``; its data stays on the backend, under its name."""

    def list_manageable_snapshots(self, known: dict[str, str]) -> list[dict[str, Any]]:
        """Every snapshot on the backend (``known``: as for volumes)."""
        raise NotImplementedError

    def manage_existing_snapshot_get_size(self, snapshot: dict[str, Any],
                                          ref: dict[str, Any]) -> int:
        raise NotImplementedError

    def manage_existing_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                                 ref: dict[str, Any]) -> ModelUpdate:
        """Make ``ref`` the backend object of ``snapshot``, a snapshot of ``volume``."""
        raise NotImplementedError
