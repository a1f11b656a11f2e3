"""Client for the Block Storage API (Cinder v3): volumes and the attachments API (3.27+)."""

from __future__ import annotations

from typing import Any

from nimbus.clients.base import ServiceClient, item_path

# 3.44 is the first version with ``os-complete`` on attachments.
ATTACH_VERSION = "3.44"


class VolumeClient(ServiceClient):
    service_type = "block-storage"
    microversion_service = "volume"

    def get_volume(self, volume_id: str) -> dict[str, Any]:
        return self.get(item_path("/volumes", volume_id))["volume"]  # type: ignore[no-any-return]

    def create_attachment(self, volume_id: str, instance_uuid: str,
                          connector: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"volume_uuid": volume_id, "instance_uuid": instance_uuid}
        if connector is not None:
            body["connector"] = connector
        reply = self.post("/attachments", {"attachment": body}, microversion=ATTACH_VERSION)
        return reply["attachment"]  # type: ignore[no-any-return]

    def update_attachment(self, attachment_id: str, connector: dict[str, Any],
                          mountpoint: str | None = None) -> dict[str, Any]:
        # Cinder keeps the guest's device from the connector: what a volume shows as
        # ``attachments[].device``.
        if mountpoint:
            connector = {**connector, "mountpoint": mountpoint}
        reply = self.put(f"/attachments/{attachment_id}", {"attachment": {"connector": connector}},
                         microversion=ATTACH_VERSION)
        return reply["attachment"]  # type: ignore[no-any-return]

    def complete_attachment(self, attachment_id: str) -> None:
        self.post(f"/attachments/{attachment_id}/action", {"os-complete": None},
                  microversion=ATTACH_VERSION)

    def delete_attachment(self, attachment_id: str) -> None:
        self.delete(f"/attachments/{attachment_id}", microversion=ATTACH_VERSION, ok=(404,))

    def encryption_secret(self, volume_id: str) -> dict[str, Any]:
        """An encrypted volume's key (``passphrase``) and encryption, for the compute host
        that opens it (the service role only)."""
        return self.get(f"/volumes/{volume_id}/encryption_secret")["secret"]  # type: ignore[no-any-return]

    def create_volume(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.post("/volumes", {"volume": spec})["volume"]  # type: ignore[no-any-return]

    def delete_volume(self, volume_id: str, *, missing_ok: bool = True) -> None:
        self.delete(f"/volumes/{volume_id}", ok=(404,) if missing_ok else ())

    def list_volumes(self) -> list[dict[str, Any]]:
        """Every volume the caller sees, in full (``/volumes/detail``)."""
        return self.get("/volumes/detail")["volumes"]  # type: ignore[no-any-return]

    def volume_action(self, volume_id: str, action: str, args: Any = None) -> Any:
        """``POST /volumes/{id}/action`` with one action (``os-begin_detaching``...)."""
        return self.post(f"/volumes/{volume_id}/action", {action: {} if args is None else args})

    def migrate_volume_completion(self, old_volume_id: str, new_volume_id: str,
                                  error: bool) -> dict[str, Any]:
        """Tell Cinder a migration's data copy is over; the id the server keeps using."""
        reply = self.volume_action(old_volume_id, "os-migrate_volume_completion",
                                   {"new_volume": new_volume_id, "error": error})
        return dict(reply or {"save_volume_id": new_volume_id})

    def complete_extend(self, volume_id: str, error: bool) -> None:
        """Tell Cinder that compute grew the attached volume it left ``extending`` (or not)."""
        self.post(f"/volumes/{volume_id}/action", {"os-extend_volume_completion":
                                                   {"error": error}}, microversion="3.71")

    def get_attachment(self, attachment_id: str) -> dict[str, Any]:
        reply = self.get(f"/attachments/{attachment_id}", microversion=ATTACH_VERSION)
        return reply["attachment"]  # type: ignore[no-any-return]

    def create_snapshot(self, volume_id: str, name: str | None, force: bool = False,
                        description: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"snapshot": {"volume_id": volume_id, "name": name,
                                             "force": force}}
        if description is not None:
            body["snapshot"]["description"] = description
        return self.post("/snapshots", body)["snapshot"]  # type: ignore[no-any-return]

    def list_snapshots(self) -> list[dict[str, Any]]:
        """Every snapshot the caller sees, in full (``/snapshots/detail``)."""
        return self.get("/snapshots/detail")["snapshots"]  # type: ignore[no-any-return]

    def get_snapshot(self, snapshot_id: str) -> dict[str, Any]:
        return self.get(item_path("/snapshots", snapshot_id))["snapshot"]  # type: ignore[no-any-return]

    def delete_snapshot(self, snapshot_id: str, *, missing_ok: bool = True) -> None:
        self.delete(f"/snapshots/{snapshot_id}", ok=(404,) if missing_ok else ())
