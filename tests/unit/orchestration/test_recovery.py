"""A stack the engine was working on when its process died (kill -9) is failed when the
engine starts again, as Heat fails it, so that it can be updated or deleted; stacks that had
finished are left as they were."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.orchestration.db.models import Stack
from nimbus.orchestration.engine.engine import Engine

COVERS = [("orchestration", "after a crash, stacks left in progress are failed at the "
                            "engine's start ('Engine went down during stack CREATE')")]


def _stack(ident: str, action: str, status: str) -> Stack:
    return Stack(id=ident, name=ident, project_id="p", user_id="u", action=action,
                 status=status, status_reason="", template={}, files={}, environment={},
                 params={}, outputs={}, disable_rollback=True)


def test_in_progress_stacks_fail_when_the_engine_starts(make_cloud: Callable[..., Any]) -> None:
    cloud, _ = make_cloud(["orchestration"], prefix="/orchestration")
    with cloud.db.writer() as s:
        s.add_all([_stack("making", "CREATE", "IN_PROGRESS"),
                   _stack("changing", "UPDATE", "IN_PROGRESS"),
                   _stack("done", "CREATE", "COMPLETE")])
    Engine(None, cloud.db).recover()
    with cloud.db.reader() as s:
        found = {row.id: row for row in s.query(Stack)}
    assert (found["making"].status, found["making"].status_reason) == \
        ("FAILED", "Engine went down during stack CREATE")
    assert (found["changing"].status, found["changing"].status_reason) == \
        ("FAILED", "Engine went down during stack UPDATE")
    assert (found["done"].action, found["done"].status) == ("CREATE", "COMPLETE")
