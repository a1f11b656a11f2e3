"""DHCP: one dnsmasq per network, in the network's own namespace, on its ``network:dhcp`` port.

As Neutron's DHCP agent runs it: static leases only (a host entry per port address, so a guest
gets exactly the address the port holds), the router, DNS servers, MTU and host routes as
options per subnet, and each port's ``extra_dhcp_opts`` under a tag of its own. It also answers
DNS for the ports' names (``dns_assignment``), and is the resolver of subnets that name none.
When the hosts, names or options files change, or the subnets (its ranges) do, dnsmasq is
started again. It runs in the foreground in a session of its own, with a pidfile: the agent
sees at once when one ends unasked (and starts it again), and one left by a crash of the agent
is found by its pidfile.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nimbus.network.constants import DNS_DOMAIN
from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.ip import Ip, IpError
from nimbus.network.drivers.linux.model import PortRec, SubnetRec

LOG = logging.getLogger(__name__)
LEASE_SECONDS = 86400


@dataclass(frozen=True)
class DhcpWant:
    network_id: str
    mtu: int
    port: PortRec                 # the network:dhcp port (its addresses are dnsmasq's)
    subnets: tuple[SubnetRec, ...]  # IPv4 subnets with enable_dhcp
    clients: tuple[PortRec, ...]    # every other port with an address there
    # No router serves the network: its DHCP namespace answers 169.254.169.254 itself, and
    # tells guests the way there (Neutron's ``enable_isolated_metadata``).
    metadata: bool = False


METADATA_ADDRESS = "169.254.169.254"


def _tag(subnet_id: str) -> str:
    return f"subnet-{subnet_id}"


def _named(want: DhcpWant) -> list[tuple[PortRec, str, str]]:
    """(port, address, hostname) of every client address on a served subnet."""
    served = {s.id for s in want.subnets}
    out = []
    for port in sorted(want.clients, key=lambda p: p.id):
        for index, (subnet_id, address) in enumerate(port.ips):
            if subnet_id in served:
                host = port.hostnames[index] if index < len(port.hostnames) else \
                    "host-" + address.replace(".", "-")
                out.append((port, address, host))
    return out


def hosts_file(want: DhcpWant) -> str:
    lines = []
    for port, address, host in _named(want):
        # A tag only where options hang on it.
        tag = f"set:port-{port.id}," if port.extra_dhcp_opts else ""
        lines.append(f"{port.mac},{tag}{host},{address}")
    return "\n".join(lines) + "\n"


def dns_file(want: DhcpWant) -> str:
    """What the server answers in DNS, before any lease: each address's FQDN and hostname,
    so one guest finds another by name whether or not that one has asked for its lease."""
    domain = DNS_DOMAIN.rstrip(".")
    return "".join(f"{address}\t{host}.{domain} {host}\n" for _, address, host in _named(want))


def opts_file(want: DhcpWant) -> str:
    lines = []
    for s in want.subnets:
        tag = _tag(s.id)
        lines.append(f"tag:{tag},option:router{',' + s.gateway_ip if s.gateway_ip else ''}")
        if s.dns_nameservers:
            lines.append(f"tag:{tag},option:dns-server,{','.join(s.dns_nameservers)}")
        lines.append(f"tag:{tag},option:mtu,{want.mtu}")
        routes = [f"{dest},{hop}" for dest, hop in s.host_routes]
        server = next((a for sid, a in want.port.ips if sid == s.id), None)
        if want.metadata and server is not None:
            routes.append(f"{METADATA_ADDRESS}/32,{server}")
        if routes:
            # A client that takes classless routes ignores the router option: the default
            # route goes in as well.
            default = f",0.0.0.0/0,{s.gateway_ip}" if s.gateway_ip else ""
            lines.append(f"tag:{tag},option:classless-static-route,{','.join(routes)}"
                         f"{default}")
    for port in sorted(want.clients, key=lambda p: p.id):
        for name, value, version in port.extra_dhcp_opts:
            if version == 4:
                option = name if name.isdigit() else f"option:{name}"
                lines.append(f"tag:port-{port.id},{option},{value}")
    return "\n".join(lines) + "\n"


class Dhcp:
    def __init__(self, ip: Ip, state_dir: Path,
                 on_exit: Callable[[], None] | None = None) -> None:
        self.ip = ip
        self.root = state_dir
        self.binary = shutil.which("dnsmasq") or "dnsmasq"
        # Called when a dnsmasq this process started ends without being asked to.
        self.on_exit = on_exit
        self._lock = threading.Lock()
        self._stopping: set[str] = set()

    def _dir(self, network_id: str) -> Path:
        return self.root / network_id

    def namespace(self, network_id: str) -> str:
        return self.ip.namespaces.dhcp(network_id)

    def addresses(self, want: DhcpWant) -> set[str]:
        served = {s.id: s for s in want.subnets}
        found = {f"{address}/{ipaddress.ip_network(served[sid].cidr).prefixlen}"
                 for sid, address in want.port.ips if sid in served}
        return found | {f"{METADATA_ADDRESS}/32"} if want.metadata else found

    def converge_namespace(self, want: DhcpWant) -> None:
        """The namespace with the DHCP port's leg (made by the fabric) addressed and up."""
        ns = self.namespace(want.network_id)
        self.ip.add_namespace(ns)

    def configure_leg(self, want: DhcpWant) -> None:
        ns, leg = self.namespace(want.network_id), names.dhcp_leg(want.port.id)
        have = self.ip.addresses(ns, leg)
        wanted = self.addresses(want)
        lines = [f"addr del {a} dev {leg}" for a in sorted(have - wanted)]
        lines += [f"addr add {a} dev {leg}" for a in sorted(wanted - have)]
        lines += [f"link set {leg} address {want.port.mac}", f"link set {leg} up"]
        self.ip.batch(ns, lines)

    # -- dnsmasq ---------------------------------------------------------------------------
    def _argv(self, want: DhcpWant) -> list[str]:
        d = self._dir(want.network_id)
        # As root: its files live in the cloud's private state dir, which the unprivileged
        # user dnsmasq would switch to cannot read; it serves only its own namespace.
        # DNS for the network's own names only (``--local``: never forwarded; there is no
        # uplink to forward to); a subnet without nameservers of its own is told to ask here.
        domain = DNS_DOMAIN.rstrip(".")
        argv = [self.binary, "--user=root", "--group=root", "--no-hosts", "--no-resolv",
                f"--domain={domain}", f"--local=/{domain}/", f"--addn-hosts={d / 'dns'}",
                "--bind-interfaces",
                f"--interface={names.dhcp_leg(want.port.id)}", "--except-interface=lo",
                f"--pid-file={d / 'pid'}", f"--dhcp-hostsfile={d / 'host'}",
                # No lease file: every lease is a static one of the hosts file, and a lease
                # kept for a deleted port would deny its address to the port that reuses it.
                f"--dhcp-optsfile={d / 'opts'}", "--leasefile-ro",
                "--conf-file=/dev/null", "--dhcp-authoritative",
                f"--log-facility={d / 'dnsmasq.log'}"]
        for s in want.subnets:
            net = ipaddress.ip_network(s.cidr)
            argv.append(f"--dhcp-range=set:{_tag(s.id)},{net.network_address},static,"
                        f"{net.netmask},{LEASE_SECONDS}s")
        return argv

    def pid(self, network_id: str) -> int | None:
        try:
            pid = int((self._dir(network_id) / "pid").read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if str(self._dir(network_id)).encode() in cmdline else None

    def converge_server(self, want: DhcpWant) -> None:
        d = self._dir(want.network_id)
        d.mkdir(parents=True, exist_ok=True)
        argv = self._argv(want)
        key = hashlib.sha256("\0".join(argv).encode()).hexdigest()
        changed = False
        for name, text in (("host", hosts_file(want)), ("opts", opts_file(want)),
                           ("dns", dns_file(want))):
            path = d / name
            if not path.exists() or path.read_text() != text:
                tmp = path.with_suffix(".tmp")
                tmp.write_text(text)
                tmp.replace(path)
                changed = True
        pid = self.pid(want.network_id)
        if pid is not None and not changed and (d / "args").exists() \
                and (d / "args").read_text() == key:
            return
        # Changed files mean a restart, not SIGHUP: dnsmasq 2.90 aborts on a SIGHUP that
        # re-reads a hosts file whose entries carry tags once it has leased one of them
        # (the per-port tags of extra_dhcp_opts), and a restart also forgets the leases of
        # deleted ports. Every lease is static, so nothing is lost; a client asks again.
        if pid is not None:
            self._stop(want.network_id, pid)
        (d / "args").write_text(key)
        (d / "pid").unlink(missing_ok=True)
        log = (d / "dnsmasq.log").open("ab")
        try:
            # In the foreground, as this process's child (in a session of its own, so it
            # outlives a crash of the agent): its end is seen at once, and said.
            proc = subprocess.Popen(
                self.ip.exec_argv(self.namespace(want.network_id),
                                  [*argv, "--keep-in-foreground"]),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + 10
        while self.pid(want.network_id) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise IpError(f"dnsmasq for network {want.network_id} did not start (see "
                              f"{d / 'dnsmasq.log'})")
            time.sleep(0.02)
        threading.Thread(target=self._watch, args=(want.network_id, proc),
                         name=f"dnsmasq-{want.network_id[:8]}", daemon=True).start()
        LOG.info("dhcp: dnsmasq serves network %s", want.network_id)

    def _watch(self, network_id: str, proc: subprocess.Popen[bytes]) -> None:
        code = proc.wait()
        with self._lock:
            expected = network_id in self._stopping
            self._stopping.discard(network_id)
        if not expected:
            LOG.warning("dhcp: dnsmasq for network %s ended (%s); starting it again", network_id,
                        f"signal {-code}" if code < 0 else f"exit status {code}")
            if self.on_exit is not None:
                self.on_exit()

    def _stop(self, network_id: str, pid: int) -> None:
        with self._lock:
            self._stopping.add(network_id)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def remove(self, network_id: str) -> None:
        """Stop the network's dnsmasq and delete its namespace and files."""
        pid = self.pid(network_id)
        if pid is not None:
            self._stop(network_id, pid)
        self.ip.delete_namespace(self.namespace(network_id))
        shutil.rmtree(self._dir(network_id), ignore_errors=True)

    def served(self) -> set[str]:
        """The networks that have a DHCP directory here (running or left by a crash)."""
        if not self.root.exists():
            return set()
        return {p.name for p in self.root.iterdir() if p.is_dir()}
