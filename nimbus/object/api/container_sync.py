"""Container sync through the API: the ``X-Container-Sync-To`` and ``-Key`` headers of a
container write (checked as Swift's container server checks them), shown to the container's
owners only, and the realm /info announces."""

from __future__ import annotations

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.object.api.common import reply
from nimbus.object.manager.container_sync import SYNC_KEY, SYNC_TO
from nimbus.object.schemas.sync import SyncToError, target
from nimbus.object.state import ObjectState

_HEADERS = {"x-container-sync-to": SYNC_TO, "x-container-sync-key": SYNC_KEY}


def parse(req: ApiRequest[ObjectState]) -> dict[str, str] | Response:
    """The sync settings the request changes ("" removes one), or Swift's 400."""
    changes: dict[str, str] = {}
    for header, name in _HEADERS.items():
        if f"x-remove-{header[2:]}" in req.headers:
            changes[name] = ""
        if header in req.headers:
            changes[name] = req.headers[header].strip()
    sync_to = changes.get(SYNC_TO)
    if sync_to:
        try:
            target(sync_to, req.svc.sync.realm)
        except SyncToError as err:
            return reply(400, body=str(err))
    return changes


def apply(req: ApiRequest[ObjectState], account: str, container: str,
          changes: dict[str, str]) -> None:
    if changes:
        req.svc.sync.configure(account, container, changes)


def headers(sysmeta: dict[str, str], owner: bool) -> dict[str, str]:
    # The key is the container's secret: only its owners see it (Swift's owner headers).
    if not owner:
        return {}
    return {title: sysmeta[name] for title, name in
            (("X-Container-Sync-To", SYNC_TO), ("X-Container-Sync-Key", SYNC_KEY))
            if sysmeta.get(name)}


def capabilities(state: ObjectState) -> dict[str, object]:
    realm = state.sync.realm
    return {"container_sync": {"realms": {realm.realm.upper(): {
        "clusters": {realm.cluster.upper(): {}}}}}}
