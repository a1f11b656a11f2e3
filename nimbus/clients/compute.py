"""Client for the Compute API (Nova v2.1): what other services tell compute about its servers."""

from __future__ import annotations

from typing import Any

from nimbus.clients.base import ServiceClient


class ComputeClient(ServiceClient):
    service_type = "compute"
    microversion_service = "compute"

    def external_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send ``os-server-external-events`` (``network-changed``, ``network-vif-deleted``...);
        each event comes back with its own ``code``. A 404 (no server known) is not an error
        for the sender: the server may have gone meanwhile."""
        # 2.51 brings volume-extended; the network events are known at any version.
        reply = self.post("/os-server-external-events", {"events": events}, ok=(404,),
                          microversion="2.51")
        return list((reply or {}).get("events") or [])

    def volume_attachment(self, server_id: str, volume_id: str) -> dict[str, Any] | None:
        """The server's attachment of the volume as compute knows it (2.89 names the volume
        service's attachment), or None when the server or the attachment is not there."""
        reply = self.get(f"/servers/{server_id}/os-volume_attachments/{volume_id}", ok=(404,),
                         microversion="2.89")
        return (reply or {}).get("volumeAttachment") or None
