"""The volume agent's second RPC endpoint (topic ``volume-backend``): what operators ask of a
backend, apart from the volume work of ``endpoint.py``.

Capabilities are the driver's class attributes and its ``get_capacity`` now (Cinder's scheduler
keeps what each backend last reported; asking is as fresh and as cheap). Manage and unmanage
hand the driver what it needs and return what it says; the API side writes the rows. Cleanup
runs the agent's own reconciliation on work whose message was lost (``recovery.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.volume.agent.recovery import Reconciler
from nimbus.volume.drivers.base import VolumeDriver
from nimbus.volume.manager.log_levels import get_log_levels, set_log_levels

LOG = logging.getLogger(__name__)
def capabilities(driver: VolumeDriver, host: str) -> dict[str, Any]:
    """The backend's capabilities as Cinder's pools report them."""
    pool = host.split("@", 1)[1] if "@" in host else host
    return {
        "pool_name": pool,
        "volume_backend_name": driver.backend_name,
        # Not a capability Cinder's pools list (its services carry the zone): the scheduler
        # here filters on it from the same report.
        "availability_zone": driver.availability_zone,
        "vendor_name": driver.vendor_name,
        "driver_version": driver.driver_version,
        "storage_protocol": driver.storage_protocol,
        "thin_provisioning_support": driver.thin_provisioning,
        "thick_provisioning_support": not driver.thin_provisioning,
        "multiattach": driver.supports_multiattach,
        "QoS_support": False,
        "reserved_percentage": 0,
        "max_over_subscription_ratio": "1.0",
        "allocated_capacity_gb": 0,
        "backend_state": "up",
        **driver.get_capacity(),
        "timestamp": utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f"),
    }


def reporter(driver: VolumeDriver, host: str) -> Callable[[], dict[str, Any]]:
    """What each heartbeat of the backend carries: its capabilities, or, when the backend
    cannot say (its storage is gone...), that it is down, which the scheduler avoids. The
    heartbeat itself goes on: the agent still serves what it can."""
    def report() -> dict[str, Any]:
        try:
            return capabilities(driver, host)
        except Exception as exc:  # any failure of the backend's own tools
            LOG.warning("backend %s cannot report its capabilities: %s", host, exc)
            return {"volume_backend_name": driver.backend_name, "backend_state": "down"}
    return report


class BackendAgent:
    """RPC endpoint: every public method is callable over the bus."""

    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"get_capabilities", "list_manageable_volumes",
                             "list_manageable_snapshots", "manage_existing_get_size",
                             "manage_existing", "manage_existing_snapshot_get_size",
                             "manage_existing_snapshot", "unmanage", "cleanup",
                             "set_log_levels", "get_log_levels"})

    def __init__(self, driver: VolumeDriver, host: str,
                 reconciler: Reconciler | None = None) -> None:
        self.driver = driver
        self.host = host
        self.reconciler = reconciler

    def get_capabilities(self, ctx: dict[str, Any]) -> dict[str, Any]:
        return capabilities(self.driver, self.host)

    # -- manage and unmanage ------------------------------------------------------------------
    def list_manageable_volumes(self, ctx: dict[str, Any],
                                known: dict[str, str]) -> list[dict[str, Any]]:
        return self.driver.list_manageable_volumes(known)

    def list_manageable_snapshots(self, ctx: dict[str, Any],
                                  known: dict[str, str]) -> list[dict[str, Any]]:
        return self.driver.list_manageable_snapshots(known)

    def manage_existing_get_size(self, ctx: dict[str, Any], volume: dict[str, Any],
                                 ref: dict[str, Any]) -> int:
        return self.driver.manage_existing_get_size(volume, ref)

    def manage_existing(self, ctx: dict[str, Any], volume: dict[str, Any],
                        ref: dict[str, Any]) -> dict[str, Any]:
        LOG.info("managing %s on %s as volume %s", ref, self.host, volume["id"])
        return self.driver.manage_existing(volume, ref)

    def manage_existing_snapshot_get_size(self, ctx: dict[str, Any], snapshot: dict[str, Any],
                                          ref: dict[str, Any]) -> int:
        return self.driver.manage_existing_snapshot_get_size(snapshot, ref)

    def manage_existing_snapshot(self, ctx: dict[str, Any], snapshot: dict[str, Any],
                                 volume: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
        LOG.info("managing %s on %s as snapshot %s", ref, self.host, snapshot["id"])
        return self.driver.manage_existing_snapshot(snapshot, volume, ref)

    def unmanage(self, ctx: dict[str, Any], volume: dict[str, Any]) -> None:
        try:
            self.driver.unmanage(volume)
        except Exception:  # the row is gone already; the data stays, which is the point
            LOG.exception("the backend's unmanage of volume %s failed", volume.get("id"))

    # -- cleanup and log levels -----------------------------------------------------------------
    def cleanup(self, ctx: dict[str, Any], until: str) -> None:
        if self.reconciler is None:
            return
        acted = self.reconciler.run(resume_only=True,
                                    changed_before=dt.datetime.fromisoformat(until))
        LOG.info("cleanup on %s: resumed the work of %d volumes and snapshots", self.host, acted)

    def set_log_levels(self, ctx: dict[str, Any], prefix: str, level: str) -> None:
        set_log_levels(prefix, level)

    def get_log_levels(self, ctx: dict[str, Any], prefix: str) -> dict[str, str]:
        return get_log_levels(prefix)
