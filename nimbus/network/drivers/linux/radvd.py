"""Router advertisements: one radvd per router that has an IPv6 subnet with ``ipv6_ra_mode``.

As Neutron's L3 agent does, the router advertises each such subnet's prefix on the leg that
holds its gateway address: guests of a ``slaac`` subnet build their address from it, those of a
``dhcpv6-stateless`` one too (and are told to ask DHCPv6 for the rest), and those of a
``dhcpv6-stateful`` one are told to ask DHCPv6 for the address itself. The link MTU goes with
it. radvd runs in the router's namespace as its own daemon with a pidfile there; a change of
configuration is a SIGHUP, and one that died is started again at the next sync.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from nimbus.network.drivers.linux.ip import Ip, IpError

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Advert:
    """One prefix advertised on one router leg."""

    device: str
    prefix: str
    mode: str
    mtu: int


def config(adverts: tuple[Advert, ...]) -> str:
    """radvd.conf for a router's adverts, grouped per leg."""
    by_device: dict[str, list[Advert]] = {}
    for advert in adverts:
        by_device.setdefault(advert.device, []).append(advert)
    lines: list[str] = []
    for device in sorted(by_device):
        items = sorted(by_device[device], key=lambda a: a.prefix)
        modes = {a.mode for a in items}
        lines += [f"interface {device} {{", "    AdvSendAdvert on;",
                  # Short intervals: a guest that missed the answer to its solicitation
                  # does not wait long for the next unsolicited advertisement.
                  "    MinRtrAdvInterval 3;", "    MaxRtrAdvInterval 10;",
                  f"    AdvLinkMTU {min(a.mtu for a in items)};"]
        if "dhcpv6-stateful" in modes:
            lines.append("    AdvManagedFlag on;")
        if modes & {"dhcpv6-stateful", "dhcpv6-stateless"}:
            lines.append("    AdvOtherConfigFlag on;")
        for advert in items:
            autonomous = "off" if advert.mode == "dhcpv6-stateful" else "on"
            lines += [f"    prefix {advert.prefix} {{", "        AdvOnLink on;",
                      f"        AdvAutonomous {autonomous};", "    };"]
        lines.append("};")
    return "\n".join(lines) + "\n"


class Radvd:
    def __init__(self, ip: Ip, state_dir: Path) -> None:
        self.ip = ip
        self.root = state_dir
        self.binary = shutil.which("radvd") or "radvd"

    def _dir(self, router_id: str) -> Path:
        return self.root / router_id

    def pid(self, router_id: str) -> int | None:
        try:
            pid = int((self._dir(router_id) / "pid").read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if str(self._dir(router_id)).encode() in cmdline else None

    def converge(self, router_id: str, namespace: str, adverts: tuple[Advert, ...]) -> None:
        if not adverts:
            self.remove(router_id)
            return
        d = self._dir(router_id)
        d.mkdir(parents=True, exist_ok=True)
        path, text = d / "radvd.conf", config(adverts)
        changed = not path.exists() or path.read_text() != text
        if changed:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(path)
        pid = self.pid(router_id)
        if pid is not None:
            if changed:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGHUP)
            return
        if shutil.which(self.binary) is None:
            raise IpError("radvd is not installed (Debian: radvd): IPv6 subnets get no "
                          "router advertisements")
        # A router forwards IPv6 only with this on, and radvd advertises only then.
        self.ip.sysctl(namespace, "net.ipv6.conf.all.forwarding", "1")
        (d / "pid").unlink(missing_ok=True)
        done = subprocess.run(
            self.ip.exec_argv(namespace, [self.binary, "-C", str(path), "-p", str(d / "pid"),
                                          "-m", "logfile", "-l", str(d / "radvd.log")]),
            capture_output=True, text=True, timeout=30, check=False)
        deadline = time.monotonic() + 5
        while self.pid(router_id) is None:
            if time.monotonic() > deadline:
                raise IpError(f"radvd for router {router_id} did not start: "
                              f"{(done.stderr or done.stdout).strip()[-300:]}")
            time.sleep(0.02)
        LOG.info("radvd: router %s advertises %s", router_id,
                 ", ".join(sorted({a.prefix for a in adverts})))

    def remove(self, router_id: str) -> None:
        pid = self.pid(router_id)
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.05)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self._dir(router_id), ignore_errors=True)

    def advertising(self) -> set[str]:
        """The routers with a radvd directory here (running or left by a crash)."""
        if not self.root.exists():
            return set()
        return {p.name for p in self.root.iterdir() if p.is_dir()}
