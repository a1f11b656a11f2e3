"""Per-format readers for image inspection: what each disk format's header says, and why to refuse it.

Each reader takes the bytes captured so far (``Captured``) and returns ``None`` when the content is
not that format, or a ``Finding``. The checks follow the 2024 image-format attack class (OSSA-2024-001
/ -002): a disk image must never make the hypervisor or ``qemu-img`` open a host file (qcow2 backing
and data files, VMDK extents, VHD/VHDX/VDI parents), and a header that qemu would read differently
from us (unknown feature bits, oversized tables, out-of-place descriptors) is refused rather than
guessed at.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

KiB, MiB = 1024, 1024 * 1024


@dataclass
class Finding:
    """What one reader concluded: ``pending`` while it waits for bytes further into the stream."""

    format: str
    virtual_size: int | None = None
    unsafe: str | None = None
    pending: bool = False


class Captured(Protocol):
    head: bytes
    tail: bytes
    final: bool

    def region(self, name: str, offset: int, length: int) -> bytes | None:
        """The bytes at ``offset`` once captured (``None`` until then); registers the wish."""


def _u32be(data: bytes, at: int) -> int:
    return int(struct.unpack_from(">I", data, at)[0])


def _u64be(data: bytes, at: int) -> int:
    return int(struct.unpack_from(">Q", data, at)[0])


def _u32le(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<I", data, at)[0])


def _u64le(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<Q", data, at)[0])


# -- qcow2 -----------------------------------------------------------------------------------

_QCOW2_DATA_FILE = 1 << 2
_QCOW2_EXTENDED_L2 = 1 << 4
_QCOW2_KNOWN_INCOMPATIBLE = (1 << 5) - 1   # dirty, corrupt, data file, compression, extended L2
_QCOW2_EXT_BACKING_FORMAT = 0xE2792ACA
_QCOW2_EXT_DATA_FILE = 0x44415441
_QCOW2_MAX_L1_BYTES = 32 * MiB              # qemu's own ceiling on the L1 table


def qcow2(c: Captured) -> Finding | None:
    h = c.head
    if h[:4] != b"QFI\xfb":
        return None
    bad = Finding("qcow2")
    if len(h) < 72:
        bad.unsafe = "truncated qcow2 header"
        return bad
    version = _u32be(h, 4)
    cluster_bits = _u32be(h, 20)
    size = _u64be(h, 24)
    found = Finding("qcow2", size)
    if version not in (2, 3):
        found.unsafe = f"unsupported qcow2 version {version}"
    elif not 9 <= cluster_bits <= 21:
        found.unsafe = "qcow2 cluster size out of range"
    elif _u64be(h, 8) or _u32be(h, 16):
        found.unsafe = "qcow2 images with a backing file are not allowed"
    else:
        found.unsafe = _qcow2_v3(h, version, cluster_bits, size)
    return found


def _qcow2_v3(h: bytes, version: int, cluster_bits: int, size: int) -> str | None:
    cluster = 1 << cluster_bits
    header_length, incompatible = 72, 0
    if version == 3:
        if len(h) < 104:
            return "truncated qcow2 header"
        incompatible = _u64be(h, 72)
        header_length = _u32be(h, 100)
        if header_length < 104 or header_length % 8 or header_length > cluster:
            return "invalid qcow2 header length"
        if _u32be(h, 96) > 6:
            return "invalid qcow2 refcount order"
    if incompatible & _QCOW2_DATA_FILE:
        return "qcow2 images with an external data file are not allowed"
    if incompatible & ~_QCOW2_KNOWN_INCOMPATIBLE:
        return "qcow2 image uses unknown incompatible features"
    if _u32be(h, 32) > 2:
        return "unknown qcow2 encryption method"
    if size >= 1 << 62:
        return "qcow2 virtual size is out of range"
    l2_entries = cluster // (16 if incompatible & _QCOW2_EXTENDED_L2 else 8)
    l1_size = _u32be(h, 36)
    if l1_size * 8 > _QCOW2_MAX_L1_BYTES or l1_size < -(-size // (cluster * l2_entries)):
        return "qcow2 L1 table does not fit the virtual size"
    for at in (40, 48):
        if _u64be(h, at) % cluster:
            return "qcow2 metadata table is not cluster aligned"
    return _qcow2_extensions(h, header_length, cluster)


def _qcow2_extensions(h: bytes, at: int, cluster: int) -> str | None:
    """Header extensions live in the first cluster; qemu reads them, so we read them too."""
    end = min(cluster, len(h))
    for _ in range(256):
        if at + 8 > end:
            return "qcow2 header extensions overrun the first cluster"
        kind, length = struct.unpack_from(">II", h, at)
        if kind == 0:
            return None
        if kind == _QCOW2_EXT_DATA_FILE:
            return "qcow2 images with an external data file are not allowed"
        if kind == _QCOW2_EXT_BACKING_FORMAT:
            return "qcow2 images with a backing file are not allowed"
        at += 8 + (length + 7) // 8 * 8
    return "too many qcow2 header extensions"


# -- VMDK -------------------------------------------------------------------------------------

_VMDK_GD_AT_END = 0xFFFFFFFFFFFFFFFF
_VMDK_TYPES = ("monolithicsparse", "streamoptimized")
_VMDK_HEADER_KEYS = {"version", "encoding", "cid", "parentcid", "createtype"}
_EXTENT = re.compile(r'^(rw|rdonly|noaccess)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?$')


def vmdk(c: Captured) -> Finding | None:
    h = c.head
    if h.startswith(b"# Disk DescriptorFile") or h.startswith(b"# disk descriptorfile"):
        return Finding("vmdk", unsafe="VMDK descriptor files that name other files are not allowed")
    if h[:4] == b"COWD":
        return Finding("vmdk", unsafe="this VMDK variant is not supported")
    if h[:4] != b"KDMV":
        return None
    if len(h) < 80:
        return Finding("vmdk", unsafe="truncated VMDK header")
    version, _flags, sectors, grain, desc_at, desc_len = struct.unpack_from("<IIQQQQ", h, 4)
    found = Finding("vmdk", sectors * 512)
    if version not in (1, 2, 3):
        found.unsafe = f"unsupported VMDK version {version}"
    elif grain == 0 or grain & (grain - 1) or grain > 1 << 16:
        found.unsafe = "invalid VMDK grain size"
    elif desc_at != 1 or not 1 <= desc_len <= 2047:
        # Only the embedded descriptor right after the header; qemu's limit is just under 1 MiB.
        found.unsafe = "VMDK descriptor is missing or out of place"
    elif len(h) < 512 * (1 + desc_len) and not c.final:
        found.pending = True
    else:
        found.unsafe = vmdk_descriptor(h[512:512 * (1 + desc_len)])
    if found.unsafe is None and _u64le(h, 56) == _VMDK_GD_AT_END:
        found.unsafe = _vmdk_footer(c, h)
    return found


def vmdk_descriptor(raw: bytes) -> str | None:
    """Refuse any descriptor that is not one local sparse extent, or that we cannot read."""
    try:
        text = raw.split(b"\0", 1)[0].decode("ascii").lower()
    except UnicodeDecodeError:
        return "VMDK descriptor is not ASCII text"
    fields: dict[str, str] = {}
    extents = []
    for line in (x.strip() for x in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("ddb."):
            continue
        match = _EXTENT.match(line)
        if match:
            extents.append(match)
            continue
        key, sep, value = line.partition("=")
        if sep and key.strip() in _VMDK_HEADER_KEYS:
            fields[key.strip()] = value.strip().strip('"')
            continue
        return "VMDK descriptor has a line we do not accept"
    if fields.get("createtype") not in _VMDK_TYPES:
        return "only monolithicSparse and streamOptimized VMDK images are allowed"
    if fields.get("parentcid", "ffffffff") != "ffffffff":
        return "VMDK images with a parent are not allowed"
    if len(extents) != 1:
        return "a VMDK image must have exactly one extent"
    extent = extents[0]
    if extent.group(3) != "sparse":
        return f"VMDK {extent.group(3).upper()} extents are not allowed"
    name = extent.group(4) or ""
    if "/" in name or "\\" in name or ":" in name or name in ("", ".", ".."):
        return "VMDK extents that point at host paths are not allowed"
    return None


def _vmdk_footer(c: Captured, h: bytes) -> str | None:
    """streamOptimized keeps its real header in a footer; it must agree with the one we read."""
    if not c.final:
        return None
    footer = c.tail[-1024:-512]
    if len(footer) < 80 or footer[:4] != b"KDMV":
        return "VMDK footer is missing"
    if _u64le(footer, 56) == _VMDK_GD_AT_END or footer[4:44] != h[4:44]:
        return "VMDK footer does not match its header"
    return None


# -- VHD, VHDX, VDI, QED, LUKS ----------------------------------------------------------------

_VHD_FIXED, _VHD_DYNAMIC, _VHD_DIFFERENCING = 2, 3, 4


def vhd_footer(footer: bytes) -> Finding | None:
    """A VHD footer (a copy of it opens a dynamic VHD; a fixed VHD has it only at the end)."""
    if len(footer) < 64 or footer[:8] != b"conectix":
        return None
    kind = _u32be(footer, 60)
    found = Finding("vhd", _u64be(footer, 48))
    if kind == _VHD_DIFFERENCING:
        found.unsafe = "differencing VHD images (with a parent file) are not allowed"
    elif kind not in (_VHD_FIXED, _VHD_DYNAMIC):
        found.unsafe = f"unknown VHD disk type {kind}"
    return found


def vhd(c: Captured) -> Finding | None:
    return vhd_footer(c.head[:512])


def _guid(text: str) -> bytes:
    return uuid.UUID(text).bytes_le


_VHDX_BAT = _guid("2DC27766-F623-4200-9D64-115E9BFD4A08")
_VHDX_METADATA = _guid("8B7CA206-4790-4B9A-B8FE-575F050F886E")
_VHDX_FILE_PARAMETERS = _guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
_VHDX_DISK_SIZE = _guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
_VHDX_PARENT_LOCATOR = _guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")
_VHDX_KNOWN_ITEMS = {_VHDX_FILE_PARAMETERS, _VHDX_DISK_SIZE,
                     _guid("BECA12AB-B2E6-4523-93EF-C309E000C746"),   # virtual disk id
                     _guid("8141BF1D-A96F-4709-BA47-F233A8FAAB5F"),   # logical sector size
                     _guid("CDA348C7-445D-4471-9CC9-E9885251C556")}   # physical sector size
_VHDX_REGION_TABLES = (192 * KiB, 256 * KiB)
_VHDX_TABLE = 64 * KiB


def vhdx(c: Captured) -> Finding | None:
    h = c.head
    if h[:8] != b"vhdxfile":
        return None
    found = Finding("vhdx")
    if len(h) < 320 * KiB:
        found.unsafe = "truncated VHDX header"
        return found
    if h[64 * KiB:64 * KiB + 4] != b"head" and h[128 * KiB:128 * KiB + 4] != b"head":
        found.unsafe = "VHDX header is missing"
        return found
    tables = []
    for at in _VHDX_REGION_TABLES:
        table, problem = _vhdx_regions(h[at:at + _VHDX_TABLE])
        if problem:
            found.unsafe = problem
            return found
        tables.append(table)
    if tables[0] != tables[1]:
        found.unsafe = "VHDX region tables disagree"
        return found
    meta_at, meta_len = tables[0][_VHDX_METADATA]
    meta = c.region("vhdx-metadata", meta_at, _VHDX_TABLE)
    if meta is None:
        found.pending = not c.final
        found.unsafe = None if not c.final else "truncated VHDX metadata"
        return found
    found.unsafe = _vhdx_metadata(c, found, meta, meta_at, meta_len)
    return found


def _vhdx_regions(table: bytes) -> tuple[dict[bytes, tuple[int, int]], str | None]:
    if table[:4] != b"regi":
        return {}, "VHDX region table signature is missing"
    count = _u32le(table, 8)
    if count > 2047:
        return {}, "VHDX region table has too many entries"
    regions: dict[bytes, tuple[int, int]] = {}
    spans = []
    for i in range(count):
        entry = table[16 + 32 * i:48 + 32 * i]
        guid, offset, length, flags = entry[:16], _u64le(entry, 16), _u32le(entry, 24), \
            _u32le(entry, 28)
        if guid in regions:
            return {}, "VHDX region table lists a region twice"
        if offset < MiB or offset % MiB or length == 0 or length % MiB:
            return {}, "VHDX region is misplaced or misaligned"
        if guid not in (_VHDX_BAT, _VHDX_METADATA) and flags & 1:
            return {}, "VHDX image requires an unknown region"
        regions[guid] = (offset, length)
        spans.append((offset, offset + length))
    spans.sort()
    if any(a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False)):
        return {}, "VHDX regions overlap"
    if _VHDX_BAT not in regions or _VHDX_METADATA not in regions:
        return {}, "VHDX region table lacks the BAT or metadata region"
    return regions, None


def _vhdx_metadata(c: Captured, found: Finding, table: bytes, meta_at: int,
                   meta_len: int) -> str | None:
    if table[:8] != b"metadata":
        return "VHDX metadata table signature is missing"
    count = struct.unpack_from("<H", table, 10)[0]
    if count > 2047:
        return "VHDX metadata table has too many entries"
    for i in range(count):
        entry = table[32 + 32 * i:64 + 32 * i]
        guid, offset, length, flags = entry[:16], _u32le(entry, 16), _u32le(entry, 20), \
            _u32le(entry, 24)
        if length and (offset < _VHDX_TABLE or offset + length > meta_len):
            return "VHDX metadata item lies outside its region"
        if guid == _VHDX_PARENT_LOCATOR:
            return "differencing VHDX images (with a parent file) are not allowed"
        if guid not in _VHDX_KNOWN_ITEMS and flags & 4 and not flags & 1:
            return "VHDX image requires unknown metadata"
        if guid in (_VHDX_FILE_PARAMETERS, _VHDX_DISK_SIZE):
            if length < 8:
                return "VHDX metadata item is too short"
            item = c.region(f"vhdx-item-{i}", meta_at + offset, 8)
            if item is None:
                found.pending = not c.final
                if c.final:
                    return "truncated VHDX metadata"
                continue
            if guid == _VHDX_FILE_PARAMETERS and _u32le(item, 4) & 2:
                return "differencing VHDX images (with a parent file) are not allowed"
            if guid == _VHDX_DISK_SIZE:
                found.virtual_size = _u64le(item, 0)
    return None


def vdi(c: Captured) -> Finding | None:
    h = c.head
    if len(h) < 0x178 or _u32le(h, 0x40) != 0xBEDA107F:
        return None
    found = Finding("vdi", _u64le(h, 0x170))
    if _u32le(h, 0x4C) not in (1, 2):
        # Undo and differencing images point at a parent image; qemu opens neither.
        found.unsafe = "only normal and fixed VDI images are allowed"
    return found


def qed(c: Captured) -> Finding | None:
    if c.head[:4] != b"QED\x00":
        return None
    return Finding("qed", unsafe="QED images (which may name a backing file) are not supported")


def luks(c: Captured) -> Finding | None:
    if c.head[:6] != b"LUKS\xba\xbe":
        return None
    return Finding("luks")


# -- raw-like containers: ISO 9660 / UDF, MBR and GPT ------------------------------------------

_ISO_AT = 0x8000


def iso(c: Captured) -> Finding | None:
    h = c.head
    if h[_ISO_AT + 1:_ISO_AT + 6] not in (b"CD001", b"NSR02", b"NSR03", b"BEA01"):
        return None
    found = Finding("iso")
    if h[_ISO_AT] == 1 and h[_ISO_AT + 1:_ISO_AT + 6] == b"CD001" and len(h) >= _ISO_AT + 132:
        found.virtual_size = _u32le(h, _ISO_AT + 80) * struct.unpack_from("<H", h, _ISO_AT + 128)[0]
    return found


def partition_table(c: Captured) -> Finding | None:
    """An MBR (or the protective MBR of a GPT disk); raw content, but it takes sector 0."""
    h = c.head
    if len(h) < 512 or h[510:512] != b"\x55\xaa":
        return None
    entries = [h[446 + 16 * i:462 + 16 * i] for i in range(4)]
    if any(e[0] not in (0x00, 0x80) for e in entries) or not any(e[4] for e in entries):
        return None     # a boot sector without a partition table (e.g. a FAT floppy)
    if not any(e[4] == 0xEE for e in entries):
        return Finding("mbr")
    found = Finding("gpt")
    gpt = h[512:1024]
    if len(gpt) < 92 or gpt[:8] != b"EFI PART":
        found.unsafe = "GPT header is missing behind a protective MBR"
    elif not 92 <= _u32le(gpt, 12) <= 512 or _u64le(gpt, 24) != 1:
        found.unsafe = "invalid GPT header"
    elif _u32le(gpt, 80) > 4096 or _u32le(gpt, 84) not in (128, 256, 512, 1024, 2048, 4096) \
            or _u64le(gpt, 72) < 2:
        found.unsafe = "invalid GPT partition array"
    return found


Reader = Callable[[Captured], Finding | None]
# Formats qemu would open as something other than plain bytes.
STRUCTURED_READERS: tuple[Reader, ...] = (qcow2, vmdk, vhd, vhdx, vdi, qed, luks)
