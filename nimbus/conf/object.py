"""Object storage settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ObjectSettings:
    # ring: three replicas over the devices of <state_dir>/object.ring.json (made at first
    # start: objects/d1..d3); file: one copy under objects/data.
    driver: str = "ring"
    # Seconds between two passes of the expirer (objects past X-Delete-At leave the store).
    expirer_interval: float = 60.0
    # Objects one expirer pass removes at most.
    expirer_batch: int = 1000
    # Seconds between two sweeps for what unfinished writes left behind (the first at start).
    audit_interval: float = 3600.0
    # Container sync: the realm and cluster this cloud is (``//<realm>/<cluster>/...`` in
    # X-Container-Sync-To), and the seconds between two passes of the sync worker.
    sync_realm: str = "realm1"
    sync_cluster: str = "name1"
    sync_interval: float = 10.0
    # The ring driver: a device whose directory is missing is unmounted (its partitions go to
    # handoffs) rather than an empty disk to fill again (Swift's mount_check).
    mount_check: bool = False
    # ``nimbus agent object``: the address (``host:port``) this storage node listens on, and
    # the ``node`` of its devices in the ring. Empty: the ring's devices without a node are
    # this process's own disks (the embedded cloud).
    node: str = ""
    # Seconds between two passes of the replicator and auditor (ring driver).
    replicator_interval: float = 30.0
    # Partitions one replicator pass walks at most.
    replicator_batch: int = 1024
    # Copies one auditor pass reads whole at most.
    auditor_batch: int = 1000
