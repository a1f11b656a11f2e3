"""Object storage (the Swift API): how the service plugs into the cloud."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.plugins import load_driver
from nimbus.object.api import accounts, containers, info, object_writes, objects
from nimbus.object.drivers.base import ObjectDriver
from nimbus.object.manager import Manager
from nimbus.object.objects import ObjectManager
from nimbus.object.policies import RULES

if TYPE_CHECKING:
    from nimbus.core.platform import Platform

router = Router()
for _module in (info, accounts, containers, objects, object_writes):
    router.include(_module.router)


@dataclass
class ObjectService:
    """The service's state: the index rules and the byte store they drive."""

    manager: Manager
    objects: ObjectManager
    driver: ObjectDriver


def start(cloud: Platform) -> ObjectService:
    driver = load_driver("object", cloud.settings.object.driver)(cloud.settings)
    return ObjectService(Manager(cloud.db), ObjectManager(cloud.db, driver), driver)


def health(state: ObjectService) -> dict[str, Any]:
    return state.driver.health()


SERVICE = ServiceDef(
    name="object",
    service_type="object-store",
    prefix="/object",
    endpoint_path="/v1/AUTH_$(project_id)s",
    fault_style="swift",
    router=router,
    policy=RULES,
    start=start,
    health=health,
    keep_trailing_slash=True,
)
