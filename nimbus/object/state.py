"""Object storage's state in one process: the index's managers and the byte store they drive."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver
from nimbus.object.drivers.base import ObjectDriver
from nimbus.object.manager.accounts import AccountManager
from nimbus.object.manager.containers import ContainerManager
from nimbus.object.manager.expirer import Expirer
from nimbus.object.manager.large_objects import LargeObjects
from nimbus.object.manager.objects import ObjectManager


@dataclass
class ObjectState:
    accounts: AccountManager
    containers: ContainerManager
    objects: ObjectManager
    driver: ObjectDriver
    # Started with the API's workers (``service.workers``), not here.
    expirer: Expirer


def build(platform: Platform) -> ObjectState:
    settings = platform.settings
    driver: ObjectDriver = load_driver("object", settings.object.driver)(settings)
    conf = settings.object
    accounts = AccountManager(platform.db)
    objects = ObjectManager(platform.db, driver, LargeObjects(platform.db, driver))
    return ObjectState(
        accounts=accounts,
        containers=ContainerManager(platform.db, accounts),
        objects=objects,
        driver=driver,
        expirer=Expirer(objects, interval=conf.expirer_interval, batch=conf.expirer_batch,
                        audit_interval=conf.audit_interval),
    )
