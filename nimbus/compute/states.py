"""The server state machines: vm_state, task_state, power_state and the status users see.

Every transition the API allows is declared here, so the rules live in one readable place:
``ACTIONS[name]`` says from which vm_states an action may start, which task_state it sets while
the agent works, and which vm_state it ends in. ``VM_STATE`` and ``TASK_STATE`` are the machines
every write of those fields goes through (``db/instances.py``), so a move nobody declared is a
409 naming both states instead of a server in an impossible state.
"""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.errors import InvalidState
from nimbus.core.states import State, StateMachine


class VmState:
    BUILDING = "building"
    ACTIVE = "active"
    STOPPED = "stopped"
    PAUSED = "paused"
    SUSPENDED = "suspended"
    ERROR = "error"
    DELETED = "deleted"
    RESCUED = "rescued"
    RESIZED = "resized"
    SHELVED = "shelved"
    SHELVED_OFFLOADED = "shelved_offloaded"
    SOFT_DELETED = "soft-delete"


class TaskState:
    SCHEDULING = "scheduling"
    NETWORKING = "networking"
    SPAWNING = "spawning"
    DELETING = "deleting"
    SOFT_DELETING = "soft-deleting"
    REBOOTING = "rebooting"
    REBOOTING_HARD = "rebooting_hard"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    IMAGE_SNAPSHOT = "image_snapshot"
    IMAGE_PENDING_UPLOAD = "image_pending_upload"
    IMAGE_UPLOADING = "image_uploading"
    REBUILDING = "rebuilding"
    RESCUING = "rescuing"
    UNRESCUING = "unrescuing"
    UPDATING_PASSWORD = "updating_password"
    RESIZE_PREP = "resize_prep"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_FINISH = "resize_finish"
    RESIZE_REVERTING = "resize_reverting"
    RESIZE_CONFIRMING = "resize_confirming"
    MIGRATING = "migrating"
    SHELVING = "shelving"
    SHELVING_OFFLOADING = "shelving_offloading"
    UNSHELVING = "unshelving"
    RESTORING = "restoring"


class PowerState:
    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


_STATUS = {
    VmState.BUILDING: "BUILD",
    VmState.ACTIVE: "ACTIVE",
    VmState.STOPPED: "SHUTOFF",
    VmState.PAUSED: "PAUSED",
    VmState.SUSPENDED: "SUSPENDED",
    VmState.ERROR: "ERROR",
    VmState.DELETED: "DELETED",
    VmState.RESCUED: "RESCUE",
    VmState.RESIZED: "VERIFY_RESIZE",
    VmState.SHELVED: "SHELVED",
    VmState.SHELVED_OFFLOADED: "SHELVED_OFFLOADED",
    VmState.SOFT_DELETED: "SOFT_DELETED",
}

# A task can override the status of a server, as Nova shows REBOOT while rebooting: for an
# active server all of these, for a stopped one those of a rebuild or a resize.
_RESIZE_STATUS = {TaskState.RESIZE_PREP: "RESIZE", TaskState.RESIZE_MIGRATING: "RESIZE",
                  TaskState.RESIZE_FINISH: "RESIZE", TaskState.RESIZE_REVERTING: "REVERT_RESIZE",
                  TaskState.REBUILDING: "REBUILD"}
_TASK_STATUS = {
    TaskState.REBOOTING: "REBOOT",
    TaskState.REBOOTING_HARD: "HARD_REBOOT",
    TaskState.UPDATING_PASSWORD: "PASSWORD",
    TaskState.MIGRATING: "MIGRATING",
    **_RESIZE_STATUS,
}


def status_of(vm_state: str, task_state: str | None) -> str:
    """The API ``status`` for a vm_state/task_state pair."""
    if vm_state == VmState.ACTIVE and task_state in _TASK_STATUS:
        return _TASK_STATUS[task_state]
    if vm_state in (VmState.STOPPED, VmState.RESIZED) and task_state in _RESIZE_STATUS:
        return _RESIZE_STATUS[task_state]
    return _STATUS.get(vm_state, "UNKNOWN")


def vm_states_for_status(status: str) -> list[str]:
    """The vm_states a ``status`` filter selects (``status=ACTIVE`` -> ``active``)."""
    status = status.upper()
    return [vm for vm, st in _STATUS.items() if st == status]


@dataclass(frozen=True)
class Transition:
    """An action: allowed starting vm_states, the task while it runs, the vm_state after."""

    allowed: tuple[str, ...]
    task: str
    final: str
    power: int


ACTIONS: dict[str, Transition] = {
    "reboot": Transition((VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED,
                          VmState.ERROR), TaskState.REBOOTING, VmState.ACTIVE, PowerState.RUNNING),
    "stop": Transition((VmState.ACTIVE, VmState.ERROR), TaskState.POWERING_OFF, VmState.STOPPED,
                       PowerState.SHUTDOWN),
    "start": Transition((VmState.STOPPED,), TaskState.POWERING_ON, VmState.ACTIVE,
                        PowerState.RUNNING),
    "pause": Transition((VmState.ACTIVE,), TaskState.PAUSING, VmState.PAUSED, PowerState.PAUSED),
    "unpause": Transition((VmState.PAUSED,), TaskState.UNPAUSING, VmState.ACTIVE,
                          PowerState.RUNNING),
    "suspend": Transition((VmState.ACTIVE,), TaskState.SUSPENDING, VmState.SUSPENDED,
                          PowerState.SUSPENDED),
    "resume": Transition((VmState.SUSPENDED,), TaskState.RESUMING, VmState.ACTIVE,
                         PowerState.RUNNING),
    "rescue": Transition((VmState.ACTIVE, VmState.STOPPED, VmState.ERROR), TaskState.RESCUING,
                         VmState.RESCUED, PowerState.RUNNING),
    "unrescue": Transition((VmState.RESCUED,), TaskState.UNRESCUING, VmState.ACTIVE,
                           PowerState.RUNNING),
    "changePassword": Transition((VmState.ACTIVE,), TaskState.UPDATING_PASSWORD, VmState.ACTIVE,
                                 PowerState.RUNNING),
}


@dataclass(frozen=True)
class Flow:
    """Work of several steps (a resize, a shelve...): the vm_states it may start from, the
    tasks it moves through in order, and the vm_states it may end in (a stopped server that is
    rebuilt or resized stays stopped)."""

    allowed: tuple[str, ...]
    tasks: tuple[str, ...]
    finals: tuple[str, ...]


_RUNNING_OR_STOPPED = (VmState.ACTIVE, VmState.STOPPED)
# A delete deferred by ``reclaim_instance_interval`` puts a guest that exists on its host aside,
# powered off; a server in any other state is deleted at once.
SOFT_DELETABLE = (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED,
                  VmState.RESCUED)
FLOWS: dict[str, Flow] = {
    "rebuild": Flow((VmState.ACTIVE, VmState.STOPPED, VmState.ERROR), (TaskState.REBUILDING,),
                    _RUNNING_OR_STOPPED),
    # A rebuild on another host, the server's own being down.
    "evacuate": Flow((VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
                     (TaskState.REBUILDING,), _RUNNING_OR_STOPPED),
    "softDelete": Flow(SOFT_DELETABLE, (TaskState.SOFT_DELETING,), (VmState.SOFT_DELETED,)),
    "restore": Flow((VmState.SOFT_DELETED,), (TaskState.RESTORING,), (VmState.ACTIVE,)),
    "resize": Flow(_RUNNING_OR_STOPPED, (TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING,
                                         TaskState.RESIZE_FINISH), (VmState.RESIZED,)),
    "confirmResize": Flow((VmState.RESIZED,), (TaskState.RESIZE_CONFIRMING,),
                          _RUNNING_OR_STOPPED),
    "revertResize": Flow((VmState.RESIZED,), (TaskState.RESIZE_REVERTING,), _RUNNING_OR_STOPPED),
    "os-migrateLive": Flow((VmState.ACTIVE, VmState.PAUSED), (TaskState.MIGRATING,),
                           (VmState.ACTIVE, VmState.PAUSED)),
    "shelve": Flow((VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED),
                   (TaskState.SHELVING, TaskState.SHELVING_OFFLOADING),
                   (VmState.SHELVED, VmState.SHELVED_OFFLOADED)),
    "shelveOffload": Flow((VmState.SHELVED,), (TaskState.SHELVING_OFFLOADING,),
                          (VmState.SHELVED_OFFLOADED,)),
    "unshelve": Flow((VmState.SHELVED, VmState.SHELVED_OFFLOADED), (TaskState.UNSHELVING,),
                     (VmState.ACTIVE,)),
}
FLOWS["migrate"] = FLOWS["resize"]

# createImage: the vm_states a server may be snapshotted from (the guest keeps its state).
SNAPSHOTTABLE = (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED)

# Volumes attach to a guest that exists on its host and is not busy.
ATTACHABLE = (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED)
# Nova detaches from a server waiting for its resize confirm, shelved or soft-deleted too;
# not from a rescued one.
DETACHABLE = (*ATTACHABLE, VmState.RESIZED, VmState.SHELVED, VmState.SOFT_DELETED)


def action_task(action: str, hard: bool = False) -> str:
    """The task_state an action holds while the agent works (a hard reboot has its own)."""
    if action == "reboot" and hard:
        return TaskState.REBOOTING_HARD
    return ACTIONS[action].task


# The states of a guest that exists on its host, and the vm_state each power state means.
GUEST_STATES = (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED)
VM_STATE_OF_POWER = {PowerState.RUNNING: VmState.ACTIVE, PowerState.PAUSED: VmState.PAUSED,
                     PowerState.SHUTDOWN: VmState.STOPPED, PowerState.CRASHED: VmState.STOPPED,
                     PowerState.SUSPENDED: VmState.SUSPENDED}
# The task each action holds while it runs, back to the action (and whether it is hard).
ACTION_OF_TASK = {**{t.task: (name, False) for name, t in ACTIONS.items()},
                  TaskState.REBOOTING_HARD: ("reboot", True)}


def _vm_moves() -> dict[State, set[State]]:
    moves: dict[State, set[State]] = {state: set() for state in _STATUS}
    moves[VmState.BUILDING].add(VmState.ACTIVE)
    for transition in ACTIONS.values():
        for source in transition.allowed:
            moves[source].add(transition.final)
    for flow in FLOWS.values():
        for source in flow.allowed:
            moves[source].update(flow.finals)
    # An action a restart cut short ends in whatever state its host reports of the guest.
    for source in GUEST_STATES:
        moves[source].update(GUEST_STATES)
    return moves


# A server is built, then each action moves it from one of its allowed states to its final one;
# any server may fail (ERROR) or go away.
VM_STATE = StateMachine(
    "instance", "vm_state", _vm_moves(),
    any_to=frozenset({VmState.ERROR, VmState.DELETED}),
    initial=frozenset({VmState.BUILDING}),
)


def _task_moves() -> dict[State, set[State]]:
    action_tasks = {t.task for t in ACTIONS.values()} | {TaskState.REBOOTING_HARD}
    moves: dict[State, set[State]] = {
        # Idle: an action, a snapshot or a delete may start.
        None: {*action_tasks, TaskState.IMAGE_SNAPSHOT, TaskState.DELETING},
        # Building: the scheduler, then the agent, hand the server on.
        TaskState.SCHEDULING: {TaskState.NETWORKING},
        TaskState.NETWORKING: {TaskState.SPAWNING},
        TaskState.SPAWNING: set(),
        # Snapshot: the agent captures the disk, then uploads it.
        TaskState.IMAGE_SNAPSHOT: {TaskState.IMAGE_PENDING_UPLOAD},
        TaskState.IMAGE_PENDING_UPLOAD: {TaskState.IMAGE_UPLOADING},
        TaskState.IMAGE_UPLOADING: set(),
        TaskState.DELETING: set(),
        **{task: set() for task in action_tasks},
    }
    for flow in FLOWS.values():
        moves[None].add(flow.tasks[0])
        for step, following in zip(flow.tasks, [*flow.tasks[1:], None], strict=True):
            moves.setdefault(step, set())
            if following is not None:
                moves[step].add(following)
    # Every task ends (done, failed, or the server went to ERROR) by going back to idle.
    for task, targets in moves.items():
        if task is not None:
            targets.add(None)
    return moves


TASK_STATE = StateMachine(
    "instance", "task_state", _task_moves(),
    # A delete takes the server over whatever it was doing.
    any_to=frozenset({TaskState.DELETING}),
    initial=frozenset({TaskState.SCHEDULING}),
)


class AttachmentStatus:
    ATTACHING = "attaching"
    ATTACHED = "attached"
    DETACHING = "detaching"


# A volume attachment: attaching until the host has connected it; a detach may start at any
# time and, when the host fails to disconnect, leaves it attached.
ATTACHMENT_STATUS = StateMachine(
    "volume attachment", "status", {
        AttachmentStatus.ATTACHING: {AttachmentStatus.ATTACHED, AttachmentStatus.DETACHING},
        AttachmentStatus.ATTACHED: {AttachmentStatus.DETACHING},
        AttachmentStatus.DETACHING: {AttachmentStatus.ATTACHED},
    },
    initial=frozenset({AttachmentStatus.ATTACHING}),
)


def check_action(action: str, server_id: str, vm_state: str, task_state: str | None) -> Transition:
    """The transition for ``action``, or 409 when the server's state does not allow it."""
    transition = ACTIONS[action]
    if task_state is not None:
        raise invalid_state(action, server_id, "task_state", task_state)
    if vm_state not in transition.allowed:
        raise invalid_state(action, server_id, "vm_state", vm_state)
    return transition


def check_flow(name: str, server_id: str, vm_state: str, task_state: str | None) -> Flow:
    """The flow for ``name``, or 409 when the server's state does not allow it."""
    flow = FLOWS[name]
    if task_state is not None:
        raise invalid_state(name, server_id, "task_state", task_state)
    if vm_state not in flow.allowed:
        raise invalid_state(name, server_id, "vm_state", vm_state)
    return flow


def invalid_state(action: str, server_id: str, kind: str, state: str) -> InvalidState:
    """Nova's own wording, which clients and tests match on."""
    return InvalidState(f"Cannot '{action}' instance {server_id} while it is in {kind} {state}",
                        action=action, resource="instance", id=server_id, state=state,
                        state_kind=kind)
