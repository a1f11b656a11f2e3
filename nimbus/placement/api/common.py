"""What the Placement API modules share: the policy names, provider bodies and path uuids."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.request import ApiRequest
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.manager.providers import ProviderView
from nimbus.placement.state import PlacementState


def enforce(req: ApiRequest[PlacementState], action: str) -> None:
    req.enforce(f"placement:{action}")


def provider_url(req: ApiRequest[PlacementState], uuid: str) -> str:
    return f"{req.prefix}/resource_providers/{uuid}"


def provider_body(req: ApiRequest[PlacementState], rp: ProviderView) -> dict[str, Any]:
    base = provider_url(req, rp.uuid)
    links = [{"rel": "self", "href": base},
             {"rel": "inventories", "href": f"{base}/inventories"},
             {"rel": "usages", "href": f"{base}/usages"}]
    if req.at_least("1.1"):
        links.append({"rel": "aggregates", "href": f"{base}/aggregates"})
    if req.at_least("1.6"):
        links.append({"rel": "traits", "href": f"{base}/traits"})
    if req.at_least("1.11"):
        links.append({"rel": "allocations", "href": f"{base}/allocations"})
    out: dict[str, Any] = {"uuid": rp.uuid, "name": rp.name, "generation": rp.generation,
                           "links": links}
    if req.at_least("1.14"):
        out["parent_provider_uuid"] = rp.parent_provider_uuid
        out["root_provider_uuid"] = rp.root_provider_uuid
    return out


def path_uuid(req: ApiRequest[PlacementState], key: str = "uuid") -> str:
    """A uuid path segment; one that is not a uuid cannot name anything, so it is a 404."""
    try:
        return normalise_uuid(req.params[key])
    except errors.BadRequest:
        raise errors.NotFound(f"No resource provider with uuid {req.params[key]} found.") from None
