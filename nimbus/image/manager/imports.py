"""Interoperable image import: ``glance-direct``, ``web-download``, ``glance-download`` and
``copy-image``, run in the background and recorded as tasks.

The request only validates, records a task and marks the image (``importing``, plus the
``os_glance_*`` bookkeeping properties); a worker thread (``import_worker``) then moves the
bytes, store by store, so a large import never holds an API request. A failure on a store lands
in ``os_glance_failed_import``; with ``all_stores_must_succeed`` (the default) it fails the
whole task and the image goes back to ``queued`` without the copies already made.
"""

from __future__ import annotations

import time
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, NotFound
from nimbus.image import states
from nimbus.image.constants import FAILED, IMPORT_TASK, IMPORTING, LEGACY_IMPORT_TASK, TASK
from nimbus.image.db import locations as loc
from nimbus.image.drivers import fetch
from nimbus.image.manager import import_steps
from nimbus.image.manager.data import ImageData
from nimbus.image.manager.import_worker import ImportWorker, Plan
from nimbus.image.manager.tasks import TaskManager
from nimbus.image.schemas.requests import parse_create

# How often the legacy import task looks whether its web-download finished (seconds).
LEGACY_POLL = 0.5
LEGACY_INTERRUPTED = ("The import was interrupted: the image service stopped while it ran. "
                      "Its image, if it was made, is imported on its own.")


class Importer:
    def __init__(self, data: ImageData, tasks: TaskManager, worker: ImportWorker) -> None:
        self.data = data
        self.db = data.db
        self.tasks = tasks
        self.stores = data.stores
        self.worker = worker
        self.allowed = worker.allowed

    def stop(self) -> None:
        self.worker.stop()

    def methods(self) -> list[str]:
        found = ["glance-direct"]
        if self.allowed:
            found.append("web-download")
        if self.stores.multi:
            found.append("copy-image")
        if self.worker.remote is not None:
            found.append("glance-download")
        return found

    # -- the request ---------------------------------------------------------------------

    def request(self, ctx: RequestContext, image_id: str, body: dict[str, Any],
                store_id: str | None = None) -> dict[str, Any]:
        """``POST /import`` (the body's shape already checked): the quota, then ``start``."""
        image = self.data.manager.get(ctx, image_id)
        quotas = self.data.manager.quotas
        if quotas is not None:
            quotas.check_import(image["owner"], body["method"]["name"])
        return self.start(ctx, image, body, store_id)

    def _targets(self, body: dict[str, Any], header_store: str | None,
                 image: dict[str, Any], method: str) -> list[str]:
        all_stores = body.get("all_stores")
        if all_stores:
            wanted = self.stores.writable()
        elif body.get("stores") is not None:
            wanted = list(dict.fromkeys(body["stores"]))
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

    def _validate(self, body: dict[str, Any], image: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        method = body["method"]
        name = method["name"]
        if name not in self.methods():
            raise BadRequest(f"Import method {name} is not supported by this cloud; it offers "
                             f"{', '.join(self.methods())}.")
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

    def start(self, ctx: RequestContext, image: dict[str, Any], body: dict[str, Any],
              header_store: str | None = None) -> dict[str, Any]:
        """Validate, record the task, mark the image and hand the work to a worker."""
        name, params = self._validate(body, image)
        targets = self._targets(body, header_store, image, name)
        must = body.get("all_stores_must_succeed")
        plan = Plan(name, params, targets, True if must is None else bool(must),
                    image["status"] == states.ACTIVE)
        task_input = {"image_id": image["id"], "import_req": body,
                      "backend": targets}
        task = self.tasks.create(ctx, IMPORT_TASK, task_input, image["id"],
                                 owner=image["owner"])
        self._mark(image["id"], task["id"], plan)
        if not targets:
            self.worker.finish(image["id"], task["id"], plan)
            return task
        self.worker.submit(task["id"], image["id"], plan)
        return task

    @retry_on_lock()
    def _mark(self, image_id: str, task_id: str, plan: Plan) -> None:
        with self.db.writer() as session:
            row = loc.image_row(session, image_id)
            if row is None:
                raise Conflict(f"Image {image_id} was deleted.")
            running = loc.get_property(session, image_id, TASK)
            if running:
                other = self.tasks_status(running)
                if other in (states.PENDING, states.PROCESSING):
                    raise Conflict(f"Image {image_id} has an import in progress (task "
                                   f"{running}).")
            expected = {"glance-direct": states.UPLOADING, "copy-image": states.ACTIVE}.get(
                plan.method, states.QUEUED)
            if row.status != expected:
                raise Conflict(f"Image status is {row.status}; the import needs {expected}.")
            if plan.method != "copy-image":
                states.IMAGE_STATUS.move(row, states.IMPORTING)
            row.updated_at = utcnow()
            loc.set_properties(session, image_id, {
                TASK: task_id, IMPORTING: ",".join(plan.stores), FAILED: ""})

    def tasks_status(self, task_id: str) -> str | None:
        try:
            return str(self.tasks.get(RequestContext.admin(), task_id)["status"])
        except Exception:  # noqa: BLE001 - a vanished task no longer holds the lock
            return None

    # -- store copies ----------------------------------------------------------------------

    def drop_copy(self, image: dict[str, Any], store_id: str) -> None:
        """``DELETE /v2/stores/{store}/{image}``: remove one store's copy, never the last."""
        if self.stores.get(store_id).read_only:
            raise Conflict(f"Store {store_id} is read-only; remove the image location instead.")
        if image["status"] != states.ACTIVE:
            raise Conflict("It's not allowed to remove image data from store if image status "
                           "is not 'active'")
        held = image.get("locations") or {}
        if store_id not in held:
            raise NotFound(f"Image {image['id']} is not present in store {store_id}.")
        if len(held) == 1:
            raise Conflict(f"Store {store_id} holds the last copy of image {image['id']}; "
                           "delete the image instead.")
        import_steps.drop_stores(self.data, image["id"], [store_id])

    # -- the legacy ``import`` task ------------------------------------------------------

    def legacy_task(self, ctx: RequestContext, task_input: dict[str, Any]) -> dict[str, Any]:
        """``POST /v2/tasks``: a new image from ``image_properties``, web-downloaded in the
        background from ``import_from`` (which the allow-list must admit)."""
        if "import_from" not in task_input:
            raise BadRequest("Task input must name 'import_from'.")
        fetch.check_uri(task_input["import_from"], self.allowed)
        task = self.tasks.create(ctx, LEGACY_IMPORT_TASK, task_input, None)
        self.worker.pool.submit(self._legacy, ctx, task)
        return task

    def recover_legacy(self, task: dict[str, Any]) -> str:
        """A legacy import a stopped process left: one that never started starts now, as its
        owner; one that had started may have made its image, so it fails (its web-download,
        a task of its own, is taken up on its own)."""
        if task["status"] == states.PENDING:
            ctx = RequestContext(request_id=task["request_id"] or RequestContext().request_id,
                                 user_id=task["user_id"], project_id=task["owner"],
                                 roles=["member", "reader"], authenticated=True)
            self.worker.pool.submit(self._legacy, ctx, task)
            return "resumed"
        self.tasks.set_status(task["id"], states.FAILURE, message=LEGACY_INTERRUPTED)
        return "failed: it had started"

    def _legacy(self, ctx: RequestContext, task: dict[str, Any]) -> None:
        self.tasks.set_status(task["id"], states.PROCESSING)
        try:
            props = dict(task["input"].get("image_properties") or {})
            image = self.data.manager.create(ctx, parse_create(props))
            sub = self.start(ctx, image, {"method": {"name": "web-download",
                                                     "uri": task["input"]["import_from"]}})
            while True:
                status = self.tasks_status(sub["id"])
                if status in (states.SUCCESS, states.FAILURE, None):
                    break
                time.sleep(LEGACY_POLL)
            if status != states.SUCCESS:
                raise Conflict(f"The web-download of {task['input']['import_from']} failed.")
            self.tasks.set_status(task["id"], states.SUCCESS, result={"image_id": image["id"]})
        except Exception as exc:  # noqa: BLE001 - the task records why
            self.tasks.set_status(task["id"], states.FAILURE, message=str(exc))
