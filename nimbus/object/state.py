"""Object storage's state in one process: the index's managers and the byte store they drive."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver
from nimbus.object.drivers.base import ObjectDriver
from nimbus.object.manager.accounts import AccountManager
from nimbus.object.manager.containers import ContainerManager
from nimbus.object.manager.large_objects import LargeObjects
from nimbus.object.manager.objects import ObjectManager


@dataclass
class ObjectState:
    accounts: AccountManager
    containers: ContainerManager
    objects: ObjectManager
    driver: ObjectDriver


def build(platform: Platform) -> ObjectState:
    settings = platform.settings
    driver: ObjectDriver = load_driver("object", settings.object.driver)(settings)
    accounts = AccountManager(platform.db)
    return ObjectState(
        accounts=accounts,
        containers=ContainerManager(platform.db, accounts),
        objects=ObjectManager(platform.db, driver, LargeObjects(platform.db, driver)),
        driver=driver,
    )
