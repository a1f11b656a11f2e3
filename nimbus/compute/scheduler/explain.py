"""Running the filters while keeping count: which filter removed how many hosts, and why.

When no host fits, that account is what the server's fault shows an administrator and what
the scheduler logs: "RamFilter removed 3 of 5 hosts: not enough free RAM (need 4096 MB)".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nimbus.compute.manager.claims import resources_of
from nimbus.compute.scheduler.filters import HostFilter, HostState, why

# What a server asks of a host, in the words the account uses.
_WORDS = (("VCPU", "{} VCPU"), ("MEMORY_MB", "{} MB RAM"), ("DISK_GB", "{} GB disk"))


@dataclass
class FilterResult:
    """One filter's share of a run: hosts it saw, hosts it removed, and the reasons given."""

    name: str
    before: int
    removed: int
    reasons: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        text = f"{self.name} removed {self.removed} of {self.before} hosts"
        if not self.reasons:
            return text
        if len(self.reasons) == 1:
            return f"{text}: {next(iter(self.reasons))}"
        shown = "; ".join(f"{reason} ({count})" for reason, count in self.reasons.most_common())
        return f"{text}: {shown}"


def run_filters(hosts: Sequence[HostState], spec: dict[str, Any], filters: Sequence[HostFilter],
                explain: bool = False) -> tuple[list[HostState], list[FilterResult]]:
    """The hosts every filter passes, filter by filter (stopping once none is left), and what
    each filter did; ``explain`` also asks each filter why it refused each host."""
    kept = list(hosts)
    results = []
    for host_filter in filters:
        passed = []
        reasons: Counter[str] = Counter()
        for host in kept:
            if host_filter.passes(host, spec):
                passed.append(host)
            elif explain:
                reasons[why(host_filter, host, spec)] += 1
        results.append(FilterResult(host_filter.name, len(kept), len(kept) - len(passed),
                                    reasons))
        kept = passed
        if not kept:
            break
    return kept, results


def describe(results: Sequence[FilterResult], total: int, spec: dict[str, Any]) -> str:
    """The account of a run that left no host, one line per filter that ran."""
    wanted = resources_of(spec.get("flavor") or {})
    asked = ", ".join(words.format(wanted[rc]) for rc, words in _WORDS if wanted.get(rc))
    head = f"{total} compute host{'s' if total != 1 else ''} considered for {asked or 'nothing'}"
    if not total:
        return f"{head}: there are no compute hosts."
    return "\n".join([head + ":", *(r.line() for r in results)])
