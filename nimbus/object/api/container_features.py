"""What container PUTs, POSTs, reads and deletes do for the middleware features that keep
their settings on the container: quotas, versioned writes, object versioning and sync."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.object.api import container_sync, object_versioning, quotas, versioned_writes
from nimbus.object.manager.records import ContainerInfo
from nimbus.object.state import ObjectState


@dataclass(frozen=True)
class Pending:
    """The changes a container write asks for, checked before the container is written."""

    versions_location: tuple[str | None, str] | None
    versions_enabled: bool | None
    sync: dict[str, str]


def check(req: ApiRequest[ObjectState], account: str, name: str) -> Pending | Response:
    """The feature changes the request asks for, or Swift's refusal of them."""
    refused = quotas.container_limits(req)
    if refused is not None:
        return refused
    legacy = versioned_writes.parse(req)
    if isinstance(legacy, Response):
        return legacy
    modern = object_versioning.container_change(req, account, name)
    if isinstance(modern, Response):
        return modern
    sync = container_sync.parse(req)
    if isinstance(sync, Response):
        return sync
    return Pending(legacy, modern, sync)


def apply(req: ApiRequest[ObjectState], account: str, name: str, pending: Pending) -> None:
    versioned_writes.apply(req, account, name, pending.versions_location)
    object_versioning.apply(req, account, name, pending.versions_enabled)
    container_sync.apply(req, account, name, pending.sync)


def headers(info: ContainerInfo, owner: bool) -> dict[str, str]:
    return {**versioned_writes.container_headers(info.sysmeta),
            **object_versioning.container_headers(info.sysmeta),
            **container_sync.headers(info.sysmeta, owner)}


def listing(req: ApiRequest[ObjectState], account: str, name: str,
            base: dict[str, str]) -> Response | None:
    """A listing a feature answers instead of the plain one (``?versions``), or None."""
    return object_versioning.listing_reply(req, account, name, base)


def before_delete(req: ApiRequest[ObjectState], account: str, name: str) -> None:
    object_versioning.before_delete_container(req, account, name)


def after_delete(req: ApiRequest[ObjectState], account: str, name: str) -> None:
    object_versioning.after_delete_container(req, account, name)
