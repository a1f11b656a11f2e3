"""How the network service reaches its agents over the bus (topic ``network-agent``).

Agents converge on the whole model (``agent/host.py``), so a message carries no change: it
only asks every agent to look again, soon.
"""

from __future__ import annotations

from nimbus.core.bus.rpc import Bus, RpcClient

TOPIC = "network-agent"
RPC_VERSION = "1.0"


class NetworkAgentAPI:
    def __init__(self, bus: Bus) -> None:
        self.client = RpcClient(bus, TOPIC, RPC_VERSION)

    def sync(self) -> None:
        """Every agent syncs (a fanout: each one converges its own machine)."""
        self.client.fanout({}, "sync")
