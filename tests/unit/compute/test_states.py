"""The server state machines: every move the API makes is declared, and a write the machines do
not allow is a 409 naming both states, changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute import states
from nimbus.compute.db import attachments, instances
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.states import ATTACHMENT_STATUS, TASK_STATE, VM_STATE, TaskState, VmState
from nimbus.core.states import IllegalTransition
from tests.support.personas import project_of, user_of

UUID = "5e4e0000-0000-4000-8000-000000000002"


@pytest.mark.parametrize("action", sorted(states.ACTIONS))
def test_every_action_is_a_declared_move(action: str) -> None:
    transition = states.ACTIONS[action]
    assert TASK_STATE.can(None, transition.task) and TASK_STATE.can(transition.task, None)
    for source in transition.allowed:
        assert VM_STATE.can(source, transition.final), (source, transition.final)


def test_build_and_snapshot_moves() -> None:
    chain = [TaskState.SCHEDULING, TaskState.NETWORKING, TaskState.SPAWNING, None]
    assert all(TASK_STATE.can(a, b) for a, b in zip(chain, chain[1:], strict=False))
    snapshot = [None, TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_PENDING_UPLOAD,
                TaskState.IMAGE_UPLOADING, None]
    assert all(TASK_STATE.can(a, b) for a, b in zip(snapshot, snapshot[1:], strict=False))
    assert VM_STATE.can(VmState.BUILDING, VmState.ACTIVE)
    # Anything may fail, and a delete takes over whatever runs.
    assert all(VM_STATE.can(s, VmState.ERROR) for s in VM_STATE.states)
    assert all(TASK_STATE.can(s, TaskState.DELETING) for s in TASK_STATE.states)
    # But a task never jumps to another one, nor a build step be skipped.
    assert not TASK_STATE.can(TaskState.REBOOTING, TaskState.IMAGE_SNAPSHOT)
    assert not TASK_STATE.can(None, TaskState.SPAWNING)
    assert not VM_STATE.can(VmState.BUILDING, VmState.PAUSED)
    assert not ATTACHMENT_STATUS.can("attached", "attaching")


@pytest.fixture
def db(make_cloud: Callable[..., Any]) -> Any:
    cloud, _ = make_cloud(["compute"], prefix="/compute")
    instances.create_instance(cloud.db, {
        "uuid": UUID, "name": "vm", "project_id": project_of("member"),
        "user_id": user_of("member"), "flavor_id": "42", "flavor": {},
        "vm_state": VmState.BUILDING, "task_state": TaskState.SCHEDULING})
    return cloud.db


def test_an_illegal_write_is_a_409_naming_both_states(db: Any) -> None:
    with pytest.raises(IllegalTransition) as caught:
        instances.update_instance(db, UUID, vm_state=VmState.PAUSED)
    assert caught.value.code == 409
    assert caught.value.message == (f"Cannot change instance {UUID} vm_state from building to "
                                    "paused.")
    with pytest.raises(IllegalTransition, match="task_state from scheduling to spawning"):
        instances.update_instance(db, UUID, task_state=TaskState.SPAWNING, host="h")
    row = instances.get_instance(db, UUID)
    assert (row.vm_state, row.task_state, row.host) == ("building", "scheduling", None)


def test_legal_writes_move(db: Any) -> None:
    for task in (TaskState.NETWORKING, TaskState.SPAWNING):
        assert instances.update_instance(db, UUID, task_state=task) is not None
    done = instances.update_instance(db, UUID, expected_task=TaskState.SPAWNING,
                                     vm_state=VmState.ACTIVE, task_state=None)
    assert done is not None and (done.vm_state, done.task_state) == ("active", None)
    # A conditional write that finds another task changes nothing.
    assert instances.update_instance(db, UUID, expected_task=TaskState.REBOOTING,
                                     task_state=None) is None


def test_a_new_server_starts_building(db: Any) -> None:
    with pytest.raises(IllegalTransition, match=r"from \(new\) to active"):
        instances.create_instance(db, {"name": "x", "project_id": "p", "user_id": "u",
                                       "flavor_id": "1", "vm_state": VmState.ACTIVE,
                                       "task_state": None})
    assert isinstance(instances.get_instance(db, UUID), Instance)


def test_attachment_status_moves(db: Any) -> None:
    bdm = attachments.add_attachment(db, {"instance_uuid": UUID, "volume_id": "v",
                                          "device_name": "/dev/vdb"})
    attachments.update_attachment(db, bdm.id, status="attached")
    with pytest.raises(IllegalTransition, match="status from attached to attaching"):
        attachments.update_attachment(db, bdm.id, status="attaching")
    found = attachments.find_attachment(db, UUID, bdm_id=bdm.id)
    assert isinstance(found, VolumeAttachment) and found.status == "attached"
