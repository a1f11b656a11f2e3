"""Per-project image quotas, as Glance's unified limits count them.

Four resources, each checked before the operation that grows it (usage + delta must stay within
the limit; ``-1`` means unlimited):

* ``image_count_total``: images the project owns; checked on create (delta 1);
* ``image_size_total`` (MiB): bytes of the project's stored images; checked before an upload or
  an import (delta 0: the size is unknown until the bytes arrived, so the operation that crosses
  the limit succeeds and the next one is refused, as oslo.limit does in Glance);
* ``image_stage_total`` (MiB): bytes waiting in the staging area; checked before staging;
* ``image_count_uploading``: images taking data right now (saving, staged, importing); checked
  before an upload, a stage and every import method but ``glance-direct`` (whose image already
  counts since it was staged).

Limits come, most specific first, from the project's limit in the identity service
(``/v3/limits``), the image service's registered limit (``/v3/registered_limits``) and the
``image_*`` settings. The registered limits rarely change and are cached for
``image_limits_cache_seconds``; a project's own limits are read on every check, so that an
operator raising them is obeyed on the next request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from nimbus.conf.image import ImageSettings
from nimbus.core.db.engine import Database
from nimbus.core.periodic import after_start
from nimbus.image import states
from nimbus.image.db import quotas as counted
from nimbus.image.errors import ImageQuotaExceeded

LOG = logging.getLogger(__name__)

COUNT_TOTAL = "image_count_total"
SIZE_TOTAL = "image_size_total"
STAGE_TOTAL = "image_stage_total"
COUNT_UPLOADING = "image_count_uploading"
RESOURCES = (COUNT_TOTAL, SIZE_TOTAL, STAGE_TOTAL, COUNT_UPLOADING)
MIB = 1024 * 1024
# Generous defaults: a quota that is there, without getting in the way of a small cloud.
DEFAULTS = {COUNT_TOTAL: 1000, SIZE_TOTAL: 1024 * 1024, STAGE_TOTAL: 1024 * 1024,
            COUNT_UPLOADING: 100}
_UNITS = {SIZE_TOTAL: " MiB", STAGE_TOTAL: " MiB"}


def defaults_from(image: ImageSettings) -> dict[str, int]:
    """The settings' defaults (``image.count_total``...)."""
    return {COUNT_TOTAL: image.count_total, SIZE_TOTAL: image.size_total,
            STAGE_TOTAL: image.stage_total, COUNT_UPLOADING: image.count_uploading}


class LimitsClient(Protocol):
    """What the unified limits need of the identity service (``clients.identity``)."""

    def service_id(self, service_type: str) -> str | None: ...

    def registered_limits(self, service_id: str, region: str | None) -> dict[str, int]: ...

    def project_limits(self, service_id: str, region: str | None,
                       project_id: str) -> dict[str, int]: ...

    def register_limits(self, service_id: str, region: str | None,
                        defaults: dict[str, int]) -> Any: ...


class IdentityLimits:
    """Limits read from the identity service's unified limits, over the settings' defaults."""

    def __init__(self, client: LimitsClient, region: str | None, defaults: dict[str, int],
                 cache_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.region = region
        self.defaults = dict(defaults)
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._service: str | None = None
        self._registered: dict[str, int] = {}
        self._fetched_at: float | None = None
        # Until the identity API has answered once, not reaching it is the normal state of a
        # cloud still starting (its own first-start images are stored before it listens).
        self._reached = False

    def _service_and_registered(self) -> tuple[str | None, dict[str, int]]:
        with self._lock:
            now = self.clock()
            if self._fetched_at is not None and now - self._fetched_at < self.cache_seconds:
                return self._service, self._registered
        service = self._service or self.client.service_id("image")
        registered = self.client.registered_limits(service, self.region) if service else {}
        with self._lock:
            self._service, self._registered, self._fetched_at = service, registered, self.clock()
        return service, registered

    def for_project(self, project_id: str) -> dict[str, int]:
        try:
            service, registered = self._service_and_registered()
            own = self.client.project_limits(service, self.region, project_id) if service else {}
        except Exception as exc:  # noqa: BLE001 - an unreachable identity falls back to settings
            log = LOG.warning if self._reached else LOG.debug
            log("unified limits unavailable (%s); using the configured defaults", exc)
            return dict(self.defaults)
        self._reached = True
        return {name: own.get(name, registered.get(name, self.defaults[name]))
                for name in RESOURCES}

    def register_defaults(self) -> list[str]:
        """Register the settings' defaults for the resources the identity service lacks."""
        service = self.client.service_id("image")
        if service is None:
            return []
        present = self.client.registered_limits(service, self.region)
        missing = {n: self.defaults[n] for n in RESOURCES if n not in present}
        if missing:
            self.client.register_limits(service, self.region, missing)
        with self._lock:
            self._fetched_at = None
        return sorted(missing)


class StaticLimits:
    """The same limits for every project (clouds without an identity service, tests)."""

    def __init__(self, limits: dict[str, int]) -> None:
        self.limits = dict(limits)
        self.overrides: dict[str, dict[str, int]] = {}

    def for_project(self, project_id: str) -> dict[str, int]:
        return {**self.limits, **self.overrides.get(project_id, {})}


class ImageQuotas:
    """Counts a project's usage in the image tables and holds it to its limits."""

    def __init__(self, db: Database, limits: IdentityLimits | StaticLimits) -> None:
        self.db = db
        self.limits = limits

    def usage(self, project_id: str) -> dict[str, int]:
        """Current usage per resource (sizes in bytes)."""
        with self.db.reader() as session:
            count, stored, staged, uploading = counted.usage(session, project_id,
                                                             states.TAKING_DATA)
        return {COUNT_TOTAL: count, SIZE_TOTAL: stored, STAGE_TOTAL: staged,
                COUNT_UPLOADING: uploading}

    def enforce(self, project_id: str | None, deltas: dict[str, int]) -> None:
        """Raise ``ImageQuotaExceeded`` (413) when usage + delta passes a limit."""
        if not project_id:
            return
        limits = self.limits.for_project(project_id)
        if all(limits[name] < 0 for name in deltas):
            return
        used = self.usage(project_id)
        for name, delta in deltas.items():
            limit = limits[name]
            if limit < 0:
                continue
            usage = used[name]
            if name in _UNITS:
                # Bytes against MiB: round usage up, so 1 byte over a limit is over it.
                usage = -(-usage // MIB)
            if usage + delta > limit:
                raise ImageQuotaExceeded(project_id=project_id, resource=name, limit=limit,
                                         usage=usage, delta=delta, unit=_UNITS.get(name, ""))

    # -- the checks each operation makes -----------------------------------------------------

    def check_create(self, project_id: str | None) -> None:
        self.enforce(project_id, {COUNT_TOTAL: 1})

    def check_upload(self, project_id: str | None) -> None:
        self.enforce(project_id, {SIZE_TOTAL: 0, COUNT_UPLOADING: 1})

    def check_stage(self, project_id: str | None) -> None:
        self.enforce(project_id, {STAGE_TOTAL: 0, COUNT_UPLOADING: 1})

    def check_import(self, project_id: str | None, method: str | None) -> None:
        deltas = {SIZE_TOTAL: 0}
        if method != "glance-direct":
            deltas[COUNT_UPLOADING] = 1
        self.enforce(project_id, deltas)


class LimitRegistration:
    """Once the API answers, registers the settings' defaults the identity service lacks, so
    operators see (and may change) them with ``openstack registered limit list``."""

    def __init__(self, limits: IdentityLimits, attempts: int = 30, pause: float = 1.0,
                 started: threading.Event | None = None) -> None:
        self.limits = limits
        self.attempts = attempts
        self.pause = pause
        self.started = started
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="image-limits", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        if not after_start(self.started, self._stop):
            return
        for _ in range(self.attempts):
            try:
                added = self.limits.register_defaults()
                if added:
                    LOG.info("registered image limits %s", ", ".join(added))
                return
            except Exception as exc:  # noqa: BLE001 - identity may still be starting
                LOG.debug("registering image limits: %s", exc)
            if self._stop.wait(self.pause):
                return
        LOG.warning("could not register the image service's default limits")

    def stop(self) -> None:
        self._stop.set()
