"""``POST /v2/images/{id}/locations`` (API 2.17): register a location on a queued image, then
read it in the background to learn its size and hashes.

The request only checks the URL and the claimed hash, records the location and a
``location_import`` task. A worker reads the size, makes the image active (with the hash
algorithm set, so clients see that hashing is under way), then streams the bytes through the
digests. A claimed ``os_hash_value`` that does not match fails the task and sends the image back
to ``queued``. Deleting the image meanwhile stops the hashing at the next chunk.
"""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.errors import BadRequest, Conflict
from nimbus.image import states
from nimbus.image.constants import HASH_ALGO, LOCATION_TASK
from nimbus.image.db import locations as loc
from nimbus.image.drivers.base import Digests
from nimbus.image.manager import location_rules as rules
from nimbus.image.manager.locations import LocationManager
from nimbus.image.manager.tasks import TaskManager

LOG = logging.getLogger(__name__)
INTERRUPTED = "The location read was interrupted: the image service stopped while it ran."
# How often the hashing loop looks whether the image is still there (seconds).
RECHECK = 1.0


class Cancelled(Exception):
    """The image was deleted (or lost the location) while its bytes were being hashed."""


class LocationImporter:
    def __init__(self, locations: LocationManager, tasks: TaskManager,
                 do_secure_hash: bool = True, workers: int = 2) -> None:
        self.locations = locations
        self.db = locations.db
        self.tasks = tasks
        self.do_secure_hash = do_secure_hash
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="image-location")

    def stop(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def add(self, ctx: RequestContext, image: dict[str, Any],
            body: dict[str, Any]) -> dict[str, Any]:
        """Validate, record the location and the task, and hand the reading to a worker."""
        claim = rules.check_hash_claim(body.get("validation_data"))
        store = self.locations.check_url(ctx, body["url"])
        if image["status"] != states.QUEUED:
            raise Conflict("Adding a location is only allowed to an image in 'queued' status; "
                           f"image {image['id']} is {image['status']}.")
        self._register(image["id"], store, body["url"])
        task_input = {"image_id": image["id"], "loc_url": body["url"], "validation_data": claim}
        task = self.tasks.create(ctx, LOCATION_TASK, task_input, image["id"],
                                 owner=image["owner"])
        self.pool.submit(self._run, task["id"], image["id"], store, body["url"], claim)
        return task

    @retry_on_lock()
    def _register(self, image_id: str, store: str, url: str) -> None:
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None or row.status != states.QUEUED:
                raise Conflict(f"Image {image_id} is no longer queued.")
            if any(e.url == url for e in loc.listing(session, image_id)):
                raise BadRequest(f"The location {url} is already on this image.")
            loc.add_url(session, image_id, store, url, {})
            states.IMAGE_STATUS.move(row, states.IMPORTING)
            row.updated_at = utcnow()

    # -- the worker ----------------------------------------------------------------------

    def _run(self, task_id: str, image_id: str, store: str, url: str,
             claim: dict[str, str], hashing_only: bool = False) -> None:
        """Read the size (the image turns active), then hash; ``hashing_only``: the image is
        already active with this location, only its hashes are missing."""
        self.tasks.set_status(task_id, states.PROCESSING)
        try:
            driver = self.locations.stores.get(store).driver
            algo = claim.get("os_hash_algo") or (HASH_ALGO if self.do_secure_hash else None)
            if not hashing_only:
                values: dict[str, Any] = {"status": states.ACTIVE, "size": driver.size(url),
                                          "location": url, "os_hash_algo": algo}
                if not self.do_secure_hash and claim.get("os_hash_value"):
                    # Nothing is read to check it: the caller's validation data is taken as
                    # given.
                    values["os_hash_value"] = claim["os_hash_value"]
                self._update(image_id, url, values, expect=states.IMPORTING)
            if self.do_secure_hash:
                found = self._hash(image_id, url, driver.get(url), algo or HASH_ALGO)
                wanted = claim.get("os_hash_value")
                if wanted and found["os_hash_value"] != wanted:
                    raise ValueError(f"the data at {url} does not match the os_hash_value "
                                     "given in validation_data")
                self._update(image_id, url, found, expect=states.ACTIVE)
            self.tasks.set_status(task_id, states.SUCCESS, result={"image_id": image_id})
        except Cancelled:
            self.tasks.set_status(task_id, states.FAILURE, message="The image was deleted while "
                                                                   "its location was being read.")
        except Exception as exc:  # noqa: BLE001 - recorded on the task, image back to queued
            LOG.warning("location import of %s for image %s failed: %s", url, image_id, exc)
            self._revert(image_id, url)
            self.tasks.set_status(task_id, states.FAILURE, message=str(exc))

    # -- after a stop -------------------------------------------------------------------

    def recover(self, task: dict[str, Any]) -> str:
        """Take up a location read a stopped process left unfinished: read it again while the
        image still has the location, else fail it (the image back to ``queued``)."""
        task_id, image_id = str(task["id"]), str(task["image_id"])
        url = str(task["input"].get("loc_url") or "")
        claim = dict(task["input"].get("validation_data") or {})
        with self.db.reader() as session:
            row = loc.image_row(session, image_id)
            status, location = (row.status, row.location) if row is not None else (None, None)
            hashed = row is not None and (row.os_hash_value is not None or
                                          not self.do_secure_hash)
            entry = next((e for e in loc.listing(session, image_id) if e.url == url), None)
        if status is None:
            self.tasks.set_status(task_id, states.FAILURE, message=f"{INTERRUPTED} The image "
                                  "was deleted meanwhile.")
            return "failed: the image is gone"
        if entry is not None and entry.store in self.locations.stores.by_id:
            if status == states.IMPORTING:
                self.pool.submit(self._run, task_id, image_id, entry.store, url, claim)
                return "resumed"
            if status == states.ACTIVE and location == url and not hashed:
                self.pool.submit(self._run, task_id, image_id, entry.store, url, claim, True)
                return "resumed (hashing)"
        if status == states.ACTIVE and location == url and hashed:
            self.tasks.set_status(task_id, states.SUCCESS, result={"image_id": image_id})
            return "finished: the image is active with its hashes"
        self._revert(image_id, url)
        self.tasks.set_status(task_id, states.FAILURE, message=f"{INTERRUPTED} The image no "
                              "longer has the location.")
        return "failed: the location is gone"

    def _hash(self, image_id: str, url: str, chunks: Any, algo: str) -> dict[str, Any]:
        digests = Digests()
        other = None if algo == HASH_ALGO else hashlib.new(algo)
        checked = time.monotonic()
        for chunk in chunks:
            digests.update(chunk)
            if other is not None:
                other.update(chunk)
            if time.monotonic() - checked > RECHECK:
                checked = time.monotonic()
                if not self._still_there(image_id, url):
                    close = getattr(chunks, "close", None)
                    if close is not None:
                        close()
                    raise Cancelled()
        sums = digests.result()
        return {"size": digests.size, "checksum": sums["md5"], "os_hash_algo": algo,
                "os_hash_value": other.hexdigest() if other is not None else sums[HASH_ALGO]}

    def _still_there(self, image_id: str, url: str) -> bool:
        with self.db.reader() as session:
            row = loc.image_row(session, image_id)
            return row is not None and row.location == url

    @retry_on_lock()
    def _update(self, image_id: str, url: str, values: dict[str, Any], expect: str) -> None:
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None or row.status != expect or (expect == states.ACTIVE and
                                                       row.location != url):
                raise Cancelled()
            for key, value in values.items():
                if key == "status":
                    states.IMAGE_STATUS.move(row, value)
                else:
                    setattr(row, key, value)
            row.updated_at = utcnow()

    @retry_on_lock()
    def _revert(self, image_id: str, url: str) -> None:
        """Back to queued without data; the location stays listed, as Glance's http store."""
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None or row.status not in (states.IMPORTING, states.ACTIVE) or \
                    (row.location not in (None, url)):
                return
            states.IMAGE_STATUS.move(row, states.QUEUED)
            for key in ("size", "checksum", "os_hash_algo", "os_hash_value", "virtual_size",
                        "location"):
                setattr(row, key, None)
            row.updated_at = utcnow()
