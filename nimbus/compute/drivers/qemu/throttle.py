"""A volume's front-end QoS: the ``qos_specs`` Cinder puts in the connection info, as QEMU's
I/O throttle of the guest's disk (``block_set_io_throttle`` on the disk's device).

QEMU refuses some combinations a QoS spec may hold, and a refused throttle would fail the whole
attach; they are settled here the way the limit is still kept: a total limit wins over its
read/write split (QEMU takes one or the other), and a burst (``_max``) without its base limit, or
below it, is left out (QEMU wants both, the burst at least the base).
"""

from __future__ import annotations

from typing import Any

# Cinder's (and Nova's) front-end keys and the throttle arguments they become.
_BASE = {
    "total_bytes_sec": "bps", "read_bytes_sec": "bps_rd", "write_bytes_sec": "bps_wr",
    "total_iops_sec": "iops", "read_iops_sec": "iops_rd", "write_iops_sec": "iops_wr",
}
KEYS: dict[str, str] = {
    **_BASE,
    **{f"{key}_max": f"{arg}_max" for key, arg in _BASE.items()},
    **{f"{key}_max_length": f"{arg}_max_length" for key, arg in _BASE.items()},
    "size_iops_sec": "iops_size",
}
# block_set_io_throttle needs these six, zero meaning "no limit".
REQUIRED = ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr")
# QEMU's largest throttle value (THROTTLE_VALUE_MAX).
_MOST = 1_000_000_000_000_000


def _positive(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if 0 < number <= _MOST else None


def limits(qos_specs: dict[str, Any] | None) -> dict[str, int]:
    """The throttle arguments ``qos_specs`` asks for (empty when it limits nothing)."""
    found = {KEYS[k]: n for k, v in (qos_specs or {}).items()
             if k in KEYS and (n := _positive(v)) is not None}
    for total, split in (("bps", ("bps_rd", "bps_wr")), ("iops", ("iops_rd", "iops_wr"))):
        if total in found:
            for name in split:
                for suffix in ("", "_max", "_max_length"):
                    found.pop(name + suffix, None)
    for base in REQUIRED:
        burst, rate = found.get(f"{base}_max"), found.get(base)
        if burst is None or rate is None or burst < rate:
            found.pop(f"{base}_max", None)
            found.pop(f"{base}_max_length", None)
    return found


def qom_path(device_id: str) -> str:
    """Where QEMU finds the disk of the ``virtio-blk-pci`` device ``device_id``: the block
    backend belongs to the virtio device inside the PCI one, and the PCI device's own id
    names no backend (QEMU answers "Device does not have a block device backend")."""
    return f"/machine/peripheral/{device_id}/virtio-backend"


def command(device_id: str, throttle: dict[str, int]) -> dict[str, Any]:
    """The ``block_set_io_throttle`` arguments for the guest device ``device_id``."""
    return {"id": qom_path(device_id), **{name: 0 for name in REQUIRED}, **throttle}
