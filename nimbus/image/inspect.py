"""Look at an image's first bytes: what format it really is, and whether it is unsafe.

A qcow2 with a backing file or an external data file makes the hypervisor open host files
named by the image, so it is always refused. A file whose recognisable format differs from its
``disk_format`` is refused too. Content we cannot recognise counts as raw; refusing a structured
``disk_format`` with unrecognised content is ``strict`` (off by default, because interop suites
upload random bytes labelled qcow2).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from nimbus.core.errors import BadRequest

HEAD_BYTES = 64 * 1024
_ISO_OFFSET = 0x8001
# Formats we can recognise from the head; "raw" means "nothing recognisable".
STRUCTURED = frozenset({"qcow2", "vmdk", "vhd", "vhdx", "vdi", "qed", "luks"})
# disk_formats that are opened as plain bytes by the hypervisor.
RAW_LIKE = frozenset({"raw", "ami", "ari", "aki", "iso", "ploop"})
_QCOW2_DATA_FILE_BIT = 1 << 2


@dataclass
class Inspection:
    format: str
    virtual_size: int | None = None
    unsafe: str | None = None


def _qcow2(head: bytes) -> Inspection:
    if len(head) < 32:
        return Inspection("qcow2", unsafe="truncated qcow2 header")
    version, backing_offset = struct.unpack(">IQ", head[4:16])
    virtual_size = struct.unpack(">Q", head[24:32])[0]
    result = Inspection("qcow2", virtual_size)
    if backing_offset:
        result.unsafe = "qcow2 images with a backing file are not allowed"
    elif version >= 3 and len(head) >= 80:
        incompatible = struct.unpack(">Q", head[72:80])[0]
        if incompatible & _QCOW2_DATA_FILE_BIT:
            result.unsafe = "qcow2 images with an external data file are not allowed"
    return result


def inspect(head: bytes) -> Inspection:
    """The format ``head`` (the first bytes of an image) shows, and any reason to refuse it."""
    if head[:4] == b"QFI\xfb":
        return _qcow2(head)
    if head[:4] == b"KDMV":
        size = struct.unpack("<Q", head[12:20])[0] * 512 if len(head) >= 20 else None
        return Inspection("vmdk", size)
    if head.startswith(b"# Disk DescriptorFile"):
        return Inspection("vmdk", unsafe="VMDK descriptor files that name other files are "
                                         "not allowed")
    if head[:8] == b"vhdxfile":
        return Inspection("vhdx")
    if head[:8] == b"conectix":
        return Inspection("vhd")
    if len(head) >= 68 and struct.unpack("<I", head[64:68])[0] == 0xBEDA107F:
        return Inspection("vdi")
    if head[:4] == b"QED\x00":
        return Inspection("qed", unsafe="QED images are not supported")
    if head[:6] == b"LUKS\xba\xbe":
        return Inspection("luks")
    if head[_ISO_OFFSET:_ISO_OFFSET + 5] == b"CD001":
        return Inspection("iso")
    return Inspection("raw")


def check(disk_format: str | None, head: bytes, size: int, strict: bool = False) -> Inspection:
    """Raise 400 when ``head`` is unsafe or does not match ``disk_format``; else the inspection."""
    found = inspect(head)
    if found.unsafe:
        raise BadRequest(f"Image content was refused: {found.unsafe}.")
    claimed = disk_format or "raw"
    if found.format in STRUCTURED and found.format != claimed:
        raise BadRequest(f"Image content is {found.format} but disk_format is {claimed}.")
    if strict and claimed not in RAW_LIKE and claimed != "vhd" and found.format != claimed:
        raise BadRequest(f"Image content does not look like {claimed}.")
    if found.virtual_size is None and claimed in RAW_LIKE:
        found.virtual_size = size
    return found
