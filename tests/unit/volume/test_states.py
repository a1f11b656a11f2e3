"""The declared state machines: every action's move is one they allow, an impossible move is a
409 naming both states, and the agent drops an outcome the volume has moved past."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.core.states import IllegalTransition
from nimbus.volume import states
from nimbus.volume.agent import VolumeAgent
from nimbus.volume.api import volume_actions
from nimbus.volume.db.models import Snapshot, Volume
from nimbus.volume.drivers.fake import FakeDriver
from nimbus.volume.schemas import volume_actions as action_schemas


@pytest.mark.parametrize("action", sorted(states.ACTIONS))
def test_every_action_moves_as_the_machine_allows(action: str) -> None:
    rule = states.ACTIONS[action]
    assert rule.sources <= states.STATUSES
    if rule.target is not None:
        for source in rule.sources:
            assert states.VOLUME_STATUS.can(source, rule.target), (source, rule.target)


def test_reset_reaches_every_resettable_status_and_nothing_else() -> None:
    for current in states.STATUSES:
        for new in states.STATUSES:
            assert states.VOLUME_STATUS_RESET.can(current, new) == (
                new in states.RESETTABLE or new == current)


def test_illegal_move_is_409_naming_both_states() -> None:
    with pytest.raises(IllegalTransition) as caught:
        states.VOLUME_STATUS.check(states.CREATING, states.IN_USE, "vol-1")
    assert caught.value.code == 409
    assert "creating" in caught.value.message and "in-use" in caught.value.message
    with pytest.raises(IllegalTransition):
        states.SNAPSHOT_STATUS.check(states.DELETING, states.AVAILABLE, "snap-1")
    with pytest.raises(IllegalTransition):
        states.VOLUME_STATUS.start(states.AVAILABLE)


def test_every_schema_action_has_a_handler() -> None:
    assert set(action_schemas.ACTIONS) == set(volume_actions._ACTIONS)


def test_agent_drops_a_stale_outcome(make_cloud: Any) -> None:
    cloud, _ = make_cloud(["volume"], prefix="/volume")
    with cloud.db.writer() as s:
        s.add(Volume(id="vol-1", project_id="p", size=1, status=states.DELETING,
                     attach_status=states.DETACHED, host="h@fake#fake"))
        s.flush()
        s.add(Snapshot(id="snap-1", volume_id="vol-1", project_id="p", size=1,
                       status=states.DELETING))
    agent = VolumeAgent(cloud.db, FakeDriver({}), "h@fake")
    # A creation finishing after a forced delete began must not bring the volume back.
    agent.create_volume({}, "vol-1")
    agent.create_snapshot({}, "snap-1")
    with cloud.db.reader() as s:
        assert s.get(Volume, "vol-1").status == states.DELETING
        assert s.get(Snapshot, "snap-1").status == states.DELETING
