"""``/v2/info/*``: the import methods and stores this cloud offers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.image.data import IMPORT_METHODS

router = Router()


@router.get("/v2/info/import", policy_free=True)
def import_info(req: ApiRequest) -> dict[str, Any]:
    return {"import-methods": {"description": "Import methods available.", "type": "array",
                               "value": list(IMPORT_METHODS)}}


@router.get("/v2/info/stores", policy_free=True)
def stores_info(req: ApiRequest) -> dict[str, Any]:
    store = req.svc.store
    return {"stores": [{"id": store.name, "description": store.description, "default": True}]}


@router.get("/v2/info/stores/detail")
def stores_detail(req: ApiRequest) -> dict[str, Any]:
    req.enforce("stores_info_detail")
    store = req.svc.store
    caps = store.capabilities()
    return {"stores": [{"id": store.name, "description": store.description, "default": True,
                        "type": store.name, "properties": caps}]}
