"""The background half of an interoperable import: read the source once, write it to each
store asked for, record the progress on the image and the task, and undo on failure.

``imports.Importer`` validates the request, records the task and marks the image; it then hands
the ``Plan`` to ``ImportWorker.submit``, whose pool thread does the rest.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.errors import Conflict
from nimbus.image import states
from nimbus.image.constants import FAILED, IMPORTING, TASK
from nimbus.image.db import locations as loc
from nimbus.image.drivers import fetch
from nimbus.image.drivers.base import ImageStore
from nimbus.image.manager import import_steps
from nimbus.image.manager.data import ImageData
from nimbus.image.manager.tasks import TaskManager

LOG = logging.getLogger(__name__)
# The start of every failure message of an import a stopped process left unfinished.
INTERRUPTED = "The import was interrupted: the image service stopped while it ran."


@dataclass
class Plan:
    """What one import does: the method, its parameters and the stores it writes."""

    method: str
    params: dict[str, Any]
    stores: list[str]
    must_succeed: bool
    was_active: bool


def plan_of(task_input: dict[str, Any]) -> Plan:
    """The plan an import task recorded (its request and target stores)."""
    body = task_input.get("import_req") or {}
    method = dict(body.get("method") or {})
    name = str(method.pop("name", ""))
    if name == "glance-download":
        method.setdefault("glance_service_interface", "public")
    must = body.get("all_stores_must_succeed")
    return Plan(name, method, list(task_input.get("backend") or []),
                True if must is None else bool(must), name == "copy-image")


class Source:
    """Bytes every target store can read again from the start."""

    def __init__(self, driver: ImageStore, location: str | None) -> None:
        if not location:
            raise Conflict("The image has no data to import.")
        self.driver = driver
        self.location = location

    def read(self) -> Iterator[bytes]:
        return iter(self.driver.get(self.location))


class ImportWorker:
    def __init__(self, data: ImageData, tasks: TaskManager, *, allowed: list[str],
                 convert_to: str | None, remote: fetch.RemoteImages | None,
                 workers: int = 2, delay: float = 0.0) -> None:
        self.data = data
        self.db = data.db
        self.stores = data.stores
        self.tasks = tasks
        # The web-download allow-list; the format imports convert to (None: stored as they
        # came); other regions' image services (None: glance-download is off).
        self.allowed = allowed
        self.convert_to = convert_to
        self.remote = remote
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="image-import")
        # Seconds each import waits before it moves any bytes (``image.import_delay``).
        self.delay = delay
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, task_id: str, image_id: str, plan: Plan) -> None:
        self.pool.submit(self.run, task_id, image_id, plan)

    def run(self, task_id: str, image_id: str, plan: Plan, resumed: bool = False) -> None:
        """Do the import; ``resumed``: one a stopped process left, whose finished stores are
        kept and whose complete staged bytes are used rather than fetched again."""
        self.tasks.set_status(task_id, states.PROCESSING)
        if self.delay and self._stopping.wait(self.delay):
            return  # stopping: the task stays processing for the next start to take up
        done: list[str] = []
        try:
            if resumed:
                held = self.data.manager.stores_of(image_id)
                done = [sid for sid in plan.stores if sid in held]
            source = self._source(image_id, plan, resumed)
            if self.convert_to and plan.method != "copy-image":
                import_steps.convert_staged(self.data, image_id, self.convert_to)
            for sid in plan.stores:
                if sid in done:
                    continue
                try:
                    self._import_to(image_id, sid, source, first=not done and
                                    not plan.was_active)
                    done.append(sid)
                    self._progress(image_id, sid, failed=False)
                except Exception as exc:  # noqa: BLE001 - recorded on the image and task
                    LOG.warning("import of %s to store %s failed: %s", image_id, sid, exc)
                    self._progress(image_id, sid, failed=True)
                    if plan.must_succeed or (not done and not plan.was_active and
                                             sid == plan.stores[-1]):
                        raise
            self.finish(image_id, task_id, plan)
        except Exception as exc:  # noqa: BLE001 - the task records why
            LOG.warning("import task %s for image %s failed: %s", task_id, image_id, exc)
            self._fail(image_id, task_id, plan, done, str(exc))

    def _source(self, image_id: str, plan: Plan, resumed: bool = False) -> Source:
        """Where every store reads from; remote bytes are staged first, read once."""
        image = self._image(image_id)
        if plan.method == "glance-direct" or (resumed and image["staging"] and
                                              plan.method != "copy-image"):
            # A staging location is recorded only once all the bytes are there.
            return Source(self.data.staging, image["staging"])
        if plan.method == "copy-image":
            present = self.data.manager.stores_of(image_id)
            sid = self.stores.sort(set(present))[0]
            return Source(self.stores.get(sid).driver, present[sid])
        if plan.method == "web-download":
            chunks: Iterable[bytes] = fetch.web(plan.params["uri"], self.allowed)
        else:
            if self.remote is None:
                raise Conflict("glance-download is not available in this cloud.")
            record, chunks = self.remote.read(plan.params["glance_image_id"],
                                              plan.params["glance_region"],
                                              plan.params["glance_service_interface"])
            self._adopt(image_id, record)
        staged = import_steps.stage_stream(self.data, image_id, chunks)
        return Source(self.data.staging, staged)

    def _import_to(self, image_id: str, sid: str, source: Source, first: bool) -> None:
        store = self.stores.get(sid)
        if first:
            import_steps.store_first(self.data, image_id, sid, store.driver, source.read())
        else:
            import_steps.store_copy(self.data, image_id, sid, store.driver, source.read())

    @retry_on_lock()
    def _adopt(self, image_id: str, record: dict[str, Any]) -> None:
        """glance-download takes the source's formats and its well-known properties."""
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None:
                return
            row.disk_format = record.get("disk_format") or row.disk_format
            row.container_format = record.get("container_format") or row.container_format
            loc.set_properties(session, image_id, dict(fetch.copied_properties(record)))

    def _image(self, image_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = loc.image_row(session, image_id)
            if row is None:
                raise Conflict(f"Image {image_id} was deleted during its import.")
            return loc.summary(row)

    @retry_on_lock()
    def _progress(self, image_id: str, sid: str, failed: bool) -> None:
        with self.db.writer() as session:
            if loc.image_row(session, image_id) is None:
                return
            importing = loc.split(loc.get_property(session, image_id, IMPORTING))
            failures = loc.split(loc.get_property(session, image_id, FAILED))
            if failed and sid not in failures:
                failures.append(sid)
            loc.set_properties(session, image_id, {
                IMPORTING: ",".join(s for s in importing if s != sid),
                FAILED: ",".join(failures)})

    # -- after a stop -------------------------------------------------------------------

    def recover(self, task: dict[str, Any]) -> str:
        """Take up an import a stopped process left ``pending`` or ``processing``: resume it
        when its source is still there (staged bytes, the URL to fetch again, a copy to copy
        from), or fail it as a failed import fails (the image back to ``queued``, ``active``
        for copy-image, the task to ``failure``). What it did: resumed, failed or finished."""
        task_id, image_id = str(task["id"]), str(task["image_id"])
        plan = plan_of(task["input"])
        with self.db.reader() as session:
            row = loc.image_row(session, image_id)
            holder = loc.get_property(session, image_id, TASK) if row is not None else None
            image = loc.summary(row) if row is not None else None
        if image is None:
            self.tasks.set_status(task_id, states.FAILURE,
                                  message=f"{INTERRUPTED} The image was deleted meanwhile.")
            return "failed: the image is gone"
        if holder != task_id:
            # The image was never marked (the request stopped first) or already released.
            if image["status"] == states.ACTIVE and \
                    set(plan.stores) <= set(self.data.manager.stores_of(image_id)):
                self.tasks.set_status(task_id, states.SUCCESS, result={"image_id": image_id})
                return "finished: the image already holds its data"
            self.tasks.set_status(task_id, states.FAILURE, message=INTERRUPTED)
            return f"failed: the image is {image['status']} and no longer held by the task"
        reason = self._unresumable(image, plan)
        self._discard_partial(image_id, plan)
        if reason is not None:
            copies = self.data.manager.stores_of(image_id)
            self._fail(image_id, task_id, plan, [s for s in plan.stores if s in copies],
                       f"{INTERRUPTED} {reason}")
            return f"failed: {reason}"
        self.pool.submit(self.run, task_id, image_id, plan, True)
        return "resumed"

    def _unresumable(self, image: dict[str, Any], plan: Plan) -> str | None:
        """Why the import cannot be taken up again; None when it can."""
        wanted = states.ACTIVE if plan.was_active else states.IMPORTING
        if image["status"] != wanted:
            return f"The image is {image['status']}."
        if plan.method == "glance-direct" or (image["staging"] and not plan.was_active):
            if not image["staging"] or not self._exists(self.data.staging, image["staging"]):
                return "The staged data is gone."
            return None
        if plan.method == "web-download":
            try:
                fetch.check_uri(plan.params.get("uri"), self.allowed)
            except Exception as exc:  # noqa: BLE001 - the refusal is the reason
                return f"The source may no longer be fetched: {exc}"
            return None
        if plan.method == "glance-download":
            return None if self.remote is not None else "glance-download is no longer offered."
        if plan.method == "copy-image":
            present = self.data.manager.stores_of(image["id"])
            sources = self.stores.sort(set(present))
            if not sources or not self._exists(self.stores.get(sources[0]).driver,
                                               present[sources[0]]):
                return "The image has no data left to copy."
            return None
        return f"Unknown import method {plan.method}."

    @staticmethod
    def _exists(driver: ImageStore, location: str) -> bool:
        try:
            driver.size(location)
        except Exception:  # noqa: BLE001 - missing or unreadable: not there
            return False
        return True

    def _discard_partial(self, image_id: str, plan: Plan) -> None:
        """What the stopped run half-wrote to the stores it had not finished, and to staging."""
        held = self.data.manager.stores_of(image_id)
        keep = set(held.values())
        image = self._image(image_id)
        if image["staging"]:
            keep.add(image["staging"])
        drivers = [self.stores.get(sid).driver for sid in plan.stores
                   if sid not in held and sid in self.stores.by_id]
        if not plan.was_active:
            drivers.append(self.data.staging)
        for driver in drivers:
            try:
                driver.discard_partial(image_id, keep)
            except Exception as exc:  # noqa: BLE001 - leftovers are only space; go on
                LOG.warning("could not remove what the stopped import of image %s left in "
                            "store %s: %s", image_id, driver.name, exc)

    def finish(self, image_id: str, task_id: str, plan: Plan) -> None:
        """The import is done: release the image and record the task's success."""
        self._release(image_id, task_id, plan, revert=False)
        self.tasks.set_status(task_id, states.SUCCESS, result={"image_id": image_id})

    def _fail(self, image_id: str, task_id: str, plan: Plan, done: list[str],
              message: str) -> None:
        if not plan.was_active or plan.must_succeed:
            import_steps.drop_stores(self.data, image_id, done)
        try:
            self._release(image_id, task_id, plan, revert=not plan.was_active)
        finally:
            self.tasks.set_status(task_id, states.FAILURE, message=message)

    @retry_on_lock()
    def _release(self, image_id: str, task_id: str, plan: Plan, revert: bool) -> None:
        staged = None
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None:
                return
            props: dict[str, str | None] = {IMPORTING: ""}
            if loc.get_property(session, image_id, TASK) == task_id:
                props[TASK] = None
            if revert:
                failures = loc.split(loc.get_property(session, image_id, FAILED))
                props[FAILED] = ",".join(dict.fromkeys(failures + [
                    s for s in plan.stores if s not in failures]))
                if row.status in (states.IMPORTING, states.UPLOADING, states.ACTIVE):
                    states.IMAGE_STATUS.move(row, states.QUEUED)
                    for key in ("size", "checksum", "os_hash_algo", "os_hash_value",
                                "virtual_size", "location"):
                        setattr(row, key, None)
                staged, row.staging = row.staging, None
            elif plan.method != "copy-image":
                staged, row.staging = row.staging, None
                if row.status == states.IMPORTING and row.location:
                    states.IMAGE_STATUS.move(row, states.ACTIVE)
            loc.set_properties(session, image_id, props)
            row.updated_at = utcnow()
        if staged:
            self.data.staging.delete(staged)
