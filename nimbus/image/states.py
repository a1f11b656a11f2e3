"""The image status machine, in one place: which action may move an image from where to where."""

from __future__ import annotations

QUEUED = "queued"
SAVING = "saving"
ACTIVE = "active"
KILLED = "killed"
DELETED = "deleted"
UPLOADING = "uploading"
IMPORTING = "importing"
PENDING_DELETE = "pending_delete"
DEACTIVATED = "deactivated"

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


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action][0]
