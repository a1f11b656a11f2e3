"""``X-Container-Sync-To``: where a container's objects go, checked as Swift's container server
checks it. Two forms: ``//<realm>/<cluster>/<account>/<container>`` (a realm this cluster
belongs to) and a URL ``http(s)://<host>[:port]/.../v1/<account>/<container>`` on an allowed
host. Both name a container of this cluster."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse

# Where a container keeps its sync settings and progress (its system metadata).
SYNC_TO = "sync-to"
SYNC_KEY = "sync-key"
SYNC_POINT = "sync-point"
# How far the target has been told of deletions (a timestamp, as SYNC_POINT).
SYNC_DELETE_POINT = "sync-delete-point"

ALLOWED_HOSTS = ("127.0.0.1", "localhost", "::1")


class SyncToError(Exception):
    """Swift's 400 body for a value it refuses."""


@dataclass(frozen=True)
class Realm:
    realm: str
    cluster: str


def target(value: str, realm: Realm) -> tuple[str, str]:
    """The (account, container) ``value`` names; ``SyncToError`` when it names none here."""
    if value.startswith("//"):
        parts = value.split("/")
        if len(parts) != 6 or not all(parts[2:]):
            raise SyncToError(f"Invalid X-Container-Sync-To format {value!r}")
        if parts[2].lower() != realm.realm.lower():
            raise SyncToError(f"No realm key for {parts[2]!r}")
        if parts[3].lower() != realm.cluster.lower():
            raise SyncToError(f"No cluster endpoint for {parts[2]!r} {parts[3]!r}")
        return unquote(parts[4]), unquote(parts[5])
    url = urlparse(value)
    if url.scheme not in ("http", "https"):
        raise SyncToError(f"Invalid scheme {url.scheme!r} in X-Container-Sync-To, must be "
                          '"//", "http", or "https".')
    if not url.path or url.path == "/":
        raise SyncToError("Path required in X-Container-Sync-To")
    if url.params or url.query or url.fragment:
        raise SyncToError("Params, queries, and fragments not allowed in X-Container-Sync-To")
    if (url.hostname or "") not in ALLOWED_HOSTS:
        raise SyncToError(f"Invalid host {url.hostname!r} in X-Container-Sync-To")
    before, found, rest = url.path.partition("/v1/")
    account, _, container = rest.partition("/")
    if not found or not account or not container or "/" in container.rstrip("/"):
        raise SyncToError(f"Invalid X-Container-Sync-To format {value!r}")
    return unquote(account), unquote(container.rstrip("/"))
