"""What a stopped image service left half-done, taken up when the next one starts.

Nothing of it was in a message: the rows themselves say what was under way. Before the API's
workers serve, every task left ``pending`` or ``processing`` and every image left in a status
that only lasts while a request or an import runs is resumed where its source is still there,
or failed the way a failed request fails it:

- import tasks (``import_worker.recover``): resumed from staged bytes, a new fetch or the copy
  already held, else failed (the image back to ``queued``, ``active`` for copy-image);
- location reads (``location_import.recover``) and legacy imports (``imports.recover_legacy``);
- ``saving`` (an upload cut off) and ``uploading`` without staged bytes (a stage cut off): back
  to ``queued``, the partial bytes removed from the stores;
- ``importing`` with no task left to finish it: back to ``queued`` without its data;
- ``pending_delete``: the delete finished (record, then bytes).

Only rows untouched since this process started are taken (``before``): a request this process
already serves may have moved a row, and that one is not left over. Every status write goes
through ``states.IMAGE_STATUS``/``TASK_STATUS``; each resource gets one INFO line.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.image import states
from nimbus.image.constants import (
    FAILED,
    IMPORT_TASK,
    IMPORTING,
    LEGACY_IMPORT_TASK,
    LOCATION_TASK,
    TASK,
)
from nimbus.image.db import images as rows
from nimbus.image.db import locations as loc
from nimbus.image.drivers.base import ImageStore
from nimbus.image.manager.data import ImageData
from nimbus.image.manager.imports import Importer
from nimbus.image.manager.location_import import LocationImporter
from nimbus.image.manager.tasks import TaskManager

LOG = logging.getLogger(__name__)
# The columns an image has only once it holds data.
DATA_COLUMNS = ("size", "checksum", "os_hash_algo", "os_hash_value", "virtual_size", "location")


class Recovery:
    def __init__(self, data: ImageData, tasks: TaskManager, importer: Importer,
                 location_import: LocationImporter) -> None:
        self.data = data
        self.db = data.db
        self.tasks = tasks
        self.importer = importer
        self.location_import = location_import
        # When this process started: older untouched rows were left by one that stopped.
        # Times are kept to the second, and the one that stopped may have written a row in the
        # very second this one started; that second counts as before (a request this process
        # served in it, before its workers started, is the rarer case by far).
        self.started = utcnow() + dt.timedelta(seconds=1)
        # Tasks already handed back to a worker: a second reconcile must not hand them twice.
        self._taken: set[str] = set()

    def reconcile(self, before: dt.datetime | None = None) -> dict[str, str]:
        """Resume or fail everything left half-done; image or task id -> what was done."""
        cutoff = before or self.started
        done: dict[str, str] = {}
        busy: set[str] = set()
        for task in self.tasks.unfinished(cutoff):
            if task["id"] in self._taken:
                busy.add(task["image_id"])
                continue
            outcome = self._task(task)
            done[task["id"]] = outcome
            if outcome.startswith("resumed"):
                self._taken.add(task["id"])
                busy.add(task["image_id"])
        with self.db.reader() as session:
            left = [(r.id, r.status, r.staging) for r in rows.left_in(
                session, (states.SAVING, states.UPLOADING, states.IMPORTING,
                          states.PENDING_DELETE), cutoff)]
        for image_id, status, staging in left:
            if image_id in busy or (status == states.UPLOADING and staging):
                continue  # resumed above, or staged and waiting for its import
            try:
                done[image_id] = self._image(image_id, status)
            except Exception as exc:  # noqa: BLE001 - one image must not stop the others
                LOG.warning("image %s was left %s and could not be reconciled: %s",
                            image_id, status, exc)
        return done

    # -- tasks ---------------------------------------------------------------------------

    def _task(self, task: dict[str, Any]) -> str:
        kind = task["type"]
        try:
            if kind == IMPORT_TASK and task["image_id"]:
                outcome = self.importer.worker.recover(task)
            elif kind == LOCATION_TASK and task["image_id"]:
                outcome = self.location_import.recover(task)
            elif kind == LEGACY_IMPORT_TASK:
                outcome = self.importer.recover_legacy(task)
            else:
                self.tasks.set_status(task["id"], states.FAILURE, message="The task was "
                                      "interrupted: the image service stopped while it ran.")
                outcome = "failed: nothing resumes it"
        except Exception as exc:  # noqa: BLE001 - logged; the image pass below still runs
            LOG.warning("%s task %s (image %s) was left %s and could not be reconciled: %s",
                        kind, task["id"], task["image_id"], task["status"], exc)
            return f"not reconciled: {exc}"
        LOG.info("%s task %s (image %s) was left %s: %s", kind, task["id"], task["image_id"],
                 task["status"], outcome)
        return outcome

    # -- images --------------------------------------------------------------------------

    def _image(self, image_id: str, status: str) -> str:
        if status == states.PENDING_DELETE:
            outcome = self._finish_delete(image_id)
        elif status == states.IMPORTING:
            outcome = self._unimport(image_id)
        else:
            outcome = self._unsave(image_id, status)
        LOG.info("image %s was left %s: %s", image_id, status, outcome)
        return outcome

    def _unsave(self, image_id: str, status: str) -> str:
        """An upload (``saving``) or a stage (``uploading``) cut off: its partial bytes go,
        then the image is ``queued`` again. (While it is still ``saving``, no new upload can
        start and write what this would remove.)"""
        keep = set(self.data.manager.stores_of(image_id).values())
        drivers = [self.data.staging] if status == states.UPLOADING else \
            [self.data.stores.get(sid).driver for sid in self.data.stores.writable()]
        removed = sum(self._discard(driver, image_id, keep) for driver in drivers)
        if not self._back_to_queued(image_id, status):
            return "moved on meanwhile; left as it is"
        return f"back to queued, {removed} partial piece(s) of data removed"

    def _discard(self, driver: ImageStore, image_id: str, keep: set[str]) -> int:
        try:
            return driver.discard_partial(image_id, keep)
        except Exception as exc:  # noqa: BLE001 - leftovers are only space; go on
            LOG.warning("could not remove the partial data of image %s from store %s: %s",
                        image_id, driver.name, exc)
            return 0

    @retry_on_lock()
    def _back_to_queued(self, image_id: str, status: str) -> bool:
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None or row.status != status:
                return False
            states.IMAGE_STATUS.move(row, states.QUEUED)
            row.staging = None
            row.updated_at = utcnow()
            return True

    def _unimport(self, image_id: str) -> str:
        """``importing`` with no task left to finish it: back to ``queued`` without the data
        the import wrote (its store copies and staged bytes); registered URLs stay listed.
        Half-written bytes go first, while the status still keeps new writes out."""
        keep = set(self.data.manager.stores_of(image_id).values())
        for sid in self.data.stores.writable():
            self._discard(self.data.stores.get(sid).driver, image_id, keep)
        released = self._release(image_id)
        if released is None:
            return "moved on meanwhile; left as it is"
        staged, copies = released
        for sid, url in copies.items():
            store = self.data.stores.by_id.get(sid)
            (store.driver if store is not None else self.data.store).delete(url)
        if staged:
            self.data.staging.delete(staged)
        return f"no task resumes it: back to queued, {len(copies)} store copy(ies) removed"

    @retry_on_lock()
    def _release(self, image_id: str) -> tuple[str | None, dict[str, str]] | None:
        """Back to queued, its copies forgotten: (staged location, copies by store) to delete,
        None when it moved on meanwhile."""
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None or row.status != states.IMPORTING:
                return None
            states.IMAGE_STATUS.move(row, states.QUEUED)
            for key in DATA_COLUMNS:
                setattr(row, key, None)
            staged, row.staging = row.staging, None
            row.updated_at = utcnow()
            copies = {e.store: e.url for e in loc.listing(session, image_id) if e.kind == "copy"}
            for sid in copies:
                loc.remove(session, image_id, sid)
            failures = loc.split(loc.get_property(session, image_id, FAILED))
            importing = loc.split(loc.get_property(session, image_id, IMPORTING))
            loc.set_properties(session, image_id, {
                TASK: None, IMPORTING: "",
                FAILED: ",".join(dict.fromkeys(failures + importing))})
            return staged, copies

    def _finish_delete(self, image_id: str) -> str:
        """The record goes first, then every byte it named (as a delete does)."""
        found = self._remove(image_id)
        if found is None:
            return "already gone"
        location, staging, copies = found
        for store_id, url in copies.items():
            store = self.data.stores.by_id.get(store_id)
            (store.driver if store is not None else self.data.store).delete(url)
        if location and location not in copies.values():
            self.data.store.delete(location)
        if staging:
            self.data.staging.delete(staging)
        return f"delete finished: the record and {len(copies)} store copy(ies) removed"

    @retry_on_lock()
    def _remove(self, image_id: str) -> tuple[str | None, str | None, dict[str, str]] | None:
        with self.db.writer() as session:
            row = rows.get(session, image_id)
            if row is None or row.status != states.PENDING_DELETE:
                return None
            location, staging = row.location, row.staging
            return location, staging, rows.remove(session, row)
