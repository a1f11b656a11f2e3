"""Host filters: each takes a candidate host and the request spec and says yes or no, and,
for a host it refused, why (``why``), so that a scheduling failure can be explained.

The spec is the server's request spec, plus what the scheduler looked up for this attempt:
``instance_group`` ({"uuid", "policy", "rules", "hosts": {host: members there}}) when the
server is in a group, and ``hinted_hosts`` (``hints.py``) when its scheduler hints name other
servers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from nimbus.compute.manager.claims import resources_of
from nimbus.compute.scheduler.aggregate_filters import (
    AggregateInstanceExtraSpecsFilter,
    AggregateMultiTenancyIsolation,
    AvailabilityZoneFilter,
)
from nimbus.compute.scheduler.capabilities import ComputeCapabilitiesFilter
from nimbus.compute.scheduler.hint_filters import DifferentHostFilter, SameHostFilter
from nimbus.compute.schemas.hypervisors import cpu_info

# Whether a binary is up on a host: (binary, host) -> bool.
IsUp = Callable[[str, str], bool]
# What a host can run, as Nova's ``supported_instances``: (architecture, hypervisor type,
# virtual machine mode).
Supported = tuple[str, str, str]
# The hosts of one cloud run one driver; the fake one runs x86_64 guests in HVM mode.
DEFAULT_SUPPORTED: tuple[Supported, ...] = (("x86_64", "fake", "hvm"),)
# The version every host reports (as the hypervisors API shows it).
HYPERVISOR_VERSION = 1000


@dataclass
class HostState:
    """One candidate: its host name, provider and Placement's view of its capacity, and what
    the service registry says of its compute service."""

    host: str
    rp_uuid: str
    allocation: dict[str, Any]
    # {"VCPU": {"capacity": n, "used": m}, ...} from Placement's provider summary
    resources: dict[str, dict[str, int]] = field(default_factory=dict)
    up: bool = True
    enabled: bool = True
    disabled_reason: str | None = None
    forced_down: bool = False
    supported_instances: tuple[Supported, ...] = DEFAULT_SUPPORTED
    # Servers being built or in an I/O-heavy task there, and builds failed there in a row.
    io_ops: int = 0
    failed_builds: int = 0

    def free(self, resource_class: str) -> int:
        item = self.resources.get(resource_class) or {}
        return int(item.get("capacity", 0)) - int(item.get("used", 0))

    def capacity(self, resource_class: str) -> int:
        return int((self.resources.get(resource_class) or {}).get("capacity", 0))

    def capabilities(self) -> dict[str, Any]:
        """What the host reports of itself, by the names Nova's host state gives them (for
        ``capabilities:*`` extra specs)."""
        arch, hypervisor_type, _ = (self.supported_instances or DEFAULT_SUPPORTED)[0]
        vcpus = self.capacity("VCPU")
        return {
            "host": self.host, "nodename": self.host, "hypervisor_hostname": self.host,
            "hypervisor_type": hypervisor_type, "hypervisor_version": HYPERVISOR_VERSION,
            "cpu_info": {**cpu_info(vcpus), "arch": arch},
            "supported_instances": [list(s) for s in self.supported_instances],
            "vcpus_total": vcpus, "vcpus_used": vcpus - self.free("VCPU"),
            "total_usable_ram_mb": self.capacity("MEMORY_MB"),
            "free_ram_mb": self.free("MEMORY_MB"),
            "total_usable_disk_gb": self.capacity("DISK_GB"),
            "free_disk_mb": self.free("DISK_GB") * 1024,
            "num_io_ops": self.io_ops, "failed_builds": self.failed_builds,
        }


class HostFilter(Protocol):
    name: str

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool: ...


def why(host_filter: HostFilter, host: HostState, spec: dict[str, Any]) -> str:
    """Why ``host_filter`` refused ``host``: its own words when it has a ``why``."""
    explain = getattr(host_filter, "why", None)
    return str(explain(host, spec)) if callable(explain) else "did not pass"


class ComputeFilter:
    """Only hosts whose compute service is up and enabled (not disabled or forced down)."""

    name = "ComputeFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        return host.up and host.enabled

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        if host.forced_down:
            return "compute service forced down"
        if not host.up:
            return "compute service down"
        reason = f" ({host.disabled_reason})" if host.disabled_reason else ""
        return f"compute service disabled{reason}"


class ResourceProviderFilter:
    """Only hosts Placement has a resource provider for: no claim can be made elsewhere."""

    name = "ResourceProviderFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        return bool(host.rp_uuid)

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        return "no resource provider in Placement"


class _ResourceFilter:
    """Hosts with enough of one resource class free (Placement's capacity: total less
    reserved, times the allocation ratio, less what is allocated)."""

    name = ""
    resource_class = ""
    wording = ""
    unit = ""

    def need(self, spec: dict[str, Any]) -> int:
        return resources_of(spec["flavor"]).get(self.resource_class, 0)

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        need = self.need(spec)
        return need <= 0 or host.free(self.resource_class) >= need

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        return f"not enough free {self.wording} (need {self.need(spec)}{self.unit})"


class CoreFilter(_ResourceFilter):
    name = "CoreFilter"
    resource_class = "VCPU"
    wording = "vCPUs"


class RamFilter(_ResourceFilter):
    name = "RamFilter"
    resource_class = "MEMORY_MB"
    wording = "RAM"
    unit = " MB"


class DiskFilter(_ResourceFilter):
    name = "DiskFilter"
    resource_class = "DISK_GB"
    wording = "disk"
    unit = " GB"


class ForcedHostFilter:
    """An admin's ``availability_zone: "nova:host"`` pins the server to that host."""

    name = "ForcedHostFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        # Also the host a 2.74 request names (``host``), whose other filters still run.
        forced = spec.get("force_host") or spec.get("requested_host")
        return not forced or host.host == forced

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        if spec.get("force_host"):
            return f"not the forced host {spec.get('force_host')}"
        return f"not the requested host {spec.get('requested_host')}"


# Other spellings of the same architecture or hypervisor, as Nova canonicalises them.
_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "i386": "i686", "i486": "i686",
                 "i586": "i686", "x86": "i686", "arm64": "aarch64", "ppc64el": "ppc64le"}
_HV_ALIASES = {"xapi": "xen"}


def _canonical(value: Any, aliases: dict[str, str]) -> str | None:
    if not value:
        return None
    text = str(value).lower()
    return aliases.get(text, text)


class ImagePropertiesFilter:
    """Hosts that can run the image: its ``hw_architecture``, ``img_hv_type`` and
    ``hw_vm_mode`` (or their older names) must match one of what the host supports."""

    name = "ImagePropertiesFilter"

    @staticmethod
    def wanted(spec: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
        image = spec.get("image") or {}
        return (_canonical(image.get("hw_architecture") or image.get("architecture"),
                           _ARCH_ALIASES),
                _canonical(image.get("img_hv_type") or image.get("hypervisor_type"),
                           _HV_ALIASES),
                _canonical(image.get("hw_vm_mode") or image.get("vm_mode"), {}))

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        wanted = self.wanted(spec)
        if not any(wanted):
            return True
        return any(all(w is None or w == have for w, have in zip(wanted, offered, strict=True))
                   for offered in host.supported_instances)

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        arch, hv_type, vm_mode = self.wanted(spec)
        asked = ", ".join(f"{label} {value}" for label, value in (
            ("architecture", arch), ("hypervisor type", hv_type), ("vm mode", vm_mode))
            if value)
        offered = "; ".join("/".join(s) for s in host.supported_instances) or "nothing"
        return f"cannot run the image's {asked} (host runs {offered})"


def group_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The server's group as the scheduler looked it up ({} when it has none)."""
    group = spec.get("instance_group")
    return group if isinstance(group, dict) else {}


class ServerGroupAffinityFilter:
    """affinity: once a member has a host, every other member goes to that host."""

    name = "ServerGroupAffinityFilter"

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        group = group_of(spec)
        if group.get("policy") != "affinity" or not group.get("hosts"):
            return True
        return host.host in group["hosts"]

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        group = group_of(spec)
        where = ", ".join(sorted(group.get("hosts") or {}))
        return f"not where affinity group {group.get('uuid')}'s members are ({where})"


class ServerGroupAntiAffinityFilter:
    """anti-affinity: at most ``max_server_per_host`` members (default 1) on any host."""

    name = "ServerGroupAntiAffinityFilter"

    @staticmethod
    def most(group: dict[str, Any]) -> int:
        return int((group.get("rules") or {}).get("max_server_per_host", 1))

    def passes(self, host: HostState, spec: dict[str, Any]) -> bool:
        group = group_of(spec)
        if group.get("policy") != "anti-affinity":
            return True
        return int((group.get("hosts") or {}).get(host.host, 0)) + 1 <= self.most(group)

    def why(self, host: HostState, spec: dict[str, Any]) -> str:
        group = group_of(spec)
        there = int((group.get("hosts") or {}).get(host.host, 0))
        return (f"already runs {there} member(s) of anti-affinity group {group.get('uuid')} "
                f"(at most {self.most(group)} per host)")


def group_allows(group: dict[str, Any], host: str) -> bool:
    """Whether a hard policy lets one more member onto ``host``, given where the others are
    (the scheduler asks it again, as the last word, when it records the host)."""
    probe = HostState(host, "", {})
    spec = {"instance_group": group}
    return (ServerGroupAffinityFilter().passes(probe, spec)
            and ServerGroupAntiAffinityFilter().passes(probe, spec))


def _all_filters() -> list[HostFilter]:
    return [ForcedHostFilter(), ComputeFilter(), ResourceProviderFilter(),
            AvailabilityZoneFilter(), AggregateMultiTenancyIsolation(), CoreFilter(),
            RamFilter(), DiskFilter(), ImagePropertiesFilter(), ComputeCapabilitiesFilter(),
            AggregateInstanceExtraSpecsFilter(), SameHostFilter(), DifferentHostFilter(),
            ServerGroupAffinityFilter(), ServerGroupAntiAffinityFilter()]


def default_filters(enabled: str | None = None) -> list[HostFilter]:
    """The filters every request goes through, in the order ``enabled`` (a comma-separated
    list of names; default: all of them) gives; a name no filter has is an error."""
    known = {f.name: f for f in _all_filters()}
    if enabled is None:
        return list(known.values())
    names = [n.strip() for n in enabled.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown scheduler filter(s) in enabled_filters: {', '.join(unknown)}"
                         f" (known: {', '.join(known)})")
    return [known[n] for n in names]
