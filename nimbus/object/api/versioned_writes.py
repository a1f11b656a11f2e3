"""Versioned writes through the API: the container headers that turn them on, and the PUTs,
COPYs and DELETEs that keep or bring back versions."""

from __future__ import annotations

from urllib.parse import unquote

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NotFound
from nimbus.object.api.common import authorize_in_container, reply
from nimbus.object.manager.versioned_writes import HISTORY, LOCATION, MODE, STACK
from nimbus.object.schemas.constraints import check_container_name
from nimbus.object.state import ObjectState

_HEADERS = {"x-versions-location": STACK, "x-history-location": HISTORY}
_TITLES = {STACK: "X-Versions-Location", HISTORY: "X-History-Location"}
BOTH = "Only one of X-Versions-Location or X-History-Location may be specified"


def parse(req: ApiRequest[ObjectState]) -> tuple[str | None, str] | Response | None:
    """What a container PUT or POST asks: (location or None to stop, mode); None when it
    does not touch versioning; a refusal (Swift's status and body) when it is wrong."""
    given = [(header, mode) for header, mode in _HEADERS.items() if header in req.headers]
    if len(given) > 1:
        return reply(400, body=BOTH)
    if given:
        header, mode = given[0]
        location = unquote(req.headers[header].strip())
        if not location:
            return None, mode
        if "/" in location:
            return reply(412, body='Container name cannot contain "/"')
        check_container_name(location)
        return location, mode
    removed = [mode for header, mode in _HEADERS.items() if f"x-remove-{header[2:]}" in req.headers]
    return (None, removed[0]) if removed else None


def apply(req: ApiRequest[ObjectState], account: str, container: str,
          wanted: tuple[str | None, str] | None) -> None:
    if wanted is not None:
        req.svc.versions.set_location(account, container, *wanted)


def container_headers(sysmeta: dict[str, str]) -> dict[str, str]:
    location = sysmeta.get(LOCATION)
    if not location:
        return {}
    return {_TITLES.get(sysmeta.get(MODE, STACK), _TITLES[STACK]): location}


def _location(req: ApiRequest[ObjectState], account: str, container: str) -> tuple[str, str] | None:
    try:
        sysmeta = req.svc.containers.container_info(account, container).sysmeta
    except NotFound:
        return None
    location = sysmeta.get(LOCATION)
    return (location, sysmeta.get(MODE, STACK)) if location else None


def before_write(req: ApiRequest[ObjectState], account: str, container: str, obj: str) -> None:
    """Keep the version a PUT or COPY is about to replace."""
    found = _location(req, account, container)
    if found is None:
        return
    versions = req.svc.versions
    current = versions.current(account, container, obj)
    if current is None:
        return
    authorize_in_container(req, "object:object:put", account, found[0], "write")
    versions.archive(current, found[0])


def delete(req: ApiRequest[ObjectState], account: str, container: str,
           obj: str) -> Response | None:
    """A DELETE in a versioned container; None when the container keeps no versions."""
    found = _location(req, account, container)
    if found is None:
        return None
    location, mode = found
    authorize_in_container(req, "object:object:put", account, location, "write")
    versions = req.svc.versions
    if mode == HISTORY:
        current = versions.current(account, container, obj)
        if current is not None:
            versions.archive(current, location)
        versions.mark_deleted(account, obj, location)
        if current is None:
            raise NotFound(resource="object", id=obj)
        req.svc.objects.delete(account, container, obj)
        return reply(204)
    if versions.restore(account, container, obj, location):
        return reply(204)
    return None
