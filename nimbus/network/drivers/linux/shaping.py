"""QoS bandwidth limits on a guest's tap, with traffic control, as Neutron's linuxbridge agent
enforces ``bandwidth_limit`` rules.

Into the guest (``ingress``): a token bucket (``tbf``) as the tap's root qdisc, since what
the tap sends goes to the guest. Out of the guest (``egress``): what the guest sends arrives
on the tap's ingress, where nothing can queue; Neutron polices it there, but the ``police``
action is missing from small kernels, so the tap's ingress hands every frame to an ``ifb``
device (``qi-``) whose own ``tbf`` shapes it, and the frame then goes on into the bridge. The
``ifb`` device is the fabric's (``fabric.py`` makes and removes it); the qdiscs and the
filter are here. A rule without a burst gets 80% of its rate, as in Neutron.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

from nimbus.network.drivers.linux.ip import IpError

# After the trunk programs (preferences 1 to 4094), so that only untagged frames are shaped.
EGRESS_PREF = 49152
LATENCY_MS = 50
# A bucket smaller than a frame would never pass one.
MIN_BURST_BYTES = 3200


@dataclass(frozen=True)
class Limit:
    direction: str      # "ingress" (into the guest) or "egress" (out of it)
    max_kbps: int
    max_burst_kbps: int = 0


def tbf(limit: Limit) -> list[str]:
    """The ``tbf`` arguments of a limit."""
    burst_kbit = limit.max_burst_kbps or int(limit.max_kbps * 0.8)
    burst = max(burst_kbit * 1000 // 8, MIN_BURST_BYTES)
    return ["tbf", "rate", f"{limit.max_kbps}kbit", "burst", str(burst), "latency",
            f"{LATENCY_MS}ms"]


class Shaper:
    """The bandwidth limits of a fabric's taps."""

    def __init__(self, namespace: str, tc: str = "tc") -> None:
        self.ns = namespace
        self.tc = tc

    def _tc(self, *args: str, missing_ok: bool = False) -> str:
        done = subprocess.run([self.tc, "-n", self.ns, *args], capture_output=True, text=True,
                              timeout=30, check=False)
        if done.returncode != 0 and not missing_ok:
            raise IpError(f"tc {' '.join(args[:5])}... in {self.ns} failed: "
                          f"{done.stderr.strip()[-300:]}")
        return done.stdout

    def shaped(self) -> set[str]:
        """Devices with a ``tbf`` root, in one read (what an earlier run left)."""
        out = self._tc("-j", "qdisc", "show") or "[]"
        return {str(q.get("dev")) for q in json.loads(out)
                if q.get("kind") == "tbf" and q.get("root")}

    def apply(self, tap: str, ifb: str, limits: tuple[Limit, ...]) -> None:
        """Make ``tap``'s limits exactly ``limits`` (``ifb`` exists when one is egress)."""
        by_direction = {lim.direction: lim for lim in limits}
        inbound = by_direction.get("ingress")
        if inbound is not None:
            self._tc("qdisc", "replace", "dev", tap, "root", *tbf(inbound))
        else:
            self._tc("qdisc", "del", "dev", tap, "root", missing_ok=True)
        outbound = by_direction.get("egress")
        if outbound is not None:
            self._tc("qdisc", "replace", "dev", ifb, "root", *tbf(outbound))
            self._tc("qdisc", "replace", "dev", tap, "clsact")
            self._tc("filter", "replace", "dev", tap, "ingress", "pref", str(EGRESS_PREF),
                     "protocol", "all", "u32", "match", "u32", "0", "0", "action", "mirred",
                     "egress", "redirect", "dev", ifb)
        else:
            self._tc("filter", "del", "dev", tap, "ingress", "pref", str(EGRESS_PREF),
                     missing_ok=True)
