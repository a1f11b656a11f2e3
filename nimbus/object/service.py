"""Object storage (the Swift API): how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, Worker
from nimbus.core.platform import Platform
from nimbus.object.api import accounts, containers, info, object_writes, objects
from nimbus.object.api.common import trans_id
from nimbus.object.policies import RULES
from nimbus.object.state import ObjectState, build

router = Router()
for _module in (info, accounts, containers, objects, object_writes):
    router.include(_module.router)


def workers(platform: Platform, state: ObjectState, roles: set[str]) -> list[Worker]:
    """The expirer runs beside the API: a pass at start, then one every interval."""
    if "api" not in roles:
        return []
    return [state.expirer.start()]


def health(state: ObjectState) -> dict[str, Any]:
    return state.driver.health()


SERVICE = ServiceDef[ObjectState](
    name="object",
    service_type="object-store",
    prefix="/object",
    endpoint_path="/v1/AUTH_$(project_id)s",
    fault_style="swift",
    router=router,
    policy=RULES,
    start=build,
    health=health,
    workers=workers,
    # Every Swift answer, faults included, carries its transaction id.
    response_headers=lambda request_id: {"X-Trans-Id": trans_id(request_id)},
    keep_trailing_slash=True,
    own_name_checks=True,
)
