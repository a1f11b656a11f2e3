"""The project overview: how much of each quota the project uses, as Horizon's charts show it.

Each figure comes from its service's own API, called as the user: compute's and block
storage's ``limits`` and networking's quota details. A service that is not there or refuses is
left out and said so, rather than failing the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.clients.user_session import UserSession
from nimbus.core.errors import NimbusError


@dataclass(frozen=True)
class Usage:
    group: str
    label: str
    used: int
    limit: int  # -1: unlimited

    @property
    def share(self) -> float:
        """The part used, 0..1 (0 when unlimited)."""
        if self.limit <= 0:
            return 1.0 if self.limit == 0 and self.used else 0.0
        return min(1.0, self.used / self.limit)


_COMPUTE = (("Instances", "totalInstancesUsed", "maxTotalInstances"),
            ("VCPUs", "totalCoresUsed", "maxTotalCores"),
            ("RAM (MiB)", "totalRAMUsed", "maxTotalRAMSize"))
_VOLUME = (("Volumes", "totalVolumesUsed", "maxTotalVolumes"),
           ("Volume snapshots", "totalSnapshotsUsed", "maxTotalSnapshots"),
           ("Volume storage (GiB)", "totalGigabytesUsed", "maxTotalVolumeGigabytes"))
_NETWORK = (("Floating IPs", "floatingip"), ("Security groups", "security_group"),
            ("Networks", "network"), ("Ports", "port"), ("Routers", "router"))


def usage(user: UserSession) -> tuple[list[Usage], list[str]]:
    """The quota usages found, and the services that could not say."""
    found: list[Usage] = []
    missing: list[str] = []
    project = user.scoped.project_id or ""
    try:
        absolute = user.get("compute", "/limits")["limits"]["absolute"]
        found += [Usage("Compute", label, int(absolute.get(used, 0)), int(absolute.get(lim, -1)))
                  for label, used, lim in _COMPUTE]
    except (NimbusError, KeyError, TypeError):
        missing.append("compute")
    try:
        absolute = user.get("volumev3", "/limits")["limits"]["absolute"]
        found += [Usage("Volume", label, int(absolute.get(used, 0)), int(absolute.get(lim, -1)))
                  for label, used, lim in _VOLUME]
    except (NimbusError, KeyError, TypeError):
        missing.append("volume")
    try:
        quota = user.get("network", f"/v2.0/quotas/{project}/details")["quota"]
        found += [Usage("Network", label, int(quota[key]["used"]), int(quota[key]["limit"]))
                  for label, key in _NETWORK if key in quota]
    except (NimbusError, KeyError, TypeError):
        missing.append("network")
    return found, missing
