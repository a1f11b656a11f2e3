"""The compute agent: one per hypervisor host (``host.py``), doing its work on the host's guests
(``work.py``) and taking up, when it starts, what a crash cut short (``recovery.py``)."""

from nimbus.compute.agent.host import ComputeAgent
from nimbus.compute.agent.work import AgentDeps

__all__ = ["AgentDeps", "ComputeAgent"]
