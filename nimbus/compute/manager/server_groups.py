"""Server groups: who sees which, what a policy may carry, and joining one at server create.

As in Nova, a group is visible to its own project and to administrators only; another
project's group is as unknown as one that does not exist (404 on the group's own routes, 400
when a server create names it).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from nimbus.compute.db import server_groups as db
from nimbus.compute.db.models import ServerGroup
from nimbus.compute.schemas.common import bounded_int
from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, NotFound

__all__ = ["ServerGroup", "ServerGroupManager", "group_not_found"]


def group_not_found(uuid: str) -> NotFound:
    return NotFound(f"Instance group {uuid} could not be found.", resource="server_group",
                    id=uuid)


def _canonical(value: str) -> str | None:
    """A group id as stored (lower case, with dashes), or None for text that is no UUID."""
    try:
        return str(uuidlib.UUID(value))
    except (ValueError, AttributeError, TypeError):
        return None


class ServerGroupManager:
    def __init__(self, db: Database, max_limit: int) -> None:
        self.db = db
        self.max_limit = max_limit

    def _scope(self, ctx: RequestContext) -> str | None:
        """The project whose groups the caller sees; None for all of them (an admin)."""
        return None if ctx.is_admin else str(ctx.project_id)

    # -- the group's own routes ------------------------------------------------------------
    def create(self, ctx: RequestContext, name: str, policy: str,
               rules: dict[str, Any] | None) -> ServerGroup:
        """A new group of the caller's project. Only anti-affinity takes rules (2.64+), and its
        only rule is ``max_server_per_host``, a positive integer."""
        rules = dict(rules or {})
        if rules and policy != "anti-affinity":
            raise BadRequest("Only anti-affinity policy supports rules.")
        if "max_server_per_host" in rules:
            rules["max_server_per_host"] = bounded_int(
                "max_server_per_host", rules["max_server_per_host"], minimum=1)
        return db.create_group(self.db, {"name": name, "policy": policy, "rules": rules,
                                         "project_id": str(ctx.project_id),
                                         "user_id": str(ctx.user_id)})

    def get(self, ctx: RequestContext, uuid: str) -> ServerGroup:
        """The group, or 404 when it does not exist or belongs to a project the caller is
        not an administrator of."""
        row = db.find_group(self.db, uuid, self._scope(ctx))
        if row is None:
            raise group_not_found(uuid)
        return row

    def page(self, ctx: RequestContext, all_projects: bool, limit: int | None,
             offset: int | None) -> list[ServerGroup]:
        """The caller's project's groups, or every project's for an admin who asks; Nova's
        offset paging, never more than ``max_limit`` at once."""
        project = None if all_projects and ctx.is_admin else str(ctx.project_id)
        most = self.max_limit if not limit else min(limit, self.max_limit)
        return db.list_groups(self.db, project, most, offset or 0)

    def members(self, rows: list[ServerGroup]) -> dict[int, list[str]]:
        """The members of each group (by the group's row id), in one query."""
        return db.members_of(self.db, [r.id for r in rows])

    def delete(self, row: ServerGroup) -> None:
        """Delete the group. Its members keep running, no longer bound by its policy."""
        if not db.delete_group(self.db, row.uuid):
            raise group_not_found(row.uuid)

    # -- servers ---------------------------------------------------------------------------
    def for_server(self, ctx: RequestContext, hint: str) -> ServerGroup:
        """The group a create request's ``group`` hint names, as the caller sees it: a 400
        (not a 404) when there is none, as Nova answers a request naming a missing thing."""
        found = _canonical(hint)
        row = db.find_group(self.db, found, self._scope(ctx)) if found else None
        if row is None:
            raise BadRequest(group_not_found(hint).message)
        return row

    def add_member(self, group: ServerGroup, instance_uuid: str) -> None:
        db.add_member(self.db, group.id, instance_uuid)

    def groups_of(self, instance_uuid: str) -> list[str]:
        """The ids of the groups a server is in (2.71's ``server_groups``)."""
        return db.groups_of_instance(self.db, instance_uuid)

    def count(self, project_id: str) -> int:
        """How many groups the project has (its ``server_groups`` quota usage)."""
        return db.count_groups(self.db, project_id)
