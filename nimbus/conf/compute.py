"""Compute settings: the hypervisor driver and the hosts this process runs agents for."""

from __future__ import annotations

from dataclasses import dataclass

# Every filter the scheduler has, the cheap and decisive ones first.
ENABLED_FILTERS = (
    "ForcedHostFilter", "ComputeFilter", "ResourceProviderFilter", "AvailabilityZoneFilter",
    "AggregateMultiTenancyIsolation", "CoreFilter", "RamFilter", "DiskFilter",
    "ImagePropertiesFilter", "ComputeCapabilitiesFilter", "AggregateInstanceExtraSpecsFilter",
    "SameHostFilter", "DifferentHostFilter", "ServerGroupAffinityFilter",
    "ServerGroupAntiAffinityFilter",
)


@dataclass
class ComputeSettings:
    driver: str = "fake"
    # Simulated hypervisor hosts served by this process (the fake driver only).
    fake_hosts: int = 1
    # Seconds the fake driver takes to spawn a guest (0: at once), so that a test can stop
    # the cloud while builds are in flight.
    fake_spawn_seconds: float = 0.0
    # Seconds the fake driver takes to hand a snapshot's bytes over (0: at once), as a real
    # disk's upload takes a while: the image is seen "saving" meanwhile.
    fake_snapshot_seconds: float = 0.0
    # The qemu driver: ``auto`` uses KVM when /dev/kvm really runs a guest (probed with a
    # timeout, as nested virtualisation can hang), else TCG; ``kvm`` or ``tcg`` force one.
    qemu_accel: str = "auto"
    qemu_binary: str = "qemu-system-x86_64"
    # Where guests' disks, sockets and logs live (default: <state_dir>/instances).
    instances_path: str = ""
    # Seconds a guest has to power off after an ACPI power button press before it is stopped
    # hard (Nova's shutdown_timeout).
    shutdown_timeout: int = 60
    # What a clean stop of the compute agent does to the guests of the qemu driver: "keep"
    # leaves them running (an agent restarted for an upgrade finds them again); "shutdown"
    # powers them off gracefully and the next start boots again those that ran (Nova's
    # resume_guests_state_on_host_boot). "auto": shutdown for `nimbus up`, keep for
    # `nimbus agent compute`.
    guests_on_stop: str = "auto"
    # Every guest gets a config drive, whatever its request says (Nova's force_config_drive);
    # without the network service's metadata proxy, it is how a guest learns who it is.
    force_config_drive: bool = False
    # Builds and actions an agent runs at once (Nova's max_concurrent_builds), in normal work
    # and when it takes up what a crash interrupted.
    agent_workers: int = 8
    # Scheduler requests taken from the bus at once, each by a thread of its own that waits
    # while its server is placed: what waits together is placed together (one Placement
    # claim, one transaction), so more of them is more throughput (bench/compute_scheduler:
    # 8 give ~180 servers/s, 16 ~250 over 1,000 hosts); each costs ~0.5 % of a core idle.
    scheduler_workers: int = 16
    # The scheduler's weighers (Nova's [filter_scheduler] *_weight_multiplier): each scales
    # its weights to 0..1 over the candidates, times this; 0 turns one off. A negative one
    # pushes hosts away, as I/O under way does (servers building, resizing, migrating...).
    # Builds failed in a row on a host push it away too: that multiplier is the penalty, as
    # Nova gives it (positive).
    ram_weight_multiplier: float = 1.0
    cpu_weight_multiplier: float = 1.0
    disk_weight_multiplier: float = 1.0
    io_ops_weight_multiplier: float = -1.0
    build_failure_weight_multiplier: float = 1000000.0
    # Nova's default is 1.0, which the spreading weighers together can outweigh: a group that
    # asked to be kept together (or apart) is, whenever some host allows it.
    soft_affinity_weight_multiplier: float = 10.0
    soft_anti_affinity_weight_multiplier: float = 10.0
    # The best hosts a server's host is picked among at random (1: always the best), so that
    # schedulers working at once collide less on one host.
    host_subset_size: int = 1
    # The scheduler's filters, by Nova's names, in the order they run (Nova's
    # ``[filter_scheduler] enabled_filters``); tempest is told the same list.
    enabled_filters: str = ",".join(ENABLED_FILTERS)
    # This host's name in the service registry (default: the machine's node name).
    host: str = ""
    max_microversion: str = "2.100"
    # Whether a resize may stay on the server's own host (Nova's allow_resize_to_same_host;
    # on here, as a one-host cloud could resize nothing otherwise).
    allow_resize_to_same_host: bool = True
    # Seconds a shelved server keeps its host before it is offloaded (0: at once, -1: never).
    shelved_offload_time: int = 0
    # Seconds a deleted server is kept (SOFT_DELETED, powered off, restorable) before it is
    # reclaimed (Nova's reclaim_instance_interval; 0: servers are deleted at once).
    reclaim_instance_interval: int = 0
    # Seconds a resize may wait in VERIFY_RESIZE before it is confirmed for its owner
    # (Nova's resize_confirm_window; 0: never).
    resize_confirm_window: int = 0
    # Seconds a build waits for its ports' network-vif-plugged events (ports that are not yet
    # up when bound), and whether one that does not come fails the build (Nova's settings).
    vif_plugging_timeout: int = 300
    vif_plugging_is_fatal: bool = True
    # Seconds a create of one server may hold its 202 while the server builds, so that a
    # client's first look finds it ACTIVE rather than looking again seconds later (0: answer
    # at once, as Nova does).
    create_wait: float = 2.0
    # The most items one page of a list holds, asked for or not (Nova's [api] max_limit).
    max_limit: int = 1000
