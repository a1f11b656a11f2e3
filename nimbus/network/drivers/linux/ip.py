"""``ip`` (iproute2), confined to the cloud's own namespaces.

Every command names a namespace of this cloud (``ip -n <ns> ...``); the only commands that run
without one add, delete and list namespaces, which touch ``/run/netns`` and nothing of the
machine's own network. Reads use ``-j`` (JSON); changes go through ``ip -batch``, so that one
step's devices are made in one exec.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Sequence
from typing import Any

from nimbus.core.errors import NimbusError
from nimbus.network.drivers.linux.names import Namespaces

LOG = logging.getLogger(__name__)
TIMEOUT = 30


class IpError(NimbusError):
    """An ``ip`` command failed; the message says which and why."""


class Ip:
    def __init__(self, namespaces: Namespaces) -> None:
        self.namespaces = namespaces

    def _check(self, ns: str) -> None:
        if not self.namespaces.owns(ns):
            raise IpError(f"refusing to touch namespace {ns!r}: it is not this cloud's")

    def _run(self, argv: Sequence[str], stdin: str | None = None) -> str:
        done = subprocess.run(list(argv), input=stdin, capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        if done.returncode != 0:
            raise IpError(f"{' '.join(argv[:6])}... failed: {done.stderr.strip()[-300:]}")
        return done.stdout

    # -- namespaces ---------------------------------------------------------------------------
    def namespaces_here(self) -> list[str]:
        """This cloud's namespaces that exist now."""
        out = self._run(["ip", "-j", "netns", "list"]) or "[]"
        return sorted(str(n["name"]) for n in json.loads(out)
                      if self.namespaces.owns(str(n["name"])))

    def add_namespace(self, ns: str) -> None:
        self._check(ns)
        if ns in self.namespaces_here():
            return
        self._run(["ip", "netns", "add", ns])
        self.run(ns, "link", "set", "lo", "up")

    def delete_namespace(self, ns: str) -> None:
        self._check(ns)
        if ns in self.namespaces_here():
            self._run(["ip", "netns", "delete", ns])

    # -- inside one ---------------------------------------------------------------------------
    def run(self, ns: str, *args: str) -> str:
        self._check(ns)
        return self._run(["ip", "-n", ns, *args])

    def batch(self, ns: str, lines: Sequence[str]) -> None:
        """Apply ``lines`` (``ip`` commands without the leading ``ip``) in one exec; the first
        failure stops it and is raised."""
        if not lines:
            return
        self._check(ns)
        LOG.debug("ip -n %s -batch: %s", ns, "; ".join(lines))
        self._run(["ip", "-n", ns, "-batch", "-"], stdin="\n".join(lines) + "\n")

    def links(self, ns: str) -> dict[str, dict[str, Any]]:
        """The namespace's devices by name, as ``ip -j -d link`` shows them."""
        out = self.run(ns, "-j", "-d", "link", "show") or "[]"
        return {str(link["ifname"]): link for link in json.loads(out)}

    def addresses(self, ns: str, device: str) -> set[str]:
        """``address/prefix`` of each global address on ``device``."""
        out = self.run(ns, "-j", "addr", "show", "dev", device) or "[]"
        return {f"{a['local']}/{a['prefixlen']}" for link in json.loads(out)
                for a in link.get("addr_info", []) if a.get("scope") == "global"}

    def routes(self, ns: str, version: int = 4) -> list[dict[str, Any]]:
        out = self.run(ns, f"-{version}", "-j", "route", "show") or "[]"
        return list(json.loads(out))

    def sysctl(self, ns: str, key: str, value: str) -> None:
        """A sysctl of the namespace (``net.*`` keys are per namespace)."""
        self._check(ns)
        if not key.startswith("net."):
            raise IpError(f"sysctl {key} is not a network namespace setting")
        self._run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", f"{key}={value}"])

    def exec_argv(self, ns: str, argv: Sequence[str]) -> list[str]:
        """The command line that runs ``argv`` inside ``ns`` (for daemons like dnsmasq)."""
        self._check(ns)
        return ["ip", "netns", "exec", ns, *argv]
