"""The network agent of a machine: it makes the data plane match the model, again and again.

Level-triggered: each sync reads the whole wanted state (``topology.read``), plans it
(``drivers/linux/plan.py``) and converges the namespaces, bridges, taps and DHCP servers to it.
A change anywhere in the network service kicks a sync (``sync`` over RPC, fanned out to every
agent, from the linux driver), and a sync also runs every ``resync_interval`` seconds, so a
lost message or a crash costs one interval at most. Ports whose tap is in place are reported
wired: they turn ACTIVE and compute hears ``network-vif-plugged``.

On a clean stop of the whole cloud (``on_stop`` "clean") everything the agent made is removed;
an agent that stops alone leaves it all running for the guests it serves, and its next start
adopts and corrects it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.network import constants as c
from nimbus.network.agent import topology
from nimbus.network.agent.api_relay import ApiRelay
from nimbus.network.agent.metadata_proxy import PORT as METADATA_PORT
from nimbus.network.agent.metadata_proxy import MetadataProxies
from nimbus.network.agent.reports import reports
from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux import plan as planner
from nimbus.network.drivers.linux.dhcp import METADATA_ADDRESS, Dhcp
from nimbus.network.drivers.linux.ext import Ext
from nimbus.network.drivers.linux.fabric import Fabric
from nimbus.network.drivers.linux.firewall import Firewall
from nimbus.network.drivers.linux.ip import Ip
from nimbus.network.drivers.linux.metering import MeterReport
from nimbus.network.drivers.linux.model import Topology
from nimbus.network.drivers.linux.names import Namespaces
from nimbus.network.drivers.linux.radvd import Radvd
from nimbus.network.drivers.linux.routers import Routers
from nimbus.network.drivers.linux.shaping import Shaper
from nimbus.network.drivers.linux.underlay import Underlay
from nimbus.network.drivers.linux.vlan_bpf import TrunkFilters
from nimbus.network.manager.agent_schedulers import AgentSchedulers
from nimbus.network.manager.agents import AgentManager
from nimbus.network.manager.floating_ips import FloatingIpManager
from nimbus.network.manager.ports import PortManager

LOG = logging.getLogger(__name__)
# Kicks that arrive within this many seconds of each other are one sync.
DEBOUNCE = 0.05
# How often the metering labels' counts are reported (Neutron's ``report_interval``).
METER_INTERVAL = 30.0


class NetworkAgent:
    """A worker, and the RPC endpoint of topic ``network-agent``."""

    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"sync"})

    def __init__(self, db: Database, ports: PortManager, prefix: str, state_dir: Path,
                 resync_interval: float = 10.0, clean_on_stop: bool = False,
                 compute_url: str = "", metadata_secret: str = "", api_url: str = "",
                 agents: AgentManager | None = None, host: str = "",
                 schedulers: AgentSchedulers | None = None,
                 floating_ips: FloatingIpManager | None = None,
                 role: planner.Role | None = None, host_index: int = 1,
                 hosts: tuple[str, ...] = (),
                 router_status: Callable[[dict[str, str]], None] | None = None) -> None:
        self.db = db
        # Where this agent says it is alive (``network agent list``), at each sync, and which
        # routers and networks it hosts (the agent schedulers).
        self.agents = agents
        self.host = host
        self.schedulers = schedulers
        self.floating_ips = floating_ips
        # Where a router's status goes: ERROR while it cannot be realised, ACTIVE again after.
        self.router_status = router_status
        self._fip_status: dict[str, str] = {}
        self.ports = ports
        # One of several hosts of this machine (its own fabric, VXLAN to the others), or its
        # only one; only a network node runs DHCP, routers and metadata.
        self.role = role or planner.Role()
        self.namespaces = Namespaces(prefix, per_host=self.role.tunnels)
        self.ip = Ip(self.namespaces)
        fabric_ns = self.namespaces.fabric_of(self.role.host)
        # Every host's fabric this machine plays now: a network node removes the others (left
        # by a run with more hosts, or with one), and the underlay when it plays one.
        self.fabrics = {self.namespaces.fabric_of(h) for h in hosts} | {fabric_ns}
        self.fabric = Fabric(self.ip, fabric_ns, TrunkFilters(fabric_ns), Shaper(fabric_ns))
        self.underlay = Underlay(self.ip, fabric_ns, host_index) if self.role.tunnels else None
        self.dhcp = Dhcp(self.ip, state_dir / "dhcp", on_exit=self.sync)
        self.radvd = Radvd(self.ip, state_dir / "radvd")
        self.routers = Routers(self.ip, self.radvd)
        self.firewall = Firewall(self.ip, fabric_ns)
        self.metadata = MetadataProxies(self._guest_at, compute_url, metadata_secret)
        self._top = Topology()
        self.ext = Ext(self.ip)
        self.api_relay = ApiRelay(self.ip, api_url) if api_url and self.role.network_node \
            else None
        self.resync_interval = resync_interval
        self.clean_on_stop = clean_on_stop
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self.syncs = 0
        self.meter_report = MeterReport()
        self._metered_at = time.monotonic()

    # -- running ------------------------------------------------------------------------------
    def start(self) -> None:
        """One sync now, before the agent serves: guests the compute agent starts next (those
        that ran when the cloud stopped) find their taps in place."""
        self._ensure_fabric()
        self._report(None, starting=True)
        try:
            self.converge()
        except Exception:  # the loop tries again; the agent must still start
            LOG.exception("network agent: the first sync failed")
        self._thread = threading.Thread(target=self._loop, name="network-agent", daemon=True)
        self._thread.start()

    def sync(self, ctx: dict[str, Any] | None = None) -> None:
        """RPC: something changed; converge soon."""
        self._idle.clear()
        self._kick.set()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no kick is pending and the last sync is over (tests)."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._kick.wait(self.resync_interval)
            if self._stop.is_set():
                break
            time.sleep(DEBOUNCE)
            self._kick.clear()
            try:
                self.converge()
            except Exception:  # one bad sync must not end the agent; the next one retries
                LOG.exception("network agent: sync failed")
            if not self._kick.is_set():
                self._idle.set()

    def stop(self) -> None:
        self._stop.set()
        self._kick.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.metadata.stop()
        if self.api_relay is not None:
            self.api_relay.stop()
        if self.clean_on_stop:
            self.cleanup()

    # -- one sync -----------------------------------------------------------------------------
    def converge(self) -> None:
        top = self._hosted(topology.read(self.db))
        plan = planner.plan(top, self.namespaces, self.role)
        if plan.dhcp_ports_missing:
            for network_id in plan.dhcp_ports_missing:
                self.ports.ensure_dhcp_port(network_id)
            top = self._hosted(topology.read(self.db))
            plan = planner.plan(top, self.namespaces, self.role)
        self._ensure_fabric()
        present = set(self.ip.namespaces_here())
        for network_id in plan.dhcp:
            if self.namespaces.dhcp(network_id) not in present:
                self.ip.add_namespace(self.namespaces.dhcp(network_id))
        for router_id in plan.l3.routers:
            self.routers.ensure(router_id, present)
        if plan.l3.ext:
            self.ext.ensure()
            self._relay_api()
        self.fabric.converge(plan.fabric)
        self.firewall.converge(plan.filtered, plan.marks)
        statuses: dict[str, str] = {}
        for router_id, router in plan.l3.routers.items():
            try:
                self.routers.converge(router)
                statuses[router_id] = c.ACTIVE
            except Exception as exc:  # the other routers still get theirs
                LOG.warning("network agent: router %s failed: %s", router_id, exc)
                statuses[router_id] = c.ERROR
        if self.router_status is not None and statuses:
            self.router_status(statuses)
        self.ext.converge(plan.l3.ext)
        self._top = top
        for network_id, want in plan.dhcp.items():
            try:
                self.dhcp.configure_leg(want)
                self.dhcp.converge_server(want)
            except Exception as exc:  # the other networks still get theirs
                LOG.warning("network agent: DHCP for network %s failed: %s", network_id, exc)
        if self.role.network_node:
            # After the DHCP legs: an isolated network's proxy binds 169.254.169.254 there.
            self._serve_metadata(plan)
            self._remove_stale(set(plan.dhcp), set(plan.l3.routers))
        present = self.fabric.present_ports()
        for port_id in plan.to_wire:
            subport = port_id in plan.fabric.vlans
            if names.port_device(port_id, subport) in present and (
                    not subport or port_id in self.fabric.carried):
                self.ports.port_wired(port_id, True)
        if self.floating_ips is not None and self._fip_status:
            self.floating_ips.report_status(self._fip_status)
        self._report(plan)
        self._meter(plan, top)
        self.syncs += 1

    def _meter(self, plan: planner.Plan, top: Topology) -> None:
        """Every ``METER_INTERVAL`` seconds: what each metering label counted on this host's
        routers since the last time, as Neutron's metering agent's ``l3.meter``."""
        if time.monotonic() - self._metered_at < METER_INTERVAL:
            return
        self._metered_at = time.monotonic()
        counts = {rid: self.routers.counters(rid) for rid, want in plan.l3.routers.items()
                  if want.meters}
        projects = {m.label_id: m.project_id for m in top.meters}
        for payload in self.meter_report.deltas(counts, projects, self.host):
            self.ports.notifier.notify("l3.meter", payload)

    def _hosted(self, top: Topology) -> Topology:
        """The model cut down to what this host's agents host: its routers, and DHCP only on
        its networks. Unhosted networks needing DHCP are taken at every sync; unhosted routers
        only at the first (the API schedules a router when it changes)."""
        if self.schedulers is None or not self.role.network_node:
            return top
        legs = {p.device_id for p in top.ports.values() if p.owner == c.OWNER_ROUTER_INTERFACE}
        routers = {r.id for r in top.routers.values() if r.gw_port_id or r.id in legs}
        networks = {s.network_id for s in top.subnets.values()
                    if s.enable_dhcp and s.ip_version == 4}
        hosting = self.schedulers.claim(self.host, routers, networks,
                                        include_routers=self.syncs == 0)
        # Floating IPs follow their router: up where it is here, down where nothing hosts it.
        self._fip_status = {
            f.id: c.ACTIVE if f.router_id in hosting.routers else c.DOWN
            for f in top.floating_ips.values() if f.port_id and f.router_id
            and f.router_id in hosting.routers | hosting.unhosted_routers}
        top.routers = {rid: r for rid, r in top.routers.items() if rid in hosting.routers}
        top.subnets = {sid: s if s.network_id in hosting.networks
                       else replace(s, enable_dhcp=False) for sid, s in top.subnets.items()}
        return top

    def _report(self, plan: planner.Plan | None, starting: bool = False) -> None:
        if self.agents is None:
            return
        try:
            self.agents.report(self.host, reports(plan, self.role.network_node),
                               starting=starting)
        except Exception:  # a missed heartbeat only shows the agent late; the data plane is fine
            LOG.exception("network agent: reporting its state failed")

    def _ensure_fabric(self) -> None:
        self.fabric.ensure()
        if self.underlay is not None:
            self.underlay.ensure()

    def _relay_api(self) -> None:
        if self.api_relay is None:
            return
        try:
            self.api_relay.ensure(self.namespaces.ext)
        except OSError as exc:  # another agent of this cloud on this machine relays already
            LOG.warning("network agent: cannot relay the APIs into %s: %s",
                        self.namespaces.ext, exc)

    def _serve_metadata(self, plan: planner.Plan) -> None:
        """A metadata proxy in every router's namespace (reached through its NAT), and on
        169.254.169.254 in the DHCP namespace of every network no router serves."""
        listeners = {f"router:{rid}": (self.namespaces.router(rid), "0.0.0.0", METADATA_PORT)
                     for rid in plan.l3.routers}
        listeners.update({f"network:{nid}": (self.namespaces.dhcp(nid), METADATA_ADDRESS, 80)
                          for nid, want in plan.dhcp.items() if want.metadata})
        self.metadata.converge(listeners)

    def _guest_at(self, key: str, address: str) -> tuple[str, str] | None:
        """(instance, project) of the guest port with ``address`` on one of the networks of
        ``key``: a router's ("router:<id>") or one network ("network:<id>"); the metadata
        proxy's question."""
        top = self._top
        kind, _, ident = key.partition(":")
        networks = {ident} if kind == "network" else {
            p.network_id for p in top.ports.values()
            if p.owner == c.OWNER_ROUTER_INTERFACE and p.device_id == ident}
        for port in top.ports.values():
            if port.network_id in networks and port.owner.startswith("compute:") \
                    and any(ip == address for _, ip in port.ips):
                return port.device_id, port.project_id
        return None

    def _remove_stale(self, dhcp_networks: set[str], routers: set[str]) -> None:
        for network_id in self.dhcp.served() - dhcp_networks:
            LOG.info("network agent: network %s needs no DHCP server here any more", network_id)
            self.dhcp.remove(network_id)
        for router_id in self.radvd.advertising() - routers:
            self.radvd.remove(router_id)
        dhcp_prefix, router_prefix = self.namespaces.dhcp(""), self.namespaces.router("")
        for ns in self.ip.namespaces_here():
            if self._unused_fabric(ns):
                LOG.info("network agent: %s belongs to no host this machine plays; removing it",
                         ns)
                self.ip.delete_namespace(ns)
                continue
            if ns.startswith(dhcp_prefix) and ns[len(dhcp_prefix):] not in dhcp_networks:
                self.ip.delete_namespace(ns)
            elif ns.startswith(router_prefix) and ns[len(router_prefix):] not in routers:
                LOG.info("network agent: router %s is gone; removing its namespace",
                         ns[len(router_prefix):])
                self.routers.remove(ns[len(router_prefix):])

    def _unused_fabric(self, ns: str) -> bool:
        if ns == self.namespaces.underlay:
            return self.underlay is None
        return (ns == self.namespaces.fabric or ns.startswith(f"{self.namespaces.fabric}-")) \
            and ns not in self.fabrics

    def cleanup(self) -> None:
        """Remove every namespace, device and server this cloud made on the machine (a host
        that is not the network node removes its own fabric)."""
        if not self.role.network_node:
            self.ip.delete_namespace(self.fabric.ns)
            return
        for network_id in self.dhcp.served():
            self.dhcp.remove(network_id)
        for router_id in self.radvd.advertising():
            self.radvd.remove(router_id)
        for ns in self.ip.namespaces_here():
            self.ip.delete_namespace(ns)
        LOG.info("network agent: removed the cloud's namespaces")
