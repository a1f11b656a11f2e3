"""What each compute host's NIC can guarantee, in Placement, as Neutron's agents report it.

Under each compute node's provider (named after its host) go the host's network agent
(``<host>:Linux Bridge agent``, which holds the packet rate, trait ``CUSTOM_VNIC_TYPE_NORMAL``)
and, under that, its NIC on the physical network (``<host>:Linux Bridge agent:<physnet>``,
which holds the egress and ingress bandwidth, traits ``CUSTOM_PHYSNET_<NAME>`` and
``CUSTOM_VNIC_TYPE_NORMAL``). Compute claims a port's minimum bandwidth and packet rate from
them (the port's ``resource_request``). Reported for every compute node Placement has, again
as hosts come, by a thread of the network service.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.conf.network import NetworkSettings
from nimbus.core.errors import NimbusError
from nimbus.core.periodic import after_start

LOG = logging.getLogger(__name__)
AGENT = "Linux Bridge agent"
VNIC_NORMAL = "CUSTOM_VNIC_TYPE_NORMAL"
BW_EGRESS, BW_INGRESS = "NET_BW_EGR_KILOBIT_PER_SEC", "NET_BW_IGR_KILOBIT_PER_SEC"
PACKET_RATE = "NET_PACKET_RATE_KILOPACKET_PER_SEC"
# Seconds between looks for new compute nodes.
INTERVAL = 10.0


def physnet_trait(physnet: str) -> str:
    """Neutron's trait for a physical network: upper case, anything else an underscore."""
    return "CUSTOM_PHYSNET_" + "".join(c if c.isalnum() else "_" for c in physnet.upper())


def _inventory(total: int) -> dict[str, Any]:
    return {"total": total, "reserved": 0, "min_unit": 1, "max_unit": total, "step_size": 1,
            "allocation_ratio": 1.0}


class BandwidthProviders:
    def __init__(self, placement: PlacementClient, settings: NetworkSettings,
                 started: threading.Event | None = None) -> None:
        self.placement = placement
        self.settings = settings
        self.started = started
        self.done: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="network-placement",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        if not after_start(self.started, self._stop):
            return
        while True:
            try:
                self.report()
            except NimbusError as exc:  # Placement not up yet: the next round tries again
                LOG.info("network: reporting NICs to Placement failed: %s", exc)
            except Exception:  # the thread must outlive any one round
                LOG.exception("network: reporting NICs to Placement failed")
            if self._stop.wait(INTERVAL):
                break

    def report(self) -> None:
        """Providers for every compute node that has none yet."""
        if self.settings.nic_bandwidth_kbps <= 0 and self.settings.nic_packet_rate_kpps <= 0:
            return
        providers = self.placement.list_providers()
        names = {p["name"] for p in providers}
        for node in providers:
            host = str(node["name"])
            if node.get("parent_provider_uuid") or ":" in host or host in self.done:
                continue
            if f"{host}:{AGENT}:{self.settings.physnet}" not in names:
                self._report_host(host, str(node["uuid"]))
            self.done.add(host)

    def _report_host(self, host: str, node: str) -> None:
        physnet = physnet_trait(self.settings.physnet)
        for trait in (VNIC_NORMAL, physnet):
            self.placement.ensure_trait(trait)
        agent = self.placement.create_child(f"{host}:{AGENT}", node)
        nic = self.placement.create_child(f"{host}:{AGENT}:{self.settings.physnet}",
                                          str(agent["uuid"]))
        generation = int(agent["generation"])
        if self.settings.nic_packet_rate_kpps > 0:
            made = self.placement.set_inventories(
                str(agent["uuid"]), generation,
                {PACKET_RATE: _inventory(self.settings.nic_packet_rate_kpps)})
            generation = int(made["resource_provider_generation"])
        self.placement.set_traits(str(agent["uuid"]), [VNIC_NORMAL], generation)
        generation = int(nic["generation"])
        if self.settings.nic_bandwidth_kbps > 0:
            total = _inventory(self.settings.nic_bandwidth_kbps)
            made = self.placement.set_inventories(str(nic["uuid"]), generation,
                                                  {BW_EGRESS: total, BW_INGRESS: total})
            generation = int(made["resource_provider_generation"])
        self.placement.set_traits(str(nic["uuid"]), [VNIC_NORMAL, physnet], generation)
        LOG.info("network: %s's NIC on %s reported to Placement", host, self.settings.physnet)
