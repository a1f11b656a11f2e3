"""Names and numbers the block-storage layers share."""

from __future__ import annotations

# What volume agents heartbeat as, and the services list shows.
BINARY = "cinder-volume"

# The service user the block-storage service calls the other services as.
SERVICE_USER = "cinder"

# The zones volumes may be created in (the first is the default).
AVAILABILITY_ZONES = ("nova",)

# The volume type every cloud has, created by the bootstrap.
DEFAULT_TYPE = "__DEFAULT__"

# Cinder's ``osapi_max_limit``: the most items one page of a list holds.
MAX_PAGE = 1000

# Cinder's default quotas, per project.
QUOTA_DEFAULTS: dict[str, int] = {
    "volumes": 10,
    "snapshots": 10,
    "gigabytes": 1000,
    "backups": 10,
    "backup_gigabytes": 1000,
    "groups": 10,
    "per_volume_gigabytes": -1,
}
# The per-type quota keys Cinder shows (``volumes_<type>``...); they are accepted and ignored.
PER_TYPE_QUOTAS = ("volumes", "snapshots", "gigabytes")

# -- user messages (Cinder's /messages, 3.3+) ------------------------------------------------------
# What a user is told when work on their volume or snapshot failed after the API had answered:
# an event id ``VOLUME_<resource>_<action>_<detail>`` and a fixed, safe text "<action>:<detail>"
# (never a backend's own error, which may name its internals). The ids Cinder defines keep
# Cinder's numbers; ours start at 101.
MESSAGE_TTL_DAYS = 30
RESOURCE_VOLUME = "VOLUME"
RESOURCE_SNAPSHOT = "VOLUME_SNAPSHOT"
RESOURCE_BACKUP = "VOLUME_BACKUP"
MESSAGE_ACTIONS: dict[str, str] = {
    "001": "schedule allocate volume",
    "003": "copy volume to image",
    "005": "copy image to volume",
    "007": "extend volume",
    "008": "create volume from backend storage",
    "009": "create snapshot",
    "010": "delete snapshot",
    "013": "create backup",
    "014": "delete backup",
    "015": "restore backup",
    "101": "delete volume",
    "102": "revert volume to snapshot",
    "103": "retype volume",
    "104": "migrate volume",
}
MESSAGE_DETAILS: dict[str, str] = {
    "001": "An unknown error occurred.",
    "003": "Could not find any available weighted backend.",
    "004": "Failed to upload volume to image at image service.",
    "009": "Compute service failed to extend volume.",
    "010": "Volume Driver failed to extend volume.",
    "019": "Failed to get backup device from the volume service.",
    "020": "Backup driver failed to create backup.",
    "025": "Backup driver failed to delete backup.",
    "026": "Backup driver failed to restore backup.",
    "101": "The volume service restarted while this was in progress, and the work could not "
           "be resumed.",
    "102": "The volume or snapshot it was to be made from no longer exists.",
    "103": "The volume backend failed.",
}
# (action, detail) pairs the services record.
NO_BACKEND = ("001", "003")
CREATE_FAILED = ("008", "103")
CREATE_INTERRUPTED = ("008", "101")
CREATE_SOURCE_GONE = ("008", "102")
DELETE_FAILED = ("101", "103")
DOWNLOAD_INTERRUPTED = ("005", "101")
RESTORE_INTERRUPTED = ("015", "101")
EXTEND_FAILED = ("007", "010")
EXTEND_INTERRUPTED = ("007", "101")
EXTEND_BY_COMPUTE_FAILED = ("007", "009")
UPLOAD_FAILED = ("003", "004")
REVERT_FAILED = ("102", "103")
REVERT_INTERRUPTED = ("102", "101")
SNAPSHOT_FAILED = ("009", "103")
SNAPSHOT_INTERRUPTED = ("009", "101")
SNAPSHOT_DELETE_FAILED = ("010", "103")
BACKUP_DEVICE_FAILED = ("013", "019")
BACKUP_FAILED = ("013", "020")
BACKUP_INTERRUPTED = ("013", "101")
BACKUP_DELETE_FAILED = ("014", "025")
RESTORE_FAILED = ("015", "026")
RETYPE_NO_BACKEND = ("103", "003")
MIGRATE_NO_BACKEND = ("104", "003")
MIGRATE_FAILED = ("104", "103")
MIGRATE_INTERRUPTED = ("104", "101")

# -- backups -------------------------------------------------------------------------------------
# What an export names as the service that holds a backup's data (clients, and tempest, expect
# Cinder's driver names); an import accepts only this one.
BACKUP_SERVICE = "cinder.backup.drivers.swift.SwiftBackupDriver"

# Admin metadata of an attached volume whose extend waits for its compute host.
EXTEND_NEW_SIZE = "extend_new_size"
