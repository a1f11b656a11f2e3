"""``/v2/tasks`` and ``/v2/images/{id}/tasks``: asynchronous work and how it went."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.db.base import iso
from nimbus.core.errors import BadRequest
from nimbus.image import fetch, imports
from nimbus.image.api.common import load

router = Router()

TASK_TYPES = ("import",)


def view(task: dict[str, Any], with_image: bool = False) -> dict[str, Any]:
    out = {"id": task["id"], "type": task["type"], "status": task["status"],
           "owner": task["owner"], "input": task["input"], "result": task["result"],
           "message": task["message"], "created_at": iso(task["created_at"]),
           "updated_at": iso(task["updated_at"]), "self": f"/v2/tasks/{task['id']}",
           "schema": "/v2/schemas/task"}
    if task["expires_at"] is not None:
        out["expires_at"] = iso(task["expires_at"])
    if with_image:
        out.update(image_id=task["image_id"], request_id=task["request_id"],
                   user_id=task["user_id"])
    return out


@router.get("/v2/images/{image_id}/tasks")
def image_tasks(req: ApiRequest) -> dict[str, Any]:
    image = load(req, "get_image")
    return {"tasks": [view(t, with_image=True) for t in req.svc.tasks.for_image(image["id"])]}


@router.get("/v2/tasks")
def list_tasks(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_tasks")
    req.enforce("tasks_api_access")
    try:
        limit = int(req.query.get("limit", 25))
    except ValueError:
        raise BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise BadRequest("limit param must be positive")
    sort_dir = req.query.get("sort_dir", "desc")
    if sort_dir not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort direction: {sort_dir}")
    tasks = req.svc.tasks.list_tasks(req.ctx, status=req.query.get("status"),
                               task_type=req.query.get("type"), limit=limit,
                               marker=req.query.get("marker"), sort_dir=sort_dir)
    body: dict[str, Any] = {"tasks": [view(t) for t in tasks], "first": "/v2/tasks",
                            "schema": "/v2/schemas/tasks"}
    if tasks and len(tasks) == limit:
        body["next"] = f"/v2/tasks?marker={tasks[-1]['id']}"
    return body


@router.get("/v2/tasks/{task_id}")
def show_task(req: ApiRequest) -> dict[str, Any]:
    req.enforce("get_task")
    req.enforce("tasks_api_access")
    return view(req.svc.tasks.get(req.ctx, req.params["task_id"]))


@router.post("/v2/tasks", status=201)
def create_task(req: ApiRequest) -> Reply:
    """The legacy ``import`` task: only sources the web-download allow-list admits."""
    req.enforce("add_task")
    req.enforce("tasks_api_access")
    body = req.body_dict()
    if body.get("type") not in TASK_TYPES:
        raise BadRequest(f"Invalid type value: {body.get('type')}. The task types are "
                         f"{', '.join(TASK_TYPES)}.")
    task_input = body.get("input")
    if not isinstance(task_input, dict) or "import_from" not in task_input:
        raise BadRequest("Task input must name 'import_from'.")
    fetch.check_uri(task_input["import_from"], req.svc.importer.allowed)
    task = req.svc.tasks.create(req.ctx, "import", task_input, None)
    imports.run_legacy(req.svc.importer, req.ctx, task)
    return Reply(view(req.svc.tasks.get(req.ctx, task["id"])))
