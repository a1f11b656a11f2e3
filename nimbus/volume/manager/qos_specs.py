"""QoS specs: limits on a volume type's volumes, for the front end (compute's hypervisor), the
back end (the storage) or both, and their association with volume types.

Front-end specs reach compute in the connection info (``data.qos_specs``), as Cinder hands
them over when a volume is connected; the hypervisor throttles the disk with them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume.db import qos_specs as db_qos
from nimbus.volume.db import types as db_types
from nimbus.volume.db.models import QosSpecs, Volume
from nimbus.volume.errors import (
    InvalidQosSpecs,
    InvalidVolumeType,
    QosSpecsExists,
    QosSpecsInUse,
    QosSpecsKeyNotFound,
)

Record = dict[str, Any]

CONSUMERS = ("front-end", "back-end", "both")
# Specs Cinder may scale by the volume's size (``<option>_per_gb``, floored by
# ``<option>_per_gb_min`` and capped by ``<option>_max``).
TUNABLE = ("read_iops_sec", "read_bytes_sec", "write_iops_sec", "write_bytes_sec",
           "total_iops_sec", "total_bytes_sec")


def record(row: QosSpecs) -> Record:
    return {"id": row.id, "name": row.name, "consumer": row.consumer,
            "specs": dict(row.specs or {}), "created_at": row.created_at,
            "updated_at": row.updated_at}


def _consumer(value: Any) -> str:
    if value not in CONSUMERS:
        raise InvalidQosSpecs(reason=f"Valid consumer of QoS specs are: {list(CONSUMERS)}")
    return str(value)


def _number(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def front_end_specs(consumer: str, specs: dict[str, Any], size: int) -> dict[str, Any] | None:
    """What compute is told to apply for a volume of ``size`` GiB: the specs of a front-end
    (or both) consumer, per-GB ones turned into absolute limits; None for back-end specs."""
    if consumer not in ("front-end", "both"):
        return None
    found = dict(specs)
    for option in TUNABLE:
        per_gb = _number(found.pop(f"{option}_per_gb", None))
        floor = _number(found.pop(f"{option}_per_gb_min", None)) or 0
        if per_gb is None:
            continue
        value = max(floor, per_gb * size)
        # The cap of a per-GB limit is the option's ``_max``, which it then stands for.
        ceiling = _number(found.pop(f"{option}_max", None))
        found[option] = min(value, ceiling) if ceiling is not None else value
    return found


def connection_specs(s: Session, volume: Volume) -> dict[str, Any] | None:
    """The ``qos_specs`` of a connection to ``volume`` (None when its type has no front-end
    specs), read inside the caller's transaction."""
    if not volume.volume_type_id:
        return None
    vtype = db_types.find(s, volume.volume_type_id)
    if vtype is None or not vtype.qos_specs_id:
        return None
    qos = s.get(QosSpecs, vtype.qos_specs_id)
    if qos is None:
        return None
    return front_end_specs(qos.consumer, dict(qos.specs or {}), int(volume.size))


class QosManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    def get(self, qos_id: str) -> Record:
        with self.db.reader() as s:
            return record(db_qos.get(s, qos_id))

    def listing(self, filters: dict[str, str], query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_qos.listing(s, filters, query)
            return Page([record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    @retry_on_lock()
    def create(self, name: str, spec: dict[str, Any]) -> Record:
        specs = {k: v for k, v in spec.items() if k != "consumer"}
        consumer = _consumer(spec.get("consumer") or "back-end")
        with self.db.writer() as s:
            if db_qos.by_name(s, name) is not None:
                raise QosSpecsExists(name=name)
            return record(db_qos.insert(s, name=name, consumer=consumer, specs=specs))

    @retry_on_lock()
    def update(self, qos_id: str, changes: dict[str, Any]) -> Record:
        """Set keys (``consumer`` changes the consumer), keeping the others."""
        with self.db.writer() as s:
            row = db_qos.get(s, qos_id)
            if "consumer" in changes:
                row.consumer = _consumer(changes["consumer"])
            row.specs = {**(row.specs or {}),
                         **{k: v for k, v in changes.items() if k != "consumer"}}
            row.updated_at = utcnow()
            return record(row)

    def delete_keys(self, qos_id: str, keys: list[str]) -> None:
        """Delete ``keys`` in order; the first one missing stops it (those before it stay
        deleted, as in Cinder) and is the caller's 404."""
        missing = self._drop_keys(qos_id, keys)
        if missing is not None:
            raise QosSpecsKeyNotFound(id=qos_id, key=missing)

    @retry_on_lock()
    def _drop_keys(self, qos_id: str, keys: list[str]) -> str | None:
        with self.db.writer() as s:
            row = db_qos.get(s, qos_id)
            specs = dict(row.specs or {})
            missing = next((k for k in keys if k not in specs), None)
            for key in keys[:keys.index(missing)] if missing is not None else keys:
                specs.pop(key)
            row.specs = specs
            row.updated_at = utcnow()
            return missing

    @retry_on_lock()
    def delete(self, qos_id: str, force: bool) -> None:
        """Delete the specs; associated with types, only when forced (they lose them)."""
        with self.db.writer() as s:
            row = db_qos.get(s, qos_id)
            associated = db_qos.types_of(s, row.id)
            if associated and not force:
                raise QosSpecsInUse(id=row.id)
            for vtype in associated:
                vtype.qos_specs_id = None
            s.flush()
            db_qos.remove(s, row)

    # -- associations with volume types ------------------------------------------------------
    def associations(self, qos_id: str) -> list[Record]:
        with self.db.reader() as s:
            row = db_qos.get(s, qos_id)
            return [{"association_type": "volume_type", "name": t.name, "id": t.id}
                    for t in db_qos.types_of(s, row.id)]

    @retry_on_lock()
    def associate(self, qos_id: str, type_id: str) -> None:
        with self.db.writer() as s:
            row = db_qos.get(s, qos_id)
            vtype = db_types.get(s, type_id)
            if vtype.qos_specs_id and vtype.qos_specs_id != row.id:
                raise InvalidVolumeType(reason=f"Type {vtype.id} is already associated with "
                                               f"another qos specs: {vtype.qos_specs_id}")
            vtype.qos_specs_id = row.id

    @retry_on_lock()
    def disassociate(self, qos_id: str, type_id: str) -> None:
        with self.db.writer() as s:
            row = db_qos.get(s, qos_id)
            vtype = db_types.get(s, type_id)
            if vtype.qos_specs_id == row.id:
                vtype.qos_specs_id = None

    @retry_on_lock()
    def disassociate_all(self, qos_id: str) -> None:
        with self.db.writer() as s:
            row = db_qos.get(s, qos_id)
            for vtype in db_qos.types_of(s, row.id):
                vtype.qos_specs_id = None
