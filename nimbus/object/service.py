"""Object storage (the Swift API): how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, Worker
from nimbus.core.platform import Platform
from nimbus.object.api import (
    accounts,
    bulk,
    common,
    containers,
    cors,
    crossdomain,
    info,
    object_writes,
    objects,
    pipeline,
    s3_buckets,
    s3_objects,
)
from nimbus.object.api.common import trans_id
from nimbus.object.manager.durability import Durability
from nimbus.object.policies import RULES
from nimbus.object.state import ObjectState, build

router = Router()
for _module in (info, accounts, containers, objects, object_writes, bulk, cors, crossdomain):
    router.include(_module.router)
# The S3 API (as Swift's s3api middleware serves it) on a path of its own.
for _module in (s3_buckets, s3_objects):
    router.include(_module.router)
# Swift's middleware runs in front of every handler.
common.FILTERS[:] = pipeline.FILTERS


def workers(platform: Platform, state: ObjectState, roles: set[str]) -> list[Worker]:
    """The expirer runs beside the API (a pass at start, then one every interval), and so do
    the replicator and auditor of a replicated driver."""
    if "api" not in roles:
        return []
    started: list[Worker] = [state.expirer.start(), state.sync.start()]
    if state.driver.replicated:
        conf = platform.settings.object
        started.append(Durability(state.driver, conf.replicator_interval,
                                  conf.replicator_batch, conf.auditor_batch).start())
    return started


def health(state: ObjectState) -> dict[str, Any]:
    return state.driver.health()


SERVICE = ServiceDef[ObjectState](
    name="object",
    service_type="object-store",
    prefix="/object",
    endpoint_path="/v1/AUTH_$(project_id)s",
    # As DevStack registers Swift's s3api: service type ``s3``, the S3 API's root.
    extra_endpoints={"s3": "/s3"},
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
