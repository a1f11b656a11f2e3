"""Client for the Placement API: resource providers, inventories, candidates and allocations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nimbus.clients.base import ServiceClient
from nimbus.core import errors


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

    def create_child(self, name: str, parent: str) -> dict[str, Any]:
        """A provider under ``parent`` (a nested tree: a host's NIC under its compute node)."""
        body = {"name": name, "parent_provider_uuid": parent}
        return self.post("/resource_providers", body, microversion="1.20")  # type: ignore[no-any-return]

    def ensure_trait(self, name: str) -> None:
        """A custom trait, made if missing (``PUT /traits/CUSTOM_...`` is idempotent)."""
        self.put(f"/traits/{name}", None, microversion="1.6")

    def set_traits(self, rp_uuid: str, traits: list[str], generation: int) -> dict[str, Any]:
        body = {"traits": traits, "resource_provider_generation": generation}
        return self.put(f"/resource_providers/{rp_uuid}/traits", body,  # type: ignore[no-any-return]
                        microversion="1.6")

    def get_inventories(self, rp_uuid: str) -> dict[str, Any]:
        return self.get(f"/resource_providers/{rp_uuid}/inventories")  # type: ignore[no-any-return]

    def set_inventories(self, rp_uuid: str, generation: int,
                        inventories: dict[str, dict[str, Any]]) -> dict[str, Any]:
        body = {"resource_provider_generation": generation, "inventories": inventories}
        return self.put(f"/resource_providers/{rp_uuid}/inventories", body)  # type: ignore[no-any-return]

    def delete_provider(self, rp_uuid: str) -> None:
        """Delete the provider; a 409 (it still holds allocations) raises Conflict."""
        self.delete(f"/resource_providers/{rp_uuid}", ok=(404,))

    def get_usages(self, rp_uuid: str) -> dict[str, int]:
        reply = self.get(f"/resource_providers/{rp_uuid}/usages")
        return dict(reply.get("usages") or {})

    def get_aggregates(self, rp_uuid: str) -> tuple[list[str], int]:
        """The provider's aggregates and its generation (to write them back)."""
        reply = self.get(f"/resource_providers/{rp_uuid}/aggregates", microversion="1.19")
        return list(reply["aggregates"]), int(reply["resource_provider_generation"])

    def set_aggregates(self, rp_uuid: str, aggregates: list[str], generation: int) -> None:
        """Replace the provider's aggregates; a changed generation raises Conflict."""
        body = {"aggregates": aggregates, "resource_provider_generation": generation}
        self.put(f"/resource_providers/{rp_uuid}/aggregates", body, microversion="1.19")

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

    def provider_summaries(self, resources: dict[str, int]) -> dict[str, Any]:
        """The provider summaries of the allocation candidates for ``resources``: every
        provider with room for them, with the capacity and usage of each of its resource
        classes (1.27+: all of them, not only the ones asked for)."""
        wanted = ",".join(f"{rc}:{amount}" for rc, amount in sorted(resources.items()) if amount > 0)
        reply = self.get(f"/allocation_candidates?{urlencode({'resources': wanted})}",
                         microversion="1.27")
        return dict(reply.get("provider_summaries") or {})

    def claim_new(self, claims: dict[str, dict[str, Any]]) -> None:
        """``POST /allocations``: many new consumers' claims (``{consumer: {"allocations",
        "project_id", "user_id"}}``) written all at once or not at all. Each consumer must not
        exist yet; if one does, ConsumerGenerationConflict, and any other refusal (one of the
        providers has no room left) Conflict, with nothing written."""
        body = {consumer: {**claim, "consumer_generation": None}
                for consumer, claim in claims.items()}
        self._refused(self.post("/allocations", body, microversion="1.28", ok=(409,)))

    @staticmethod
    def _refused(reply: Any) -> None:
        """Raise what a 409 from an allocation write means (None: it was written)."""
        if reply is None:
            return
        error = (reply.get("errors") or [{}])[0] if isinstance(reply, dict) else {}
        detail = str(error.get("detail") or "Conflict")
        if error.get("code") == "placement.concurrent_update":
            raise errors.ConsumerGenerationConflict(reason=detail)
        raise errors.Conflict(detail)

    def candidates(self, query: list[tuple[str, str]]) -> dict[str, Any]:
        """``GET /allocation_candidates`` with request groups of their own (1.36: suffixed
        groups, ``same_subtree``, and which provider each group took, ``mappings``)."""
        return self.get(f"/allocation_candidates?{urlencode(query)}",  # type: ignore[no-any-return]
                        microversion="1.36")

    def allocations_of(self, consumer: str) -> dict[str, Any]:
        """provider uuid -> ``{"resources": {...}}`` the consumer holds."""
        reply = self.get(f"/allocations/{consumer}", microversion="1.28") or {}
        return {rp: {"resources": dict(held.get("resources") or {})}
                for rp, held in (reply.get("allocations") or {}).items()}

    def consumer(self, consumer: str) -> dict[str, Any]:
        """``GET /allocations/{consumer}`` (1.28): allocations, project, user, generation."""
        return dict(self.get(f"/allocations/{consumer}", microversion="1.28") or {})

    def consumer_generation(self, consumer: str) -> int | None:
        """The consumer's generation, or None when it holds nothing (and so does not exist)."""
        reply = self.get(f"/allocations/{consumer}", microversion="1.28") or {}
        found = reply.get("consumer_generation")
        return int(found) if found is not None else None

    def replace_allocations(self, consumer: str, allocations: dict[str, Any], project_id: str,
                            user_id: str, generation: int | None) -> None:
        """``PUT /allocations/{consumer}`` guarded by the consumer's generation (None: the
        consumer must not exist yet). A changed consumer raises ConsumerGenerationConflict;
        any other 409 (not enough capacity left, say) raises Conflict."""
        body = {"allocations": allocations, "project_id": project_id, "user_id": user_id,
                "consumer_generation": generation}
        self._refused(self.put(f"/allocations/{consumer}", body, microversion="1.28",
                               ok=(409,)))
