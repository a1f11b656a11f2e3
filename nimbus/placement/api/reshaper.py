"""/reshaper (1.30+): move inventory and allocations between providers at once."""

from __future__ import annotations

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.allocations import to_request
from nimbus.placement.manager.common import normalise_uuid
from nimbus.placement.manager.reshaper import ProviderInventories
from nimbus.placement.schemas import allocations as schemas
from nimbus.placement.state import PlacementState

router = Router()


@router.post("/reshaper", status=204, min_version="1.30", body=schemas.RESHAPE, faults=(409,),
             policy="placement:reshaper:reshape")
def reshape(req: ApiRequest[PlacementState]) -> None:
    """Replace some providers' inventories and some consumers' allocations in one go."""
    data = req.json
    inventories = [ProviderInventories(normalise_uuid(uuid), item["resource_provider_generation"],
                                       item["inventories"])
                   for uuid, item in data["inventories"].items()]
    wanted = [to_request(req, normalise_uuid(uuid), item)
              for uuid, item in data["allocations"].items()]
    req.svc.reshaper.reshape(inventories, wanted, req.at_least("1.26"))
