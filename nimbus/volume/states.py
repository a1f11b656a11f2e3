"""The volume state machine: every ``status`` and ``attach_status`` change is declared here.

Cinder spreads these rules over its API and manager; here each transition names the states it may
start from and the state it leads to, so a reader sees the whole lifecycle in one table.
"""

from __future__ import annotations

from dataclasses import dataclass

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

STATUSES = frozenset({
    CREATING, AVAILABLE, RESERVED, ATTACHING, DETACHING, IN_USE, MAINTENANCE, DELETING,
    AWAITING_TRANSFER, ERROR, ERROR_DELETING, BACKING_UP, RESTORING_BACKUP, ERROR_BACKING_UP,
    ERROR_RESTORING, EXTENDING, ERROR_EXTENDING, DOWNLOADING, UPLOADING, RETYPING,
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

# Statuses an operator may force with os-reset_status.
RESETTABLE = frozenset(STATUSES - {DELETING})
RESETTABLE_ATTACH = frozenset({DETACHED, ATTACHED})


@dataclass(frozen=True)
class Transition:
    """``action`` may start from any of ``sources`` and leads to ``target`` (None: unchanged)."""

    action: str
    sources: frozenset[str]
    target: str | None


def _t(action: str, sources: set[str] | frozenset[str], target: str | None) -> Transition:
    return Transition(action, frozenset(sources), target)


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    # The agent finishes what the API started.
    _t("created", {CREATING}, AVAILABLE),
    _t("create_failed", {CREATING}, ERROR),
    _t("delete", {AVAILABLE, ERROR, ERROR_RESTORING, ERROR_EXTENDING, ERROR_DELETING},
       DELETING),
    _t("delete_failed", {DELETING}, ERROR_DELETING),
    _t("update", STATUSES - {DELETING}, None),
    _t("extend", {AVAILABLE}, EXTENDING),
    _t("extend_attached", {AVAILABLE, IN_USE}, EXTENDING),
    _t("extended", {EXTENDING}, None),
    _t("extend_failed", {EXTENDING}, ERROR_EXTENDING),
    _t("snapshot", {AVAILABLE, IN_USE}, None),
    # Legacy attach: reserve → (initialize_connection) → attach; detach the other way round.
    _t("reserve", {AVAILABLE, IN_USE}, ATTACHING),
    _t("unreserve", {ATTACHING}, None),
    _t("attach", {ATTACHING, RESERVED, IN_USE, AVAILABLE}, IN_USE),
    _t("begin_detaching", {IN_USE}, DETACHING),
    _t("roll_detaching", {DETACHING}, IN_USE),
    _t("detach", {IN_USE, DETACHING, ATTACHING, RESERVED, ERROR, MAINTENANCE}, None),
    # Attachments API (3.27+): create reserves, update connects, complete marks in-use.
    _t("attachment_create", {AVAILABLE, IN_USE, RESERVED, DOWNLOADING}, RESERVED),
    _t("attachment_update", {RESERVED, ATTACHING, IN_USE, AVAILABLE}, ATTACHING),
    _t("attachment_complete", {RESERVED, ATTACHING, IN_USE}, IN_USE),
    _t("attachment_delete", STATUSES - {DELETING, CREATING}, None),
    _t("upload_image", {AVAILABLE, IN_USE}, UPLOADING),
]}


def check(action: str, volume_id: str, status: str) -> Transition:
    """The transition for ``action``, or ``InvalidVolume`` (400, as Cinder answers) if ``status``
    is not one it may start from."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        allowed = " or ".join(sorted(transition.sources))
        raise InvalidVolume(
            reason=f"Volume {volume_id} status must be {allowed} to {action.replace('_', ' ')}, "
                   f"but the current status is {status}."
        )
    return transition


def after_detach(remaining_attached: int) -> tuple[str, str]:
    """Volume (status, attach_status) once an attachment is gone and ``remaining_attached`` stay."""
    if remaining_attached:
        return IN_USE, ATTACHED
    return AVAILABLE, DETACHED
