"""A cloud that ran the ``file`` driver keeps its objects when it starts with the ring.

The first ring driver to start in a state dir that holds the file driver's ``objects/data``
copies each version found there (its bytes and its metadata record) to the primaries of its
partition, then renames the old tree to ``objects/data.adopted`` so that it is done once and
an operator can delete it when satisfied. A version that cannot be copied to a quorum is left
where it is, and the tree is not renamed, so the next start tries again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from nimbus.object.drivers import ring_builder
from nimbus.object.drivers.device import Device, Version

LOG = logging.getLogger(__name__)


def adopt_file_store(objects_root: Path, ring: ring_builder.Ring,
                     devices_of: Callable[[int], list[Device]], quorum: int) -> int:
    """Copy the file driver's versions under ``objects_root/data`` into the ring; how many."""
    data = objects_root / "data"
    if not data.is_dir():
        return 0
    adopted = failed = 0
    for meta in data.glob("*/*/*.json"):
        try:
            record = json.loads(meta.read_text())
            name_hash = ring_builder.object_hash(record["account"], record["container"],
                                                 record["name"])
            version = Version(ring.partition(name_hash), name_hash, record["timestamp"])
            source = meta.with_name(f"{record['timestamp']}.data")
            copies = sum(_copy(source, record, version, device)
                         for device in devices_of(version.part))
        except (OSError, ValueError, KeyError) as exc:
            LOG.warning("object store file %s not adopted into the ring: %s", meta, exc)
            failed += 1
            continue
        if copies < quorum:
            failed += 1
            continue
        adopted += 1
    if not failed:
        data.rename(objects_root / "data.adopted")
    LOG.info("adopted %d object version(s) of the file driver into the ring (%d left)",
             adopted, failed)
    return adopted


def _copy(source: Path, record: dict[str, object], version: Version,
          device: Device) -> bool:
    if device.has(version):
        return True
    try:
        writer = device.writer(version.part, version.name_hash)
        try:
            with open(source, "rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    writer.write(chunk)
            writer.commit(version.timestamp, dict(record))
        except BaseException:
            writer.abort()
            raise
    except OSError as exc:
        LOG.warning("could not copy %s to device %s: %s", source, device.name, exc)
        return False
    return True
