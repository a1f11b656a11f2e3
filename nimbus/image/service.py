"""Image (Glance v2): how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, Worker
from nimbus.core.platform import Platform
from nimbus.image.manager import quotas
from nimbus.image.manager.bootstrap import create_test_images
from nimbus.image.policies import RULES
from nimbus.image.state import ImageState, build


def _api() -> list[Router]:
    from nimbus.image.api import (
        cache,
        discovery,
        image_data,
        image_import,
        images,
        info,
        locations,
        members,
        metadef_namespaces,
        metadef_objects,
        metadef_properties,
        metadef_resource_types,
        metadef_tags,
        schemas,
        stores,
        tasks,
    )

    return [module.router for module in (
        discovery, schemas, info, images, image_data, image_import, members, tasks, stores,
        metadef_namespaces, metadef_resource_types, metadef_objects, metadef_properties,
        metadef_tags, locations, cache)]


router = Router(gather=_api)


def workers(platform: Platform, state: ImageState, roles: set[str]) -> list[Worker]:
    # The import pools live as long as the API; stopping them leaves queued imports to the
    # next start, whose reconcile resumes or fails what is left half-done.
    if "api" in roles:
        state.recovery.reconcile()
    found: list[Worker] = [state.importer, state.location_import, state.node_cache]
    limits = state.quotas.limits
    if "api" in roles and isinstance(limits, quotas.IdentityLimits):
        found.append(quotas.LimitRegistration(limits, started=platform.started))
    return found


def bootstrap(platform: Platform, state: ImageState) -> None:
    """Two small public test images, owned by the admin project."""
    create_test_images(state.images, state.data, platform.facts.projects.get("admin"))


def health(state: ImageState) -> dict[str, Any]:
    return {"store": state.store.name}


SERVICE = ServiceDef[ImageState](
    name="image",
    service_type="image",
    prefix="/image",
    endpoint_path="",
    fault_style="glance",
    router=router,
    policy=RULES,
    start=build,
    bootstrap=bootstrap,
    health=health,
    workers=workers,
    # "/v2/images/" (no id) must stay distinct from "/v2/images": Glance answers it with 404.
    keep_trailing_slash=True,
)
