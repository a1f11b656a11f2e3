"""``/v2/tasks`` and ``/v2/images/{id}/tasks``: asynchronous work and how it went."""

from __future__ import annotations

import dataclasses
from typing import Any

from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.image.api.common import load
from nimbus.image.constants import DEFAULT_LIMIT, MAX_LIMIT
from nimbus.image.schemas import requests, views
from nimbus.image.state import ImageState

router = Router()


@router.get("/v2/images/{image_id}/tasks")
def image_tasks(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """The tasks that worked on an image."""
    image = load(req, "get_image")
    return {"tasks": [views.task(t, with_image=True)
                      for t in req.svc.tasks.for_image(image["id"])]}


@router.get("/v2/tasks", query=requests.TASK_LIST_QUERY)
def list_tasks(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One page of tasks, newest first; ``next`` whenever the page is full, as Glance gives it."""
    req.enforce("get_tasks")
    req.enforce("tasks_api_access")
    sort = [(req.args.get("sort_key", "created_at"), req.args.get("sort_dir", "desc"))]
    query = paging.page_query(req, sort=sort)
    if query.limit is None:
        query = dataclasses.replace(query, limit=DEFAULT_LIMIT)
    found = req.svc.tasks.list_tasks(req.ctx, query, status=req.args.get("status"),
                                     task_type=req.args.get("type"))
    limit = min(query.limit or 0, MAX_LIMIT)
    next_marker = found.items[-1]["id"] if found.items and len(found.items) == limit else None
    links = views.collection("/v2/tasks", list(req.query.multi_items()), next_marker)
    body: dict[str, Any] = {"tasks": [views.task(t) for t in found.items],
                            "first": "/v2/tasks", "schema": "/v2/schemas/tasks"}
    if "next" in links:
        body["next"] = links["next"]
    return body


@router.get("/v2/tasks/{task_id}")
def show_task(req: ApiRequest[ImageState]) -> dict[str, Any]:
    """One task."""
    req.enforce("get_task")
    req.enforce("tasks_api_access")
    return views.task(req.svc.tasks.get(req.ctx, req.params["task_id"]))


@router.post("/v2/tasks", status=201, body=requests.CREATE_TASK)
def create_task(req: ApiRequest[ImageState]) -> Reply:
    """The legacy ``import`` task: only sources the web-download allow-list admits."""
    req.enforce("add_task")
    req.enforce("tasks_api_access")
    task = req.svc.importer.legacy_task(req.ctx, req.json["input"])
    return Reply(views.task(req.svc.tasks.get(req.ctx, task["id"])))
