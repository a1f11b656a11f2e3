"""``/v2/info/*``: the import methods and stores this cloud offers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router

router = Router()


@router.get("/v2/info/import", policy_free=True)
def import_info(req: ApiRequest) -> dict[str, Any]:
    return {"import-methods": {"description": "Import methods available.", "type": "array",
                               "value": req.svc.importer.methods()}}


@router.get("/v2/info/stores", policy_free=True)
def stores_info(req: ApiRequest) -> dict[str, Any]:
    return {"stores": [s.info() for s in req.svc.stores.ordered]}


@router.get("/v2/info/stores/detail")
def stores_detail(req: ApiRequest) -> dict[str, Any]:
    req.enforce("stores_info_detail")
    return {"stores": [s.info(detail=True) for s in req.svc.stores.ordered]}
