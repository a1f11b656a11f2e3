"""The volume agent: the RPC endpoint (``endpoint``), its idempotent work on the backend
(``work``) and the start-up reconciliation of what a crash left behind (``recovery``)."""

from nimbus.volume.agent.endpoint import VolumeAgent
from nimbus.volume.agent.recovery import Reconciler
from nimbus.volume.agent.work import VolumeWork

__all__ = ["Reconciler", "VolumeAgent", "VolumeWork"]
