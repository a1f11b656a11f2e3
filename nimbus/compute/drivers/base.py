"""The contract between the compute agent and a hypervisor.

The agent hands a driver plain dicts (never a request or a database row) and the driver does the
work on its host. A driver raises ``DriverError`` (or any ``NimbusError``) on failure; the agent
turns that into the server's ``fault``. Capabilities are class attributes the agent branches on.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from nimbus.core import errors


@errors.register
class DriverError(errors.NimbusError):
    code = 500
    title = "Compute driver error"
    message_format = "{reason}"


@dataclass
class SnapshotData:
    """A guest's root disk as an image: its ``disk_format`` and its bytes, chunk by chunk."""

    disk_format: str
    chunks: Iterable[bytes]
    container_format: str = "bare"


# A guest as a simulated hypervisor remembers it (``fake.py`` says what is in it).
Guest = dict[str, Any]


class GuestStore(Protocol):
    """One host's guests, kept for a driver that has no hypervisor to keep them: each by
    instance uuid, and apart from them (``kept``) what a resize keeps aside on its source.
    ``change`` reads, changes and writes one guest at once, so that two changes to one guest
    never lose one another; it and ``pop`` answer None when there is no such guest."""

    def all(self, kept: bool = False) -> dict[str, Guest]: ...
    def uuids(self) -> list[str]: ...
    def get(self, uuid: str, kept: bool = False) -> Guest | None: ...
    def put(self, uuid: str, guest: Guest, kept: bool = False) -> None: ...
    def change(self, uuid: str, change: Callable[[Guest], None],
               kept: bool = False) -> Guest | None: ...
    def pop(self, uuid: str, kept: bool = False) -> Guest | None: ...
    def totals(self) -> tuple[int, int, int]: ...


class ImageSource(Protocol):
    """What a driver that keeps images on its host needs of the image service."""

    def download(self, image_id: str) -> Iterable[bytes]: ...


class VolumeKeys(Protocol):
    """What a driver that opens encrypted volumes needs of the volume service."""

    def encryption_secret(self, volume_id: str) -> dict[str, Any]: ...


class ComputeDriver(abc.ABC):
    """One hypervisor on one host.

    ``instance`` arguments are dicts with at least ``uuid``, ``name``, ``flavor`` (``vcpus``,
    ``ram``, ``disk``), ``image_ref``, ``metadata``, ``key_data``, ``user_data`` and ``ports``
    (``port_id``, ``mac``, ``fixed_ips``, ``net_id``).
    """

    supports_multiattach: bool = False
    supports_live_migration: bool = False
    supports_pause: bool = True
    supports_suspend: bool = True
    supports_snapshot: bool = False
    supports_rescue: bool = False
    # Stable device rescue: the rescue disk is added on the bus and as the device the rescue
    # image's ``hw_rescue_bus``/``hw_rescue_device`` name, the guest's own disks staying where
    # they are (what lets a volume-backed server be rescued, from 2.87).
    supports_stable_rescue: bool = False
    # ``os-hosts`` power actions and maintenance mode on a whole host (Nova's libvirt driver
    # has neither: 501; a simulated host takes both, as Nova's fake driver does).
    supports_host_actions: bool = False
    supports_resize: bool = False
    supports_console_output: bool = False
    # The remote console protocols the driver gives (``novnc``, ``serial``, ``spice-html5``).
    console_types: tuple[str, ...] = ()
    # Those of them whose address (``get_console``) really answers, so that the console proxy
    # carries a client through; the others are only handed out.
    live_console_types: tuple[str, ...] = ()
    supports_set_password: bool = False
    supports_crash_dump: bool = False
    supports_interface_attach: bool = False
    # Whether ``swap_volume`` moves a guest from one volume to another while it runs.
    supports_swap_volume: bool = False
    # Whether it opens volumes of an encrypted volume type (keys from the volume service).
    supports_encrypted_volumes: bool = False
    # Whether a guest whose spawn was cut short (the agent stopped) may be destroyed and
    # spawned again; a driver that cannot promise it has such builds fail instead.
    spawns_again: bool = False
    # Whether a real guest boots: one that a client can SSH into and that reads the config
    # drive and the metadata service (what tempest's validation and scenario tests need).
    boots_guests: bool = False
    # Whether spawn wants ``instance["metadata_files"]`` (the server's metadata, by path, as
    # ``manager/metadata.files`` gives it) to write a config drive from.
    uses_config_drive: bool = False
    hypervisor_type: str = "unknown"

    def __init__(self, host: str, settings: Any = None) -> None:
        self.host = host
        self.settings = settings

    def attach(self, guests: GuestStore) -> None:  # noqa: B027 - optional hook
        """Where this host's guests may be kept, handed over by the agent before
        ``init_host`` (records in the compute database). A hypervisor keeps its own guests,
        so a real driver has no use for it; one that only simulates a hypervisor keeps its
        guests there (see ``fake.py``)."""

    def use_images(self, images: ImageSource) -> None:  # noqa: B027 - optional hook
        """The image service, handed over by the agent before ``init_host``, for a driver
        that fetches images' data to its host (a real hypervisor's disks are made from it);
        the fake driver has no use for it."""

    def use_volumes(self, volumes: VolumeKeys) -> None:  # noqa: B027 - optional hook
        """The volume service, handed over by the agent before ``init_host``, for a driver
        that opens encrypted volumes itself (it reads their keys there)."""

    def init_host(self) -> None:  # noqa: B027 - optional hook
        """Prepare the host once when the agent starts (adopt running guests, create dirs)."""

    def describe(self) -> str:
        """What the driver chose on this host and why, for ``nimbus up`` to print (after
        ``init_host``); empty when there is nothing to say."""
        return ""

    def cleanup_host(self) -> None:  # noqa: B027 - optional hook
        """Release what the driver holds on the host when the agent stops (listeners,
        connections); the guests themselves go on running."""

    def cpu_info(self) -> dict[str, Any]:
        """What the host's CPU is, as the hypervisors API shows it (``arch``, ``model``,
        ``vendor``, ``topology``, ``features``); empty for a simulated host."""
        return {}

    @abc.abstractmethod
    def get_available_resource(self) -> dict[str, Any]:
        """Host totals: ``vcpus``, ``memory_mb``, ``local_gb`` and the ``*_used`` figures,
        ``hypervisor_type``, ``hypervisor_version``, ``cpu_allocation_ratio``,
        ``ram_allocation_ratio``, ``disk_allocation_ratio`` and ``reserved_host_memory_mb``."""

    @abc.abstractmethod
    def list_instances(self) -> list[str]:
        """The uuids of the guests this host runs."""

    @abc.abstractmethod
    def spawn(self, instance: dict[str, Any], image: dict[str, Any] | None,
              block_devices: list[dict[str, Any]] | None = None) -> None:
        """Create and boot ``instance`` from ``image`` (the image API's record, or None when
        booting from a volume). ``block_devices`` are the volumes already connected for it, each
        ``{"volume_id", "device_name", "boot_index", "connection_info"}``; the one with
        ``boot_index`` 0 is the root disk when there is no image. Raises DriverError when the
        guest cannot be started."""

    @abc.abstractmethod
    def destroy(self, instance: dict[str, Any]) -> None:
        """Stop the guest and remove its local disks. A guest that does not exist is not an
        error (delete must always be able to finish)."""

    @abc.abstractmethod
    def reboot(self, instance: dict[str, Any], hard: bool) -> None:
        """Restart the guest; ``hard`` means a power cycle rather than an ACPI request."""

    @abc.abstractmethod
    def power_off(self, instance: dict[str, Any]) -> None:
        """Shut the guest down (``SHUTOFF``)."""

    @abc.abstractmethod
    def power_on(self, instance: dict[str, Any]) -> None:
        """Boot a stopped guest."""

    def pause(self, instance: dict[str, Any]) -> None:
        """Freeze the guest's vCPUs, keeping its memory."""
        raise DriverError(reason=f"{type(self).__name__} cannot pause")

    def unpause(self, instance: dict[str, Any]) -> None:
        raise DriverError(reason=f"{type(self).__name__} cannot unpause")

    def suspend(self, instance: dict[str, Any]) -> None:
        """Save the guest's memory to disk and stop it."""
        raise DriverError(reason=f"{type(self).__name__} cannot suspend")

    def resume(self, instance: dict[str, Any]) -> None:
        raise DriverError(reason=f"{type(self).__name__} cannot resume")

    def snapshot(self, instance: dict[str, Any]) -> SnapshotData:
        """Capture the guest's root disk. The chunks are read while the agent uploads them, so
        a driver may stream from a temporary file it removes when the iterator ends. Raises
        DriverError when the guest is not on this host or cannot be captured."""
        raise DriverError(reason=f"{type(self).__name__} cannot snapshot")

    @abc.abstractmethod
    def get_volume_connector(self, instance: dict[str, Any]) -> dict[str, Any]:
        """The connector dict Cinder needs to export a volume to this host (``host``,
        ``initiator``, ``ip``, ``multipath``, ``platform``, ``os_type``)."""

    @abc.abstractmethod
    def attach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any],
                      device: str) -> None:
        """Plug the volume Cinder described in ``connection_info`` into the guest at ``device``."""

    @abc.abstractmethod
    def detach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any] | None,
                      device: str) -> None:
        """Unplug the volume at ``device``; a volume that is already gone is not an error."""

    def extend_volume(self, instance: dict[str, Any],  # noqa: B027 - optional hook
                      connection_info: dict[str, Any], requested_size: int) -> None:
        """Make the guest see its attached volume (as Cinder described it) at
        ``requested_size`` bytes; a backend whose volumes are files the guest holds open grows
        the file itself here. Simulated guests have nothing to do."""

    def swap_volume(self, instance: dict[str, Any], old_connection_info: dict[str, Any],
                    new_connection_info: dict[str, Any], device: str, resize_to: int) -> None:
        """Move the guest's disk at ``device`` from the volume ``old_connection_info`` describes
        to the one ``new_connection_info`` describes (both as Cinder gave them), copying the
        data across while the guest runs; the guest then uses the new volume at the same
        ``device``. ``resize_to`` is the new volume's size in GB when it is larger than the
        old one (0 otherwise), so that the guest sees the larger disk. Returns nothing; raises
        DriverError when the guest is not on this host or the copy fails, in which case the
        guest must still be using the old volume (the agent then gives the new one back)."""
        raise DriverError(reason=f"{type(self).__name__} cannot swap volumes")

    def volume_snapshot_create(self, instance: dict[str, Any], volume_id: str,
                               create_info: dict[str, Any]) -> None:
        """Snapshot the attached volume ``volume_id`` for Cinder (an assisted snapshot of a
        file-backed volume): ``create_info`` has ``snapshot_id``, ``type`` (``qcow2``) and
        ``new_file``, the file the guest writes to from now on. Raises DriverError when the
        guest or the volume is not here or the snapshot fails."""
        raise DriverError(reason=f"{type(self).__name__} cannot take assisted volume snapshots")

    def volume_snapshot_delete(self, instance: dict[str, Any], volume_id: str,
                               snapshot_id: str, delete_info: dict[str, Any]) -> None:
        """Delete an assisted snapshot of the attached volume ``volume_id``, merging its file
        into ``delete_info``'s ``merge_target_file`` (or into the active one when that is
        None). A snapshot that is already gone is not an error. Raises DriverError when the
        guest is not here or the merge fails."""
        raise DriverError(reason=f"{type(self).__name__} cannot take assisted volume snapshots")

    def power_state(self, instance: dict[str, Any]) -> int:
        """The guest's power state (see ``states.PowerState``); 0 when unknown."""
        return 0

    # -- rebuild and rescue ---------------------------------------------------------------
    def rebuild(self, instance: dict[str, Any], image: dict[str, Any] | None,
                block_devices: list[dict[str, Any]] | None = None) -> None:
        """Give the guest a fresh root disk from ``image`` and boot it, keeping its volumes
        and ports. By default the guest is destroyed and spawned again, as Nova does for
        drivers without a rebuild of their own."""
        self.destroy(instance)
        self.spawn(instance, image, block_devices)

    def rescue(self, instance: dict[str, Any], image: dict[str, Any] | None,
               password: str | None) -> None:
        """Boot the guest from a rescue disk (``image``, or the guest's own image), with its
        own root disk attached second, so that a user can repair it. When ``image`` names a
        ``hw_rescue_device`` or ``hw_rescue_bus`` property (stable rescue), the rescue disk is
        added as that device on that bus and the guest's own disks keep their places."""
        raise DriverError(reason=f"{type(self).__name__} cannot rescue")

    def unrescue(self, instance: dict[str, Any]) -> None:
        """Boot the guest from its own root disk again."""
        raise DriverError(reason=f"{type(self).__name__} cannot unrescue")

    def set_admin_password(self, instance: dict[str, Any], password: str) -> None:
        """Set the administrator's password inside the running guest."""
        raise DriverError(reason=f"{type(self).__name__} cannot set a password")

    def inject_nmi(self, instance: dict[str, Any]) -> None:
        """Send the guest a non-maskable interrupt (a crash dump, in most kernels)."""
        raise DriverError(reason=f"{type(self).__name__} cannot trigger a crash dump")

    # -- resize and migration -------------------------------------------------------------
    # A resize or cold migration runs as Nova's does: the source powers the guest off and
    # keeps its disks aside (``migrate_disk_and_power_off``), the destination starts it with
    # the new flavor (``finish_migration``); then either the source drops what it kept
    # (``confirm_migration``) or the destination destroys its copy and the source starts the
    # kept guest again (``finish_revert_migration``). Source and destination may be one host.
    def migrate_disk_and_power_off(self, instance: dict[str, Any], dest_host: str,
                                   flavor: dict[str, Any]) -> dict[str, Any]:
        """Stop the guest and keep its disks for a move to ``dest_host`` with ``flavor``;
        what the destination needs to know of the disks. Raises DriverError when the new
        flavor's disk is smaller than the guest's."""
        raise DriverError(reason=f"{type(self).__name__} cannot resize or migrate")

    def finish_migration(self, instance: dict[str, Any], disk_info: dict[str, Any],
                         image: dict[str, Any] | None, power_on: bool) -> None:
        """Start the moved guest on this host with ``instance["flavor"]`` (powered on only
        when it ran before)."""
        raise DriverError(reason=f"{type(self).__name__} cannot resize or migrate")

    def confirm_migration(self, instance: dict[str, Any]) -> None:
        """Drop what ``migrate_disk_and_power_off`` kept on this (the source) host."""
        raise DriverError(reason=f"{type(self).__name__} cannot resize or migrate")

    def finish_revert_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        """Start the kept guest again on this (the source) host with its old flavor."""
        raise DriverError(reason=f"{type(self).__name__} cannot resize or migrate")

    def live_migration(self, instance: dict[str, Any], dest_host: str) -> dict[str, Any]:
        """Move the running guest to ``dest_host`` without stopping it; what the destination
        needs to adopt it (``post_live_migration_at_destination``)."""
        raise DriverError(reason=f"{type(self).__name__} cannot live-migrate")

    def post_live_migration_at_destination(self, instance: dict[str, Any],
                                           migrate_data: dict[str, Any]) -> None:
        """Adopt the guest that ``live_migration`` moved here."""
        raise DriverError(reason=f"{type(self).__name__} cannot live-migrate")

    # -- interfaces -----------------------------------------------------------------------
    def attach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        """Plug ``port`` (``port_id``, ``mac``, ``fixed_ips``, ``net_id``) into the guest."""
        raise DriverError(reason=f"{type(self).__name__} cannot attach interfaces")

    def detach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        """Unplug ``port``; one that is already gone is not an error."""
        raise DriverError(reason=f"{type(self).__name__} cannot detach interfaces")

    # -- what the guest shows -------------------------------------------------------------
    def get_console_output(self, instance: dict[str, Any]) -> str:
        """The guest's serial console log so far."""
        raise DriverError(reason=f"{type(self).__name__} has no console log")

    def get_console(self, instance: dict[str, Any], console_type: str) -> dict[str, Any]:
        """Where a console proxy reaches the guest's ``console_type`` console: ``host`` and
        ``port`` (and ``internal_access_path`` where the protocol needs one). The address
        stays the same while the guest stays on this host, so that the proxy can check a
        token's address against it as Nova's ``validate_console_port`` does."""
        raise DriverError(reason=f"{type(self).__name__} has no {console_type} console")

    def get_diagnostics(self, instance: dict[str, Any]) -> dict[str, Any]:
        """The guest's figures in the 2.48 diagnostics shape (``state``, ``driver``,
        ``uptime``, ``num_cpus``, ``cpu_details``, ``nic_details``, ``disk_details``...)."""
        raise DriverError(reason=f"{type(self).__name__} has no diagnostics")
