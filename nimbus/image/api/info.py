"""``/v2/info/*``: the import methods and stores this cloud offers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.state import ImageState

router = Router()


@router.get("/v2/info/import", policy_free=True)
def import_info(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The import methods this cloud offers."""
    return {"import-methods": {"description": "Import methods available.", "type": "array",
                               "value": req.svc.importer.methods()}}


@router.get("/v2/info/stores", policy_free=True)
def stores_info(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The stores, highest weight first."""
    return {"stores": [s.info() for s in req.svc.stores.ordered]}


@router.get("/v2/info/stores/detail")
def stores_detail(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The stores with their drivers' properties (admins)."""
    req.enforce("stores_info_detail")
    return {"stores": [s.info(detail=True) for s in req.svc.stores.ordered]}
