"""The scheduler starts and finishes the events of a whole batch of servers in one statement
each: the same results on SQLite, PostgreSQL and MariaDB, each event on its own server's
action."""

from __future__ import annotations

from sqlalchemy import select

from nimbus.compute.db import actions
from nimbus.compute.db.models import InstanceAction, InstanceActionEvent
from nimbus.core.db.engine import Database

COVERS = [("compute", "instance action events started and finished in batches, on SQLite, "
                      "PostgreSQL and MariaDB")]


def test_batch_events_land_on_their_own_actions(any_database: Database) -> None:
    database = any_database
    servers = [f"00000000-0000-0000-0000-00000000000{i}" for i in range(4)]
    ctx = {"user_id": "u", "project_id": "p"}
    for n, uuid in enumerate(servers):
        actions.record_action(database, {**ctx, "request_id": f"req-{n}"}, uuid, "create")
    # A request id that matches no action gets no event.
    wanted = {uuid: f"req-{n}" for n, uuid in enumerate(servers)}
    wanted[servers[3]] = "req-other"
    started = actions.start_events(database, wanted, "schedule_instances")
    assert set(started) == set(servers[:3])
    actions.finish_events(database, [started[u] for u in servers[:2]], "Success")
    with database.reader() as s:
        rows = {row.id: row for row in s.scalars(select(InstanceActionEvent))}
        action_of = {a.id: a.instance_uuid for a in s.scalars(select(InstanceAction))}
    for uuid in servers[:3]:
        row = rows[started[uuid]]
        assert action_of[row.action_id] == uuid and row.event == "schedule_instances"
        assert row.start_time is not None
        assert row.result == ("Success" if uuid in servers[:2] else None)
        assert (row.finish_time is not None) == (uuid in servers[:2])
