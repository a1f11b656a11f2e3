"""Refusing an image before a guest boots from it: content that is not its ``disk_format``, or
that is unsafe to hand to a hypervisor (backing or data files, parents, two formats at once).

The image service checks uploads too, but it accepts unrecognisable content under any label and
images may predate its checks, so the compute host looks again, as Nova's deep inspection does.
Only the image's head and tail are fetched (ranged reads), never the whole image.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Protocol

from nimbus.compute.errors import ImageUnacceptable
from nimbus.core.diskimage import inspect

__all__ = ["ImageUnacceptable", "Verdicts", "judge", "verify_image"]

AMI_FORMATS = frozenset({"ami", "aki", "ari"})
# The labels a hypervisor can open and we can recognise the content of.
BOOTABLE = frozenset({"raw", "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso", "gpt"})


class RangeReader(Protocol):
    """What the check needs of the image API: ranged reads of an image's data."""

    def read_range(self, image_id: str, first: int | None, last: int | None) -> bytes: ...


class Verdicts:
    """The formats of images already inspected on this host, by content.

    An active image's data never changes, and its hash names that data; so, as a host that
    has cached an image does not inspect it again, a build from an image seen before skips the
    two ranged reads. Only acceptances are kept: a refusal is looked at anew each time.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._seen: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(image: dict[str, Any]) -> tuple[str, str, str] | None:
        digest = image.get("os_hash_value") or image.get("checksum")
        if not digest or image.get("status") not in (None, "active"):
            return None
        return str(image["id"]), str(digest), str(image.get("disk_format") or "raw")

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            found = self._seen.get(key)
            if found is not None:
                self._seen.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, str], fmt: str) -> None:
        with self._lock:
            self._seen[key] = fmt
            self._seen.move_to_end(key)
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)


def verify_image(image_client: RangeReader, image: dict[str, Any],
                 verdicts: Verdicts | None = None) -> str:
    """The format ``image`` really has; raises ImageUnacceptable when it must not be booted."""
    image_id = str(image["id"])
    claimed = str(image.get("disk_format") or "raw")
    if claimed not in AMI_FORMATS and claimed not in BOOTABLE:
        raise ImageUnacceptable(image_id=image_id,
                                reason=f"disk_format {claimed} is not a supported format")
    key = Verdicts.key(image) if verdicts is not None else None
    if key is not None and verdicts is not None:
        known = verdicts.get(key)
        if known is not None:
            return known
    fmt = _inspect(image_client, image_id, claimed, image.get("size"))
    if key is not None and verdicts is not None:
        verdicts.put(key, fmt)
    return fmt


def _inspect(image_client: RangeReader, image_id: str, claimed: str, size: Any) -> str:
    head, tail, size = _head_and_tail(image_client, image_id, size)
    found = inspect.inspect_parts(head, tail, size)
    if found.unsafe:
        raise ImageUnacceptable(image_id=image_id,
                                reason=f"it does not pass the safety check ({found.unsafe})")
    return judge(image_id, claimed, found.format)


def judge(image_id: str, claimed: str, detected: str) -> str:
    """Match the detected format against the label (AMI images are raw by definition)."""
    if claimed in AMI_FORMATS:
        if detected != "raw":
            raise ImageUnacceptable(image_id=image_id,
                                    reason=f"its content is {detected}, not raw")
        return "raw"
    # A whole-disk image with a partition table is raw content; "gpt" labels just that.
    if detected == "raw" and claimed in ("raw", "gpt"):
        return "raw"
    if detected != claimed:
        raise ImageUnacceptable(image_id=image_id,
                                reason=f"its content is {detected} but its disk_format is "
                                       f"{claimed}")
    return detected


def _head_and_tail(image_client: RangeReader, image_id: str, size: Any) -> tuple[bytes, bytes, int]:
    total = int(size) if size is not None else None
    if total == 0:
        return b"", b"", 0
    head = image_client.read_range(image_id, 0, inspect.HEAD_BYTES - 1)
    if len(head) < inspect.HEAD_BYTES or (total is not None and total <= len(head)):
        return head, head[-inspect.TAIL_BYTES:], len(head)
    tail = image_client.read_range(image_id, None, inspect.TAIL_BYTES)
    return head, tail, total if total is not None else len(head)
