"""Image (Glance v2): how the service plugs into the cloud."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.plugins import load_driver
from nimbus.image import bootstrap as first_start
from nimbus.image import quotas as image_quotas
from nimbus.image import stores as image_stores
from nimbus.image.api import (
    cache,
    discovery,
    image_data,
    images,
    info,
    locations,
    members,
    metadef_items,
    metadefs,
    schemas,
    stores,
    tasks,
)
from nimbus.image.data import ImageData
from nimbus.image.drivers.base import ImageStore
from nimbus.image.drivers.file import FileStore
from nimbus.image.imports import Importer
from nimbus.image.location_import import LocationImporter
from nimbus.image.location_manager import LocationManager
from nimbus.image.manager import ImageManager
from nimbus.image.members import MemberManager
from nimbus.image.metadefs import MetadefManager
from nimbus.image.node_cache import NodeCache
from nimbus.image.policies import RULES
from nimbus.image.tasks import TaskManager

if TYPE_CHECKING:
    from nimbus.core.platform import Platform

router = Router()
for module in (discovery, schemas, info, images, image_data, members, tasks, stores, metadefs,
               metadef_items, locations, cache):
    router.include(module.router)


@dataclass
class ImageService:
    store: ImageStore
    manager: ImageManager
    data: ImageData
    members: MemberManager
    stores: image_stores.Stores
    tasks: TaskManager
    importer: Importer
    metadefs: MetadefManager
    settings: Any = None
    locations: LocationManager | None = None
    location_import: LocationImporter | None = None
    # Glance's ``show_multiple_locations``: images carry ``locations`` and the JSON patch may
    # edit them (``image_show_multiple_locations``, on by default).
    show_locations: bool = False
    quotas: image_quotas.ImageQuotas | None = None
    node_cache: NodeCache | None = None


def start(cloud: Platform) -> ImageService:
    store: ImageStore = load_driver("image", cloud.settings.image.store)(cloud.settings)
    # Staged bytes wait on this host's disk until their import, as Glance's staging area does.
    staging = FileStore(cloud.settings, root=Path(cloud.settings.state_dir) / "images-staging")
    manager = ImageManager(cloud.db, store, staging)
    conf = cloud.settings.image
    data = ImageData(manager, size_cap=conf.size_cap, strict_formats=conf.strict_formats)
    registry = image_stores.build(cloud, store)
    manager.stores = data.stores = registry
    task_manager = TaskManager(cloud.db)
    importer = Importer(cloud, data, task_manager, registry,
                        workers=conf.import_workers)
    data.importer = importer
    location_manager = LocationManager(manager, registry, cloud.settings)
    location_import = LocationImporter(
        location_manager, task_manager,
        do_secure_hash=conf.do_secure_hash, workers=conf.import_workers)
    manager.quotas = image_quotas.build(cloud)
    return ImageService(store, manager, data, MemberManager(manager), registry, task_manager,
                        importer, MetadefManager(cloud.db), cloud.settings, location_manager,
                        location_import,
                        conf.show_multiple_locations,
                        manager.quotas, NodeCache.for_settings(data, cloud.settings))


def workers(cloud: Platform, state: ImageService, roles: Any) -> list[Any]:
    # The import pools live as long as the API; stopping them drops queued imports.
    found: list[Any] = [state.importer,
                        *([state.location_import] if state.location_import else []),
                        *([state.node_cache] if state.node_cache else [])]
    limits = state.quotas.limits if state.quotas is not None else None
    if "api" in roles and isinstance(limits, image_quotas.IdentityLimits):
        found.append(image_quotas.LimitRegistration(limits))
    return found


def health(state: ImageService) -> dict[str, Any]:
    return {"store": state.store.name}


SERVICE = ServiceDef(
    name="image",
    service_type="image",
    prefix="/image",
    endpoint_path="",
    fault_style="glance",
    router=router,
    policy=RULES,
    start=start,
    bootstrap=first_start.bootstrap,
    health=health,
    workers=workers,
    # "/v2/images/" (no id) must stay distinct from "/v2/images": Glance answers it with 404.
    keep_trailing_slash=True,
)
