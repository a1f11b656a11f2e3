"""The image service's state in one process: its stores, managers and background workers, built
once at start-up from the platform's settings, database and service credentials."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nimbus.clients.identity import IdentityClient
from nimbus.clients.object import ObjectClient
from nimbus.core.diskimage import convert
from nimbus.core.platform import Platform
from nimbus.core.plugins import load_driver
from nimbus.image.drivers import fetch
from nimbus.image.drivers.base import ImageStore
from nimbus.image.drivers.file import FileStore
from nimbus.image.drivers.object import ObjectStore
from nimbus.image.manager import quotas as image_quotas
from nimbus.image.manager.data import ImageData
from nimbus.image.manager.images import ImageManager
from nimbus.image.manager.import_worker import ImportWorker
from nimbus.image.manager.imports import Importer
from nimbus.image.manager.location_import import LocationImporter
from nimbus.image.manager.locations import LocationManager
from nimbus.image.manager.members import MemberManager
from nimbus.image.manager.metadefs import MetadefManager
from nimbus.image.manager.node_cache import NodeCache, cache_root
from nimbus.image.manager.recovery import Recovery
from nimbus.image.manager.stores import Store, Stores, configured
from nimbus.image.manager.tasks import TaskManager

# The service user the image service calls other services as.
SERVICE_USER = "glance"


@dataclass
class ImageState:
    # The primary store, and every store of the cloud (the primary one among them).
    store: ImageStore
    stores: Stores
    images: ImageManager
    data: ImageData
    members: MemberManager
    tasks: TaskManager
    importer: Importer
    metadefs: MetadefManager
    locations: LocationManager
    location_import: LocationImporter
    # What a stopped process left half-done; reconciled when the API's workers start.
    recovery: Recovery
    quotas: image_quotas.ImageQuotas
    node_cache: NodeCache
    # Glance's ``show_multiple_locations``: images carry ``locations`` and the JSON patch may
    # edit them.
    show_locations: bool


def _driver(platform: Platform, name: str) -> ImageStore:
    if name == "object":
        return ObjectStore(platform.settings, client=ObjectClient(platform, SERVICE_USER))
    driver: ImageStore = load_driver("image", name)(platform.settings)
    return driver


def build_stores(platform: Platform, primary: ImageStore) -> Stores:
    """The cloud's stores (``stores.configured``); ``primary`` serves the first one."""
    conf = platform.settings.image
    pairs = configured(conf, platform.runs("object"))
    default_id = conf.default_store or pairs[0][0]
    stores = []
    for i, (sid, drv) in enumerate(pairs):
        driver = primary if i == 0 and primary.name == drv else _driver(platform, drv)
        stores.append(Store(sid, driver, weight=100 - 10 * i, default=sid == default_id,
                            read_only=driver.read_only))
    return Stores(stores)


def build_quotas(platform: Platform) -> image_quotas.ImageQuotas:
    """Unified limits when an identity service runs (or ``image.use_keystone_limits`` says
    so), the settings' defaults alone otherwise."""
    conf = platform.settings.image
    defaults = image_quotas.defaults_from(conf)
    limits: image_quotas.IdentityLimits | image_quotas.StaticLimits
    use_keystone = conf.use_keystone_limits
    if use_keystone is None:
        use_keystone = platform.runs("identity")
    if use_keystone:
        limits = image_quotas.IdentityLimits(IdentityClient(platform, SERVICE_USER),
                                             platform.settings.region, defaults,
                                             conf.limits_cache_seconds)
    else:
        limits = image_quotas.StaticLimits(defaults)
    return image_quotas.ImageQuotas(platform.db, limits)


def build(platform: Platform) -> ImageState:
    settings = platform.settings
    conf = settings.image
    store: ImageStore = load_driver("image", conf.store)(settings)
    # Staged bytes wait on this host's disk until their import, as Glance's staging area does.
    staging = FileStore(settings, root=Path(settings.state_dir) / "images-staging")
    stores = build_stores(platform, store)
    quotas = build_quotas(platform)
    images = ImageManager(platform.db, store, staging, stores, quotas)
    data = ImageData(images, size_cap=conf.size_cap, strict_formats=conf.strict_formats)
    tasks = TaskManager(platform.db)
    allowed = fetch.allow_list(conf.web_download_allow)
    remote = fetch.RemoteImages(lambda: platform.creds.session(SERVICE_USER))
    worker = ImportWorker(data, tasks, allowed=allowed, convert_to=convert.target_format(settings),
                          remote=remote, workers=conf.import_workers, delay=conf.import_delay)
    locations = LocationManager(images, allowed)
    importer = Importer(data, tasks, worker)
    location_import = LocationImporter(locations, tasks, do_secure_hash=conf.do_secure_hash,
                                       workers=conf.import_workers)
    return ImageState(
        store=store, stores=stores, images=images, data=data, members=MemberManager(platform.db),
        tasks=tasks, importer=importer, metadefs=MetadefManager(platform.db),
        locations=locations, location_import=location_import,
        recovery=Recovery(data, tasks, importer, location_import),
        quotas=quotas,
        node_cache=NodeCache.under(cache_root(settings), conf.api_cache_max_bytes, data),
        show_locations=conf.show_multiple_locations,
    )
