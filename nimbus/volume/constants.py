"""Names and numbers the block-storage layers share."""

from __future__ import annotations

# What volume agents heartbeat as, and the services list shows.
BINARY = "cinder-volume"

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
