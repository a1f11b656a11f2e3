"""A qemu guest's diagnostics in the 2.48 shape, read from QMP and its record."""

from __future__ import annotations

import time
from typing import Any

from nimbus.compute.drivers.qemu.process import GuestProcess

_NIC_FIELDS = ("rx_octets", "rx_errors", "rx_drop", "rx_packets", "rx_rate", "tx_octets",
               "tx_errors", "tx_drop", "tx_packets", "tx_rate")


def of(proc: GuestProcess, accel: str) -> dict[str, Any]:
    spec = proc.spec()
    status = proc.status()
    disks_out = []
    if status is not None:
        for dev in proc.qmp("query-blockstats"):
            stats = dev.get("stats", {})
            disks_out.append({"read_bytes": stats.get("rd_bytes", 0),
                              "read_requests": stats.get("rd_operations", 0),
                              "write_bytes": stats.get("wr_bytes", 0),
                              "write_requests": stats.get("wr_operations", 0),
                              "errors_count": stats.get("failed_rd_operations", 0)})
    started = proc.dir / "qemu.pid"
    uptime = int(time.time() - started.stat().st_mtime) if status and started.exists() else 0
    return {
        "state": {"running": "running", "paused": "paused"}.get(status or "", "shutdown"),
        # The 2.48 schema names the driver family; QEMU guests are what Nova's libvirt
        # driver reports.
        "driver": "libvirt", "hypervisor": accel, "hypervisor_os": "linux",
        "uptime": uptime, "num_cpus": spec["vcpus"], "num_nics": len(spec["nics"]),
        "num_disks": len(spec["disks"]),
        "config_drive": any(d["id"] == "config" for d in spec["disks"]),
        "cpu_details": [{"id": i, "time": None, "utilisation": None}
                        for i in range(int(spec["vcpus"]))],
        "nic_details": [{"mac_address": n["mac"], **dict.fromkeys(_NIC_FIELDS)}
                        for n in spec["nics"]],
        "disk_details": disks_out,
        "memory_details": {"maximum": spec["ram"], "used": spec["ram"]},
    }
