"""Client for the Placement API: resource providers, inventories, candidates and allocations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nimbus.clients.base import ServiceClient


class PlacementClient(ServiceClient):
    service_type = "placement"
    microversion_service = "placement"

    def find_provider(self, name: str) -> dict[str, Any] | None:
        reply = self.get(f"/resource_providers?{urlencode({'name': name})}", microversion="1.20")
        providers = reply.get("resource_providers", [])
        return providers[0] if providers else None

    def list_providers(self) -> list[dict[str, Any]]:
        return self.get("/resource_providers", microversion="1.20")["resource_providers"]  # type: ignore[no-any-return]

    def create_provider(self, name: str, uuid: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if uuid:
            body["uuid"] = uuid
        return self.post("/resource_providers", body, microversion="1.20")  # type: ignore[no-any-return]

    def get_inventories(self, rp_uuid: str) -> dict[str, Any]:
        return self.get(f"/resource_providers/{rp_uuid}/inventories")  # type: ignore[no-any-return]

    def set_inventories(self, rp_uuid: str, generation: int,
                        inventories: dict[str, dict[str, Any]]) -> dict[str, Any]:
        body = {"resource_provider_generation": generation, "inventories": inventories}
        return self.put(f"/resource_providers/{rp_uuid}/inventories", body)  # type: ignore[no-any-return]

    def allocation_candidates(self, resources: dict[str, int], limit: int | None = None) -> dict[str, Any]:
        wanted = ",".join(f"{rc}:{amount}" for rc, amount in sorted(resources.items()) if amount > 0)
        query: dict[str, Any] = {"resources": wanted}
        if limit:
            query["limit"] = limit
        return self.get(f"/allocation_candidates?{urlencode(query)}", microversion="1.12")  # type: ignore[no-any-return]

    def claim(self, consumer: str, allocations: dict[str, Any], project_id: str,
              user_id: str) -> None:
        """``PUT /allocations/{consumer}``; a 409 (someone else got there first) raises Conflict."""
        body = {"allocations": allocations, "project_id": project_id, "user_id": user_id}
        self.put(f"/allocations/{consumer}", body, microversion="1.12")

    def delete_allocations(self, consumer: str) -> None:
        self.delete(f"/allocations/{consumer}", ok=(404,))
