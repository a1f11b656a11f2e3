"""What the CloudFormation API asks beside what the native API does: the stack a resource
belongs to, found from the resource's physical id (DescribeStackResources'
``PhysicalResourceId``, Heat's ``find_physical_resource``)."""

from __future__ import annotations

from nimbus.core.db.engine import Database
from nimbus.orchestration.db import resources as resource_db
from nimbus.orchestration.db import stacks as stack_db
from nimbus.orchestration.db.models import Stack


def stack_of_physical(db: Database, project_id: str | None, physical_id: str) -> Stack | None:
    """The live stack holding the resource whose physical id is ``physical_id``, when it is
    ``project_id``'s (any project's for None); None otherwise, so another project's resource
    reads as no resource at all."""
    with db.reader() as session:
        res = resource_db.by_physical_id(session, physical_id)
        row = stack_db.by_id(session, res.stack_id) if res is not None else None
    if row is None or row.deleted_at is not None:
        return None
    if project_id is not None and row.project_id != project_id:
        return None
    return row
