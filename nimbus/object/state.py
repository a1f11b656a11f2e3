"""Object storage's state in one process: the index's managers and the byte store they drive."""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver
from nimbus.object.drivers.base import ObjectDriver
from nimbus.object.manager.account_acls import AccountAcls
from nimbus.object.manager.accounts import AccountManager
from nimbus.object.manager.container_sync import ContainerSync
from nimbus.object.manager.containers import ContainerManager
from nimbus.object.manager.expirer import Expirer
from nimbus.object.manager.large_objects import LargeObjects
from nimbus.object.manager.object_versioning import ObjectVersioning
from nimbus.object.manager.objects import ObjectManager
from nimbus.object.manager.quotas import Quotas
from nimbus.object.manager.s3_gateway import S3Gateway, build_gateway
from nimbus.object.manager.versioned_writes import VersionedWrites
from nimbus.object.schemas.sync import Realm


@dataclass
class ObjectState:
    accounts: AccountManager
    containers: ContainerManager
    objects: ObjectManager
    driver: ObjectDriver
    # Started with the API's workers (``service.workers``), not here.
    expirer: Expirer
    quotas: Quotas
    versions: VersionedWrites
    object_versions: ObjectVersioning
    # Started with the API's workers, as the expirer is.
    sync: ContainerSync
    # The S3 API's signature checks (through identity) and multipart uploads.
    s3: S3Gateway
    # X-Account-Access-Control: who else may use an account.
    account_acls: AccountAcls


def build(platform: Platform) -> ObjectState:
    settings = platform.settings
    driver: ObjectDriver = load_driver("object", settings.object.driver)(settings)
    conf = settings.object
    accounts = AccountManager(platform.db)
    objects = ObjectManager(platform.db, driver, LargeObjects(platform.db, driver))
    containers = ContainerManager(platform.db, accounts)
    return ObjectState(
        accounts=accounts,
        containers=containers,
        objects=objects,
        driver=driver,
        expirer=Expirer(objects, interval=conf.expirer_interval, batch=conf.expirer_batch,
                        audit_interval=conf.audit_interval),
        quotas=Quotas(platform.db, accounts),
        versions=VersionedWrites(platform.db, objects),
        object_versions=ObjectVersioning(platform.db, containers, objects),
        sync=ContainerSync(platform.db, objects, Realm(conf.sync_realm, conf.sync_cluster),
                           interval=conf.sync_interval),
        s3=build_gateway(platform, containers, objects),
        account_acls=AccountAcls(platform.db, accounts),
    )
