"""Volume, snapshot and attachment statuses: the state machines, and what each action needs.

Two kinds of rule live here. The machines (``core.states.StateMachine``) say which moves of a
status field can happen at all; every write of ``status`` or ``attach_status`` goes through one,
and an impossible move is a 409 naming both states. ``ACTIONS`` says which statuses each API
action may start from, as Cinder checks it: a volume in the wrong status for an action is
``InvalidVolume`` (400) with Cinder's wording, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.states import StateMachine
from nimbus.volume.errors import InvalidVolume

# Volume ``status`` values (Block Storage API reference, "Volumes" section).
CREATING = "creating"
AVAILABLE = "available"
RESERVED = "reserved"
ATTACHING = "attaching"
DETACHING = "detaching"
IN_USE = "in-use"
MAINTENANCE = "maintenance"
DELETING = "deleting"
AWAITING_TRANSFER = "awaiting-transfer"
ERROR = "error"
ERROR_DELETING = "error_deleting"
BACKING_UP = "backing-up"
RESTORING_BACKUP = "restoring-backup"
ERROR_BACKING_UP = "error_backing-up"
ERROR_RESTORING = "error_restoring"
EXTENDING = "extending"
ERROR_EXTENDING = "error_extending"
DOWNLOADING = "downloading"
UPLOADING = "uploading"
RETYPING = "retyping"
REVERTING = "reverting"
# A snapshot a volume is being reverted to.
RESTORING = "restoring"

STATUSES = frozenset({
    CREATING, AVAILABLE, RESERVED, ATTACHING, DETACHING, IN_USE, MAINTENANCE, DELETING,
    AWAITING_TRANSFER, ERROR, ERROR_DELETING, BACKING_UP, RESTORING_BACKUP, ERROR_BACKING_UP,
    ERROR_RESTORING, EXTENDING, ERROR_EXTENDING, DOWNLOADING, UPLOADING, RETYPING, REVERTING,
})

# ``attach_status`` of a volume and ``attach_status`` of each attachment.
DETACHED = "detached"
ATTACHED = "attached"
ATTACH_RESERVED = "reserved"
ATTACH_ATTACHING = "attaching"
ATTACH_DETACHING = "detaching"
ATTACH_ERROR = "error_attaching"

ATTACH_STATUSES = frozenset({
    DETACHED, ATTACHED, ATTACH_RESERVED, ATTACH_ATTACHING, ATTACH_DETACHING, ATTACH_ERROR,
})

# Snapshot ``status`` values.
SNAPSHOT_STATUSES = frozenset({CREATING, AVAILABLE, DELETING, ERROR, ERROR_DELETING, RESTORING,
                               BACKING_UP})

# Statuses an operator may force with os-reset_status.
RESETTABLE = frozenset(STATUSES - {DELETING})
RESETTABLE_ATTACH = frozenset({DETACHED, ATTACHED})

# -- volume status -------------------------------------------------------------------------------
# Once an attachment is gone (os-detach, os-unreserve, an attachment's deletion), the volume goes
# back to what its remaining attachments make it; Cinder allows that from any status but the two
# where the volume itself is being made or unmade.
RELEASED = frozenset({AVAILABLE, IN_USE, RESERVED})
_VOLUME_MOVES: dict[str | None, set[str]] = {
    # The agent finishes what the API started.
    CREATING: {AVAILABLE, ERROR},
    DELETING: {ERROR_DELETING},
    EXTENDING: {AVAILABLE, IN_USE, ERROR_EXTENDING},
    # Reverting to a snapshot: back to available, or error when the data may be half written.
    REVERTING: {AVAILABLE, ERROR},
    # Attaching: the attachments API reserves, connects and completes; the legacy actions
    # reserve (to attaching), attach, and detach by way of detaching.
    # A volume offered to another project waits for it (awaiting-transfer, then available).
    AVAILABLE: {RESERVED, ATTACHING, IN_USE, EXTENDING, UPLOADING, REVERTING, BACKING_UP,
                RESTORING_BACKUP, AWAITING_TRANSFER, RETYPING, MAINTENANCE},
    # A move to another backend: a retype's (retyping), or a locked migration's (maintenance).
    RETYPING: {AVAILABLE, ERROR},
    MAINTENANCE: {AVAILABLE, ERROR},
    RESERVED: {ATTACHING, IN_USE},
    ATTACHING: {IN_USE},
    # A forced backup of an attached volume (through a temporary snapshot).
    IN_USE: {ATTACHING, DETACHING, EXTENDING, UPLOADING, BACKING_UP},
    DETACHING: {IN_USE},
    # What the agent's start-up reconciliation fails when the work cannot be resumed (Cinder's
    # init_host: an image download cut short is an error, a restore one is error_restoring).
    DOWNLOADING: {ERROR},
    RESTORING_BACKUP: {ERROR_RESTORING},
}
VOLUME_STATUS = StateMachine(
    "volume", "status",
    {state: _VOLUME_MOVES.get(state, set()) | (RELEASED if state not in (CREATING, DELETING,
                                                                           REVERTING)
                                               else set())
     for state in STATUSES},
    # Deleting (os-force_delete, or a cascade) may begin from any status.
    any_to=frozenset({DELETING}),
    # A volume is created ``creating``, or ``error`` when no backend can take it; a volume a
    # backup is restored into is made by the restore itself (``restoring-backup``).
    initial=frozenset({CREATING, ERROR, RESTORING_BACKUP}),
)
# os-reset_status: the operator's override, from any status to any resettable one.
VOLUME_STATUS_RESET = StateMachine("volume", "status", {state: RESETTABLE for state in STATUSES})

# -- volume attach_status ------------------------------------------------------------------------
# Detaching rewrites it from whatever the attachments left (``detached``, ``reserved`` or
# ``attached``); attaching moves it on from ``detached`` or ``reserved``.
_ATTACH_RELEASED = {DETACHED, ATTACH_RESERVED, ATTACHED}
VOLUME_ATTACH_STATUS = StateMachine(
    "volume", "attach_status",
    {
        DETACHED: {ATTACH_RESERVED, ATTACH_ATTACHING, ATTACHED},
        ATTACH_RESERVED: {ATTACH_ATTACHING, *_ATTACH_RELEASED},
        ATTACH_ATTACHING: _ATTACH_RELEASED,
        # An operator's reset can leave a volume ``available`` but still ``attached``: a new
        # connection then moves it to attaching, as before the reset.
        ATTACHED: {ATTACH_ATTACHING, *_ATTACH_RELEASED},
        ATTACH_DETACHING: _ATTACH_RELEASED,
        ATTACH_ERROR: _ATTACH_RELEASED,
    },
    initial=frozenset({DETACHED}),
)
VOLUME_ATTACH_STATUS_RESET = StateMachine(
    "volume", "attach_status", {state: RESETTABLE_ATTACH for state in ATTACH_STATUSES})

# -- attachments ---------------------------------------------------------------------------------
# An attachment is created reserved (attachments API) or attached (legacy os-attach), connected
# (attaching) and completed (attached); detaching deletes the row. A connection its consumer
# never completed goes back to reserved, and a detach cut short back to attached (the agent's
# start-up reconciliation, as os-roll_detaching does for a volume).
ATTACHMENT_STATUS = StateMachine(
    "attachment", "attach_status",
    {
        ATTACH_RESERVED: {ATTACH_ATTACHING, ATTACHED},
        ATTACH_ATTACHING: {ATTACHED, ATTACH_RESERVED},
        ATTACHED: set(),
        ATTACH_DETACHING: {DETACHED, ATTACHED},
        ATTACH_ERROR: {DETACHED},
        DETACHED: set(),
    },
    initial=frozenset({ATTACH_RESERVED, ATTACHED}),
)

# -- snapshots -----------------------------------------------------------------------------------
SNAPSHOT_STATUS = StateMachine(
    "snapshot", "status",
    {
        CREATING: {AVAILABLE, ERROR},
        AVAILABLE: {RESTORING, BACKING_UP},
        RESTORING: {AVAILABLE},
        # A backup of the snapshot (``snapshot_id``) reads it while it stays as it is.
        BACKING_UP: {AVAILABLE},
        ERROR: set(),
        DELETING: {ERROR_DELETING},
        ERROR_DELETING: set(),
    },
    # A volume's cascade deletion takes its snapshots with it, whatever their status.
    any_to=frozenset({DELETING}),
    initial=frozenset({CREATING}),
)
# A snapshot deleted on its own must be in one of these (Cinder's rule and wording).
SNAPSHOT_DELETABLE = frozenset({AVAILABLE, ERROR, ERROR_DELETING})
# A snapshot's os-reset_status: the operator's override, from any status to any other.
SNAPSHOT_STATUS_RESET = StateMachine("snapshot", "status",
                                     {state: SNAPSHOT_STATUSES for state in SNAPSHOT_STATUSES})
# os-update_snapshot_status: what the snapshot's consumer may report, by current status
# (Cinder's rule: a snapshot being made or unmade is finished or failed).
SNAPSHOT_REPORTABLE: dict[str, frozenset[str]] = {
    CREATING: frozenset({CREATING, AVAILABLE, ERROR}),
    DELETING: frozenset({DELETING, ERROR_DELETING}),
}

# -- backups -------------------------------------------------------------------------------------
# Cinder's backup statuses: made (creating), read back into a volume (restoring), unmade
# (deleting); a failed creation or deletion is ``error`` with its ``fail_reason``.
BACKUP_STATUSES = frozenset({CREATING, AVAILABLE, RESTORING, DELETING, ERROR})
BACKUP_STATUS = StateMachine(
    "backup", "status",
    {
        CREATING: {AVAILABLE, ERROR},
        AVAILABLE: {RESTORING},
        RESTORING: {AVAILABLE},
        ERROR: set(),
        DELETING: {ERROR},
    },
    # A forced deletion (os-force_delete) may begin from any status.
    any_to=frozenset({DELETING}),
    initial=frozenset({CREATING}),
)
# os-reset_status takes a backup to one of these from any status (Cinder's rule).
BACKUP_RESETTABLE = frozenset({AVAILABLE, ERROR})
BACKUP_STATUS_RESET = StateMachine("backup", "status",
                                   {state: BACKUP_RESETTABLE for state in BACKUP_STATUSES})
# A backup deleted without force must be in one of these.
BACKUP_DELETABLE = frozenset({AVAILABLE, ERROR})


# -- what each API action needs ------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    """``name`` may start from any of ``sources`` and leads to ``target`` (None: unchanged)."""

    name: str
    sources: frozenset[str]
    target: str | None


def _a(name: str, sources: set[str] | frozenset[str], target: str | None) -> Action:
    return Action(name, frozenset(sources), target)


ACTIONS: dict[str, Action] = {a.name: a for a in [
    _a("delete", {AVAILABLE, ERROR, ERROR_RESTORING, ERROR_EXTENDING, ERROR_DELETING}, DELETING),
    _a("update", STATUSES - {DELETING}, None),
    _a("extend", {AVAILABLE}, EXTENDING),
    _a("extend_attached", {AVAILABLE, IN_USE}, EXTENDING),
    _a("snapshot", {AVAILABLE, IN_USE}, None),
    # Legacy attach: reserve → (initialize_connection) → attach; detach the other way round.
    _a("reserve", {AVAILABLE, IN_USE}, ATTACHING),
    _a("unreserve", {ATTACHING}, None),
    _a("attach", {ATTACHING, RESERVED, IN_USE, AVAILABLE}, IN_USE),
    _a("begin_detaching", {IN_USE}, DETACHING),
    _a("roll_detaching", {DETACHING}, IN_USE),
    _a("detach", {IN_USE, DETACHING, ATTACHING, RESERVED, ERROR, MAINTENANCE}, None),
    # Attachments API (3.27+): create reserves, update connects, complete marks in-use.
    _a("attachment_create", {AVAILABLE, IN_USE, RESERVED, DOWNLOADING}, None),
    _a("attachment_update", {RESERVED, ATTACHING, IN_USE, AVAILABLE}, None),
    _a("attachment_complete", {RESERVED, ATTACHING, IN_USE}, IN_USE),
    _a("attachment_delete", STATUSES - {DELETING, CREATING}, None),
    _a("upload_image", {AVAILABLE, IN_USE}, UPLOADING),
    _a("revert", {AVAILABLE}, REVERTING),
    _a("retype", {AVAILABLE, IN_USE}, None),
    _a("migrate", {AVAILABLE, IN_USE}, None),
]}


def require(action: str, volume_id: str, status: str) -> Action:
    """The rule for ``action``, or ``InvalidVolume`` (400, as Cinder answers) if ``status`` is
    not one it may start from."""
    rule = ACTIONS[action]
    if status not in rule.sources:
        allowed = " or ".join(sorted(rule.sources))
        raise InvalidVolume(
            reason=f"Volume {volume_id} status must be {allowed} to {action.replace('_', ' ')}, "
                   f"but the current status is {status}."
        )
    return rule


def after_detach(remaining_attached: int) -> tuple[str, str]:
    """Volume (status, attach_status) once an attachment is gone and ``remaining_attached`` stay."""
    if remaining_attached:
        return IN_USE, ATTACHED
    return AVAILABLE, DETACHED


def settled(attached: int, reserved: int) -> tuple[str, str]:
    """Volume (status, attach_status) its attachments make it: in-use while one is attached,
    reserved while one is only reserved, available otherwise."""
    if attached:
        return IN_USE, ATTACHED
    if reserved:
        return RESERVED, ATTACH_RESERVED
    return AVAILABLE, DETACHED


# -- what the volume agent finds at its start ---------------------------------------------------
# A crash can leave a volume in a status that only finished work would move it out of. The
# agent's start-up reconciliation resumes the work where it can (creating, deleting), fails it
# where it cannot (these, as Cinder's init_host does), and settles the rest from the attachments.
FAILED_AFTER_RESTART: dict[str, str] = {
    EXTENDING: ERROR_EXTENDING,
    REVERTING: ERROR,
    DOWNLOADING: ERROR,
    RESTORING_BACKUP: ERROR_RESTORING,
}
# Set by the API for a consumer's attach or detach (or by an operator's reset), and left behind
# when the consumer or the cloud went away: the attachments say what the volume is.
SETTLED_AFTER_RESTART = frozenset({ATTACHING, DETACHING, UPLOADING, BACKING_UP, RETYPING})
# Every status the reconciliation looks at.
TRANSITIONAL = frozenset({CREATING, DELETING, *FAILED_AFTER_RESTART, *SETTLED_AFTER_RESTART})

# -- generic volume groups and group snapshots ---------------------------------------------------
# A group is ``creating`` while the volumes it is made from a source with are made (an empty one
# is ``available`` at once: no backend work makes a generic group), ``deleting`` while its
# volumes are deleted, and goes once the last one is gone. A group snapshot is ``creating``
# while its volumes' snapshots are taken and ``deleting`` while they are deleted. A member that
# fails fails its group (``error``, ``error_deleting``), as in Cinder.
UPDATING = "updating"

GROUP_STATUSES = frozenset({CREATING, AVAILABLE, UPDATING, DELETING, ERROR, ERROR_DELETING,
                            IN_USE})
GROUP_SNAPSHOT_STATUSES = frozenset({CREATING, AVAILABLE, UPDATING, DELETING, ERROR,
                                     ERROR_DELETING})

GROUP_STATUS = StateMachine(
    "group", "status",
    {
        CREATING: {AVAILABLE, ERROR},
        AVAILABLE: set(),
        UPDATING: {AVAILABLE},
        IN_USE: {AVAILABLE},
        ERROR: set(),
        DELETING: {ERROR_DELETING},
        ERROR_DELETING: set(),
    },
    # ``delete-volumes`` deletes a group whatever its status (Cinder's rule).
    any_to=frozenset({DELETING}),
    initial=frozenset({CREATING, AVAILABLE, ERROR}),
)
# reset_status (3.20): the operator's override, to any group status.
GROUP_STATUS_RESET = StateMachine("group", "status",
                                  {state: GROUP_STATUSES for state in GROUP_STATUSES})

GROUP_SNAPSHOT_STATUS = StateMachine(
    "group snapshot", "status",
    {
        CREATING: {AVAILABLE, ERROR},
        AVAILABLE: set(),
        UPDATING: {AVAILABLE},
        ERROR: set(),
        DELETING: {ERROR_DELETING},
        ERROR_DELETING: set(),
    },
    any_to=frozenset({DELETING}),
    initial=frozenset({CREATING, AVAILABLE}),
)
GROUP_SNAPSHOT_STATUS_RESET = StateMachine(
    "group snapshot", "status",
    {state: GROUP_SNAPSHOT_STATUSES for state in GROUP_SNAPSHOT_STATUSES})

# A group is deleted without delete-volumes, or a group snapshot at all, only from these.
GROUP_DELETABLE = frozenset({AVAILABLE, ERROR})
# The statuses a volume may be added to, or removed from, a group in (Cinder's lists).
GROUP_ADD_VOLUME_STATUSES = frozenset({AVAILABLE, IN_USE})
GROUP_REMOVE_VOLUME_STATUSES = frozenset({AVAILABLE, IN_USE, ERROR, ERROR_DELETING})
