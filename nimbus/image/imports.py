"""Interoperable image import: ``glance-direct``, ``web-download``, ``glance-download`` and
``copy-image``, run in the background and recorded as tasks.

The request only validates, records a task and marks the image (``importing``, plus the
``os_glance_*`` bookkeeping properties); a worker thread then moves the bytes, store by store, so
a large import never holds an API request. A failure on a store lands in
``os_glance_failed_import``; with ``all_stores_must_succeed`` (the default) it fails the whole
task and the image goes back to ``queued`` without the copies already made.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.diskimage import convert
from nimbus.core.errors import BadRequest, Conflict
from nimbus.image import fetch, import_data, states
from nimbus.image import locations as loc
from nimbus.image.tasks import FAILURE, PENDING, PROCESSING, SUCCESS, TaskManager

if TYPE_CHECKING:
    from nimbus.core.platform import Platform
    from nimbus.image.data import ImageData
    from nimbus.image.stores import Stores

LOG = logging.getLogger(__name__)
TASK_TYPE = "api_image_import"


class Plan:
    """What one import does: the method, its parameters and the stores it writes."""

    def __init__(self, method: str, params: dict[str, Any], stores: list[str],
                 must_succeed: bool, was_active: bool) -> None:
        self.method = method
        self.params = params
        self.stores = stores
        self.must_succeed = must_succeed
        self.was_active = was_active


class Importer:
    def __init__(self, cloud: Platform | None, data: ImageData, tasks: TaskManager,
                 stores: Stores, workers: int = 2) -> None:
        self.cloud = cloud
        self.data = data
        self.db = data.db
        self.tasks = tasks
        self.stores = stores
        self.allowed = fetch.allow_list(cloud.settings) if cloud is not None else []
        # The format imports convert to (``convert``); None: stored as they came.
        self.convert_to = convert.target_format(cloud.settings) if cloud is not None else None
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="image-import")

    def stop(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def methods(self) -> list[str]:
        found = ["glance-direct"]
        if self.allowed:
            found.append("web-download")
        if self.stores.multi:
            found.append("copy-image")
        if self.cloud is not None:
            found.append("glance-download")
        return found

    # -- the request ---------------------------------------------------------------------

    def _targets(self, body: dict[str, Any], header_store: str | None,
                 image: dict[str, Any], method: str) -> list[str]:
        all_stores = body.get("all_stores")
        if all_stores:
            wanted = self.stores.writable()
        elif body.get("stores") is not None:
            raw = body["stores"]
            if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw) or \
                    not raw:
                raise BadRequest("'stores' must be a non-empty list of store ids.")
            wanted = list(dict.fromkeys(raw))
        elif header_store:
            wanted = [header_store]
        else:
            wanted = [self.stores.default.id]
        for sid in wanted:
            if self.stores.get(sid).read_only:
                raise BadRequest(f"Store {sid} is read-only.")
        if method == "copy-image":
            present = set(image.get("locations") or {})
            if not all_stores:
                for sid in wanted:
                    if sid in present:
                        raise Conflict(f"Image {image['id']} is already present in store "
                                       f"{sid}.")
            wanted = [s for s in wanted if s not in present]
        return wanted

    def _validate(self, body: Any, image: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if not isinstance(body, dict):
            raise BadRequest("Body expected in request.")
        method = body.get("method")
        if not isinstance(method, dict) or not isinstance(method.get("name"), str):
            raise BadRequest("Import request requires a 'method' field with a 'name'.")
        name = method["name"]
        if name not in self.methods():
            raise BadRequest(f"Import method {name} is not supported by this cloud; it offers "
                             f"{', '.join(self.methods())}.")
        for flag in ("all_stores", "all_stores_must_succeed"):
            if flag in body and not isinstance(body[flag], bool | None):
                raise BadRequest(f"'{flag}' must be boolean value only")
        status = image["status"]
        if name == "glance-direct" and status != states.UPLOADING:
            raise Conflict("Image needs to be staged before 'glance-direct' method can be used")
        if name in ("web-download", "glance-download") and status != states.QUEUED:
            raise Conflict(f"Image needs to be in 'queued' state to use '{name}' method")
        if name == "copy-image" and status != states.ACTIVE:
            raise Conflict("Image needs to be in 'active' state to use 'copy-image' method")
        params = {k: v for k, v in method.items() if k != "name"}
        if name == "web-download":
            fetch.check_uri(params.get("uri"), self.allowed)
        if name == "glance-download":
            if not isinstance(params.get("glance_image_id"), str) or \
                    not fetch.UUID_RE.match(params["glance_image_id"]):
                raise BadRequest("Remote image id does not look like a UUID: "
                                 f"{params.get('glance_image_id')}")
            if not isinstance(params.get("glance_region"), str):
                raise BadRequest("glance-download needs 'glance_region'.")
            params.setdefault("glance_service_interface", "public")
        return name, params

    def start(self, ctx: RequestContext, image: dict[str, Any], body: Any,
              header_store: str | None = None) -> dict[str, Any]:
        """Validate, record the task, mark the image and hand the work to a worker."""
        name, params = self._validate(body, image)
        targets = self._targets(body, header_store, image, name)
        must = body.get("all_stores_must_succeed")
        plan = Plan(name, params, targets, True if must is None else bool(must),
                    image["status"] == states.ACTIVE)
        task_input = {"image_id": image["id"], "import_req": body,
                      "backend": targets}
        task = self.tasks.create(ctx, TASK_TYPE, task_input, image["id"], owner=image["owner"])
        self._mark(image["id"], task["id"], plan)
        if not targets:
            self._finish_task(image["id"], task["id"], plan, [])
            return task
        self.pool.submit(self._run, task["id"], image["id"], plan)
        return task

    @retry_on_lock()
    def _mark(self, image_id: str, task_id: str, plan: Plan) -> None:
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None:
                raise Conflict(f"Image {image_id} was deleted.")
            running = loc.get_property(session, image_id, loc.TASK)
            if running:
                other = self.tasks_status(running)
                if other in (PENDING, PROCESSING):
                    raise Conflict(f"Image {image_id} has an import in progress (task "
                                   f"{running}).")
            expected = {"glance-direct": states.UPLOADING, "copy-image": states.ACTIVE}.get(
                plan.method, states.QUEUED)
            if row.status != expected:
                raise Conflict(f"Image status is {row.status}; the import needs {expected}.")
            if plan.method != "copy-image":
                row.status = states.IMPORTING
            row.updated_at = utcnow()
            loc.set_properties(session, image_id, {
                loc.TASK: task_id, loc.IMPORTING: ",".join(plan.stores),
                loc.FAILED: ""})

    def tasks_status(self, task_id: str) -> str | None:
        try:
            return str(self.tasks.get(RequestContext.admin(), task_id)["status"])
        except Exception:  # noqa: BLE001 - a vanished task no longer holds the lock
            return None

    # -- the worker ----------------------------------------------------------------------

    def _run(self, task_id: str, image_id: str, plan: Plan) -> None:
        self.tasks.set_status(task_id, PROCESSING)
        done: list[str] = []
        try:
            source = self._source(image_id, plan)
            if self.convert_to and plan.method != "copy-image":
                import_data.convert_staged(self.data, image_id, self.convert_to)
            for sid in plan.stores:
                try:
                    self._import_to(image_id, sid, source, plan, first=not done and
                                    not plan.was_active)
                    done.append(sid)
                    self._progress(image_id, sid, failed=False)
                except Exception as exc:  # noqa: BLE001 - recorded on the image and task
                    LOG.warning("import of %s to store %s failed: %s", image_id, sid, exc)
                    self._progress(image_id, sid, failed=True)
                    if plan.must_succeed or (not done and not plan.was_active and
                                             sid == plan.stores[-1]):
                        raise
            self._finish_task(image_id, task_id, plan, done)
        except Exception as exc:  # noqa: BLE001 - the task records why
            LOG.warning("import task %s for image %s failed: %s", task_id, image_id, exc)
            self._fail(image_id, task_id, plan, done, str(exc))

    def _source(self, image_id: str, plan: Plan) -> Source:
        """Where every store reads from; remote bytes are staged first, read once."""
        image = self._image(image_id)
        if plan.method == "glance-direct":
            return Source(self.data.staging, image["staging"])
        if plan.method == "copy-image":
            present = self.data.manager.stores_of(image_id)
            sid = self.stores.sort(set(present))[0]
            return Source(self.stores.get(sid).driver, present[sid])
        if plan.method == "web-download":
            chunks: Iterable[bytes] = fetch.web(plan.params["uri"], self.allowed)
        else:
            assert self.cloud is not None
            record, chunks = fetch.remote_image(self.cloud, plan.params["glance_image_id"],
                                                plan.params["glance_region"],
                                                plan.params["glance_service_interface"])
            self._adopt(image_id, record)
        staged = import_data.stage_stream(self.data, image_id, chunks)
        return Source(self.data.staging, staged)

    def _import_to(self, image_id: str, sid: str, source: Source, plan: Plan,
                   first: bool) -> None:
        store = self.stores.get(sid)
        if first:
            import_data.store_first(self.data, image_id, sid, store.driver, source.read())
        else:
            import_data.store_copy(self.data, image_id, sid, store.driver, source.read())

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
            importing = loc.split(loc.get_property(session, image_id, loc.IMPORTING))
            failures = loc.split(loc.get_property(session, image_id, loc.FAILED))
            if failed and sid not in failures:
                failures.append(sid)
            loc.set_properties(session, image_id, {
                loc.IMPORTING: ",".join(s for s in importing if s != sid),
                loc.FAILED: ",".join(failures)})

    def _finish_task(self, image_id: str, task_id: str, plan: Plan, done: list[str]) -> None:
        self._release(image_id, task_id, plan, revert=False)
        self.tasks.set_status(task_id, SUCCESS, result={"image_id": image_id})

    def _fail(self, image_id: str, task_id: str, plan: Plan, done: list[str],
              message: str) -> None:
        if not plan.was_active or plan.must_succeed:
            import_data.drop_stores(self.data, image_id, done)
        try:
            self._release(image_id, task_id, plan, revert=not plan.was_active)
        finally:
            self.tasks.set_status(task_id, FAILURE, message=message)

    @retry_on_lock()
    def _release(self, image_id: str, task_id: str, plan: Plan, revert: bool) -> None:
        staged = None
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None:
                return
            props: dict[str, str | None] = {loc.IMPORTING: ""}
            if loc.get_property(session, image_id, loc.TASK) == task_id:
                props[loc.TASK] = None
            if revert:
                failures = loc.split(loc.get_property(session, image_id, loc.FAILED))
                props[loc.FAILED] = ",".join(dict.fromkeys(failures + [
                    s for s in plan.stores if s not in failures]))
                if row.status in (states.IMPORTING, states.UPLOADING, states.ACTIVE):
                    row.status = states.QUEUED
                    for key in ("size", "checksum", "os_hash_algo", "os_hash_value",
                                "virtual_size", "location"):
                        setattr(row, key, None)
                staged, row.staging = row.staging, None
            elif plan.method != "copy-image":
                staged, row.staging = row.staging, None
                if row.status == states.IMPORTING and row.location:
                    row.status = states.ACTIVE
            loc.set_properties(session, image_id, props)
            row.updated_at = utcnow()
        if staged:
            self.data.staging.delete(staged)


class Source:
    """Bytes every target store can read again from the start."""

    def __init__(self, driver: Any, location: str | None) -> None:
        if not location:
            raise Conflict("The image has no data to import.")
        self.driver = driver
        self.location = location

    def read(self) -> Iterator[bytes]:
        return iter(self.driver.get(self.location))


def run_legacy(importer: Importer, ctx: RequestContext, task: dict[str, Any]) -> None:
    """The legacy ``import`` task: a new image from ``image_properties``, web-downloaded."""
    importer.pool.submit(_legacy, importer, ctx, task)


def _legacy(importer: Importer, ctx: RequestContext, task: dict[str, Any]) -> None:
    import time

    from nimbus.image.schemas.requests import parse_create

    tasks = importer.tasks
    tasks.set_status(task["id"], PROCESSING)
    try:
        props = dict(task["input"].get("image_properties") or {})
        image = importer.data.manager.create(ctx, parse_create(props))
        sub = importer.start(ctx, image, {"method": {"name": "web-download",
                                                     "uri": task["input"]["import_from"]}})
        while True:
            status = importer.tasks_status(sub["id"])
            if status in (SUCCESS, FAILURE, None):
                break
            time.sleep(0.5)
        if status != SUCCESS:
            raise Conflict(f"The web-download of {task['input']['import_from']} failed.")
        tasks.set_status(task["id"], SUCCESS, result={"image_id": image["id"]})
    except Exception as exc:  # noqa: BLE001 - the task records why
        tasks.set_status(task["id"], FAILURE, message=str(exc))
