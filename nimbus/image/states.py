"""The image service's state machines: an image's ``status``, a task's, a member's.

Every write of one of these fields goes through its machine (``move`` on a row, ``check`` before
a conditional update), so a move the service never makes fails loudly as a 409 naming both
states. Which *action* may start from which status (an upload only from ``queued``) is a
separate, older table: the action's refusal keeps Glance's own status code and wording.
"""

from __future__ import annotations

from nimbus.core.states import StateMachine

QUEUED = "queued"
SAVING = "saving"
ACTIVE = "active"
KILLED = "killed"
DELETED = "deleted"
UPLOADING = "uploading"
IMPORTING = "importing"
PENDING_DELETE = "pending_delete"
DEACTIVATED = "deactivated"

IMAGE_STATUS = StateMachine(
    resource="image",
    attribute="status",
    transitions={
        # Data arrives by upload, by staging, by an import or by a location a client names.
        QUEUED: {SAVING, UPLOADING, IMPORTING, ACTIVE},
        SAVING: {ACTIVE, QUEUED, KILLED},
        UPLOADING: {IMPORTING, QUEUED},
        IMPORTING: {ACTIVE, QUEUED, KILLED},
        # A failed import or location read sends an image back to queued, without its data.
        ACTIVE: {DEACTIVATED, QUEUED},
        DEACTIVATED: {ACTIVE},
        KILLED: set(),
        PENDING_DELETE: set(),
        DELETED: set(),
    },
    # Glance's delayed delete; here a deleted image's record goes at once.
    any_to=frozenset({DELETED, PENDING_DELETE}),
    initial=frozenset({QUEUED}),
)

# action -> (statuses it may start from, status while it runs, status when it succeeds)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "upload": (frozenset({QUEUED}), SAVING, ACTIVE),
    "stage": (frozenset({QUEUED}), UPLOADING, UPLOADING),
    "import": (frozenset({UPLOADING}), IMPORTING, ACTIVE),
    "deactivate": (frozenset({ACTIVE, DEACTIVATED}), DEACTIVATED, DEACTIVATED),
    "reactivate": (frozenset({ACTIVE, DEACTIVATED}), ACTIVE, ACTIVE),
}

# Where a failed data action leaves the image: ready to try again, as Glance does.
ON_FAILURE: dict[str, str] = {"upload": QUEUED, "stage": QUEUED, "import": QUEUED}

# disk_format and container_format are fixed once data exists.
FORMAT_EDITABLE = frozenset({QUEUED})
# Statuses counted as "taking data right now" by the uploading quota.
TAKING_DATA = (SAVING, UPLOADING, IMPORTING)


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action][0]


# -- tasks -----------------------------------------------------------------------------------

PENDING, PROCESSING, SUCCESS, FAILURE = "pending", "processing", "success", "failure"

TASK_STATUS = StateMachine(
    resource="task",
    attribute="status",
    transitions={
        PENDING: {PROCESSING, SUCCESS, FAILURE},
        PROCESSING: {SUCCESS, FAILURE},
        SUCCESS: set(),
        FAILURE: set(),
    },
    initial=frozenset({PENDING}),
)

# -- image members ---------------------------------------------------------------------------

MEMBER_PENDING, MEMBER_ACCEPTED, MEMBER_REJECTED = "pending", "accepted", "rejected"
MEMBER_STATUSES = (MEMBER_PENDING, MEMBER_ACCEPTED, MEMBER_REJECTED)

# A member may change its answer at any time, in any direction.
MEMBER_STATUS = StateMachine(
    resource="image member",
    attribute="status",
    transitions={s: set(MEMBER_STATUSES) for s in MEMBER_STATUSES},
    initial=frozenset({MEMBER_PENDING}),
)
