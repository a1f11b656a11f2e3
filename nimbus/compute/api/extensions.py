"""``/extensions``: the fixed list of what the v2 API's extensions were, by alias."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.schemas.extensions import BY_ALIAS, EXTENSIONS
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound

router = Router()


@router.get(f"{V}/extensions")
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """List the extensions."""
    req.enforce("os_compute_api:extensions", {})
    return {"extensions": EXTENSIONS}


@router.get(f"{V}/extensions/{{alias}}")
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show an extension, by its alias."""
    req.enforce("os_compute_api:extensions", {})
    found = BY_ALIAS.get(req.params["alias"])
    if found is None:
        raise NotFound("The resource could not be found.", resource="extension",
                       id=req.params["alias"])
    return {"extension": found}
