"""Object storage (the Swift API): how the service plugs into the cloud."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, Worker
from nimbus.core.errors import BadRequest
from nimbus.core.platform import Platform
from nimbus.object.api.common import trans_id
from nimbus.object.drivers.ring import RingDriver
from nimbus.object.drivers.storage_node import StorageNode
from nimbus.object.manager.durability import Durability
from nimbus.object.policies import RULES
from nimbus.object.state import ObjectState, build


def _api() -> list[Router]:
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

    # Swift's middleware runs in front of every handler.
    common.FILTERS[:] = pipeline.FILTERS
    return [module.router for module in (
        info, accounts, containers, objects, object_writes, bulk, cors, crossdomain,
        # The S3 API (as Swift's s3api middleware serves it) on a path of its own.
        s3_buckets, s3_objects)]


router = Router(gather=_api)


def workers(platform: Platform, state: ObjectState, roles: set[str]) -> list[Worker]:
    """The expirer runs beside the API (a pass at start, then one every interval), and so do
    the replicator and auditor of a replicated driver. A storage node (``nimbus agent object``
    with ``object.node``) serves its devices and replicates and audits them."""
    conf = platform.settings.object
    started: list[Worker] = []
    node = "object-agent" in roles and conf.node
    if node:
        ring = state.driver
        if not isinstance(ring, RingDriver):
            raise BadRequest(reason="a storage node needs the ring object driver")
        started.append(StorageNode(lambda: ring.devices, conf.node,
                                   platform.secrets["storage_node_key"]).start())
    if "api" in roles:
        started += [state.expirer.start(), state.sync.start()]
    if state.driver.replicated and ("api" in roles or node):
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
