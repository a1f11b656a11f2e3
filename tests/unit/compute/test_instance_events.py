"""What a build waits for: an event that came before the wait is still found, one that comes
during it ends the wait at once, a missing one ends it when the time is up, and a failed one
says so."""

from __future__ import annotations

import threading

from nimbus.compute.agent.events import InstanceEvents

COVERS = [("compute", "network-vif-plugged waits: early, late, missing and failed events")]

PLUGGED = InstanceEvents.key("network-vif-plugged", "port-1")


def _event(status: str = "completed", server: str = "s1") -> dict[str, str]:
    return {"name": "network-vif-plugged", "server_uuid": server, "tag": "port-1",
            "status": status}


def test_an_event_that_came_first_is_kept_for_its_wait() -> None:
    events = InstanceEvents()
    events.deliver([_event()])
    assert events.wait("s1", [PLUGGED], timeout=0) == {PLUGGED: "completed"}
    # Taken once: the next wait does not see it again.
    assert events.wait("s1", [PLUGGED], timeout=0) == {}


def test_an_event_during_the_wait_ends_it() -> None:
    events = InstanceEvents()
    timer = threading.Timer(0.1, events.deliver, ([_event()],))
    timer.start()
    try:
        assert events.wait("s1", [PLUGGED], timeout=30) == {PLUGGED: "completed"}
    finally:
        timer.cancel()


def test_another_servers_event_or_none_leaves_the_wait_empty() -> None:
    events = InstanceEvents()
    events.deliver([_event(server="s2")])
    assert events.wait("s1", [PLUGGED], timeout=0.1) == {}


def test_a_failed_event_is_reported_as_failed() -> None:
    events = InstanceEvents()
    events.deliver([_event("failed")])
    assert events.wait("s1", [PLUGGED], timeout=0) == {PLUGGED: "failed"}
