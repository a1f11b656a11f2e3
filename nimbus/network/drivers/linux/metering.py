"""Metering labels counted in the routers' namespaces, as Neutron's metering agent counts them.

A label applies to every router of its project (to every router, when shared). In each such
router an nftables table ``nimbus-meter`` holds a named counter per label and, per label and
direction, a chain its traffic through the external gateway jumps to: ``ingress`` is what
comes in on the gateway leg, ``egress`` what leaves by it. The label's excluded rules return
first, then the first rule that matches counts the packet once. The forward hook sees
addresses as the guests have them (floating IPs are translated before, SNAT after), which is
what a rule's prefixes name.

The agent reads the counters now and then and reports what each label counted since its last
report, as Neutron's ``l3.meter`` notifications say it (``MeterReport``).
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.model import MeterRec

TABLE = "nimbus-meter"


def counter_name(label_id: str) -> str:
    return "label_" + label_id.replace("-", "_")


def _match(rule_prefix: str | None, side: str) -> str:
    if not rule_prefix or rule_prefix.endswith("/0"):
        return ""
    return f"ip {side} {rule_prefix} "


def meter_rules(gateway_port_id: str | None, meters: tuple[MeterRec, ...]) -> str:
    """The router's metering table, whole (``nft -f`` input)."""
    lines = [f"add table ip {TABLE}", f"delete table ip {TABLE}", f"table ip {TABLE} {{"]
    chains: list[str] = []
    hooks: list[str] = []
    if gateway_port_id is not None:
        qg = names.gateway_leg(gateway_port_id)
        for meter in meters:
            name = counter_name(meter.label_id)
            lines.append(f"    counter {name} {{ }}")
            for direction, on in (("ingress", "iifname"), ("egress", "oifname")):
                rules = [r for r in meter.rules if r.direction == direction and ":" not in (
                    r.remote_ip_prefix or r.source_ip_prefix or r.destination_ip_prefix or "")]
                if not rules:
                    continue
                chain = f"{name}_{direction}"
                hooks.append(f'        {on} "{qg}" jump {chain}')
                body = []
                # Excluded traffic first: it is not counted whatever else matches it.
                for rule in sorted(rules, key=lambda r: not r.excluded):
                    where = (_match(rule.remote_ip_prefix,
                                    "saddr" if direction == "ingress" else "daddr")
                             + _match(rule.source_ip_prefix, "saddr")
                             + _match(rule.destination_ip_prefix, "daddr"))
                    action = "return" if rule.excluded else f'counter name "{name}" return'
                    body.append(f"        {where}{action}")
                chains += [f"    chain {chain} {{", *body, "    }"]
    lines += ["    chain forward {", "        type filter hook forward priority filter;",
              *hooks, "    }", *chains, "}"]
    return "\n".join(lines) + "\n"


def read_counters(argv: list[str]) -> dict[str, tuple[int, int]]:
    """(packets, bytes) of each label's counter, by label id, from ``nft -j list counters``
    run as ``argv`` (inside the router's namespace)."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        return {}
    found: dict[str, tuple[int, int]] = {}
    for item in json.loads(done.stdout).get("nftables", []):
        counter = item.get("counter")
        if not counter or counter.get("table") != TABLE:
            continue
        name = str(counter.get("name", ""))
        if name.startswith("label_"):
            label_id = name[len("label_"):].replace("_", "-")
            found[label_id] = (int(counter.get("packets", 0)), int(counter.get("bytes", 0)))
    return found


@dataclass
class MeterReport:
    """What each label counted since the last report, from the counters of every router."""

    last: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    since: float = field(default_factory=time.time)

    def deltas(self, counts: dict[str, dict[str, tuple[int, int]]],
               projects: dict[str, str], host: str) -> list[dict[str, Any]]:
        """``counts``: router id -> label id -> (packets, bytes). One ``l3.meter`` payload per
        label that counted anything; a counter that went back (its table was made again)
        counts from zero."""
        totals: dict[str, list[int]] = {}
        seen = set()
        for router_id, labels in counts.items():
            for label_id, (pkts, nbytes) in labels.items():
                key = (router_id, label_id)
                seen.add(key)
                old_pkts, old_bytes = self.last.get(key, (0, 0))
                if pkts < old_pkts or nbytes < old_bytes:
                    old_pkts, old_bytes = 0, 0
                self.last[key] = (pkts, nbytes)
                total = totals.setdefault(label_id, [0, 0])
                total[0] += pkts - old_pkts
                total[1] += nbytes - old_bytes
        for gone in set(self.last) - seen:
            del self.last[gone]
        now = time.time()
        out = [{"label_id": label_id, "tenant_id": projects.get(label_id, ""),
                "pkts": pkts, "bytes": nbytes, "time": int(now - self.since),
                "first_update": int(self.since), "last_update": int(now), "host": host}
               for label_id, (pkts, nbytes) in sorted(totals.items()) if pkts or nbytes]
        self.since = now
        return out
