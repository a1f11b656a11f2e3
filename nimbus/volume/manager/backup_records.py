"""A backup's exported record (Cinder's ``backup_url``: base64 of a JSON object) and the checks
an imported one passes before it becomes a row.

The record carries what Cinder's carries under Cinder's names (``display_name``,
``service_metadata``...), so that a record moves between clouds that read them alike. An import
keeps the record's id (incremental backups name their parent by it), its container and its
prefix, which must be one this cloud writes (``db.backups.PREFIX``): the backup's deletion
deletes what is under it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Any

from nimbus.core.db.base import iso
from nimbus.volume.constants import BACKUP_SERVICE
from nimbus.volume.db.backups import PREFIX
from nimbus.volume.db.models import Backup
from nimbus.volume.errors import InvalidBackup, InvalidInput

# What Cinder's import needs of a record.
REQUIRED = ("id", "display_name", "display_description", "container", "size",
            "service_metadata", "object_count")
# An imported backup's volume when the record names none (Cinder's IMPORT_VOLUME_ID).
NO_VOLUME = "00000000-0000-0000-0000-000000000000"
_ID = re.compile(r"^[0-9A-Za-z-]{1,36}$")


def export(row: Backup) -> dict[str, str]:
    """``{"backup_service", "backup_url"}`` for an available backup."""
    record = {
        "id": row.id,
        "user_id": row.user_id,
        "project_id": row.project_id,
        "volume_id": row.volume_id,
        "snapshot_id": row.snapshot_id,
        "parent_id": row.parent_id,
        "display_name": row.name,
        "display_description": row.description,
        "status": row.status,
        "size": row.size,
        "object_count": row.object_count,
        "availability_zone": row.availability_zone,
        "container": row.container,
        "service_metadata": row.service_metadata,
        "service": BACKUP_SERVICE,
        "data_timestamp": iso(row.data_timestamp),
        "created_at": iso(row.created_at),
        "metadata": dict(row.metadata_ or {}),
    }
    url = base64.b64encode(json.dumps(record).encode()).decode()
    return {"backup_service": BACKUP_SERVICE, "backup_url": url}


def parse(service: str, url: str) -> dict[str, Any]:
    """The backup row's fields an imported record gives (``Backup`` column names)."""
    if service != BACKUP_SERVICE:
        raise InvalidBackup(reason=f"Backup service {service} is not the one this cloud keeps "
                                   f"backups with ({BACKUP_SERVICE}).")
    try:
        record = json.loads(base64.b64decode(url.encode(), validate=True))
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidInput(reason="Can't parse backup record.") from None
    if not isinstance(record, dict):
        raise InvalidInput(reason="Can't parse backup record.")
    if "id" not in record:
        raise InvalidInput(reason="Provided backup record is missing an id")
    if "size" not in record:
        raise InvalidInput(reason="Provided backup record is missing size attribute")
    missing = sorted(set(REQUIRED) - set(record))
    if missing:
        raise InvalidBackup(reason=f"Driver successfully decoded imported backup data, but "
                                   f"there are missing fields ({', '.join(missing)}).")
    backup_id = _ident(record, "id")
    size, count = _count(record, "size"), _count(record, "object_count")
    prefix = _text(record, "service_metadata")
    if prefix is None or not PREFIX.match(prefix):
        raise InvalidBackup(reason="The backup record names no backup data of this cloud.")
    container = _text(record, "container")
    if not container or "/" in container:
        raise InvalidBackup(reason="The backup record names no valid container.")
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 255 and len(v) <= 255
            for k, v in metadata.items()):
        raise InvalidBackup(reason="The backup record's metadata is not a map of strings.")
    return {
        "id": backup_id,
        "volume_id": _ident(record, "volume_id", optional=True) or NO_VOLUME,
        "snapshot_id": _ident(record, "snapshot_id", optional=True),
        "parent_id": _ident(record, "parent_id", optional=True),
        "name": _text(record, "display_name"),
        "description": _text(record, "display_description"),
        "size": size,
        "object_count": count,
        "availability_zone": _text(record, "availability_zone"),
        "container": container,
        "service_metadata": prefix,
        "data_timestamp": _when(record, "data_timestamp"),
        "metadata_": dict(metadata),
    }


def _ident(record: dict[str, Any], key: str, optional: bool = False) -> str | None:
    value = record.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidBackup(reason=f"The backup record's {key} is not a valid id.")
    return value


def _text(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 255 or "\x00" in value:
        raise InvalidBackup(reason=f"The backup record's {key} is not a valid string.")
    return value


def _count(record: dict[str, Any], key: str) -> int:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2 ** 31:
        raise InvalidBackup(reason=f"The backup record's {key} is not a valid number.")
    return value


def _when(record: dict[str, Any], key: str) -> dt.datetime | None:
    value = record.get(key)
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidBackup(reason=f"The backup record's {key} is not a valid time.") from None
    # Stored as naive UTC, as every time in the database.
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
