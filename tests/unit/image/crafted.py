"""Disk images crafted byte by byte for inspection tests (valid ones, and each known attack)."""

from __future__ import annotations

import struct
import uuid

KiB, MiB, GiB = 1024, 1024 * 1024, 1024**3
CLUSTER = 64 * KiB


def qcow2(size: int = 10 * GiB, *, version: int = 3, backing: bool = False,
          data_file: bool = False, incompatible: int = 0, header_length: int = 104,
          cluster_bits: int = 16, extensions: bytes = b"", l1_size: int | None = None,
          total: int = 4 * CLUSTER) -> bytes:
    """A qcow2 with an empty L1 table: header, refcount table, refcount block, L1."""
    cluster = 1 << cluster_bits
    per_l1 = cluster * (cluster // 8)
    l1 = -(-size // per_l1) if l1_size is None else l1_size
    # A cluster size past qcow2's 2 MiB limit is refused from the header alone: the file need
    # not hold four such clusters (at cluster_bits=30 that would be 4 GiB in every test worker).
    out = bytearray(max(total, 4 * cluster) if cluster_bits <= 21 else total)
    struct.pack_into(">4sIQIIQIIQQIIQ", out, 0, b"QFI\xfb", version, 0, 0, cluster_bits, size,
                     0, l1, 3 * cluster, cluster, 1, 0, 0)
    if backing:
        name = b"/etc/passwd"
        struct.pack_into(">QI", out, 8, 512, len(name))
        out[512:512 + len(name)] = name
    if version == 3:
        bits = incompatible | (4 if data_file else 0)
        struct.pack_into(">QQQII", out, 72, bits, 0, 0, 4, header_length)
        at = header_length
    else:
        at = 72
    out[at:at + len(extensions)] = extensions
    return bytes(out)


def qcow2_ext(kind: int, payload: bytes) -> bytes:
    padded = payload + bytes(-len(payload) % 8)
    return struct.pack(">II", kind, len(payload)) + padded


def vmdk(descriptor: str | None = None, *, create_type: str = "monolithicSparse",
         extent: str = 'RW 2097152 SPARSE "disk.vmdk"', gd_at_end: bool = False,
         footer: bytes | None = None, desc_offset: int = 1, body: int = 64 * KiB) -> bytes:
    """A sparse VMDK with its descriptor embedded after the 512-byte header."""
    text = descriptor if descriptor is not None else (
        "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n"
        f'createType="{create_type}"\n\n# Extent description\n{extent}\n\n'
        '# The Disk Data Base\nddb.virtualHWVersion = "4"\n')
    desc = text.encode()
    desc_sectors = -(-len(desc) // 512)
    gd = 0xFFFFFFFFFFFFFFFF if gd_at_end else 21
    header = bytearray(512)
    struct.pack_into("<4sIIQQQQIQQQ", header, 0, b"KDMV", 3, 0x30003, 2097152, 128, desc_offset,
                     desc_sectors, 512, 0, gd, 128)
    out = header + desc + bytes(desc_sectors * 512 - len(desc)) + bytes(body)
    if gd_at_end:
        if footer is None:
            footer_header = bytearray(header)
            struct.pack_into("<Q", footer_header, 56, 21)
            footer = bytes(footer_header)
        out += footer + bytes(512)
    return bytes(out)


def vhd_footer(disk_type: int = 2, size: int = 64 * KiB) -> bytes:
    footer = bytearray(512)
    struct.pack_into(">8sIIQI4sI4sQQI", footer, 0, b"conectix", 2, 0x10000,
                     512 if disk_type != 2 else 0xFFFFFFFFFFFFFFFF, 0, b"qemu", 0x50003,
                     b"Wi2k", size, size, 0)
    struct.pack_into(">I", footer, 60, disk_type)
    return bytes(footer)


def vhd_dynamic(disk_type: int = 3) -> bytes:
    footer = vhd_footer(disk_type)
    sparse = bytearray(1024)
    sparse[:8] = b"cxsparse"
    return footer + bytes(sparse) + bytes(4096) + footer


def _guid(text: str) -> bytes:
    return uuid.UUID(text).bytes_le


BAT = _guid("2DC27766-F623-4200-9D64-115E9BFD4A08")
METADATA = _guid("8B7CA206-4790-4B9A-B8FE-575F050F886E")
FILE_PARAMETERS = _guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
DISK_SIZE = _guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
PARENT_LOCATOR = _guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")


def vhdx(*, regions: list[tuple[bytes, int, int, int]] | None = None, parent: bool = False,
         has_parent_flag: bool = False, second_table: bytes | None = None,
         size: int = 8 * GiB, region_count: int | None = None) -> bytes:
    """A VHDX: identifier, headers, two region tables, a metadata region at 2 MiB."""
    regions = regions if regions is not None else [(BAT, 1 * MiB, MiB, 1),
                                                   (METADATA, 2 * MiB, MiB, 1)]
    out = bytearray(3 * MiB)
    out[:8] = b"vhdxfile"
    out[64 * KiB:64 * KiB + 4] = b"head"
    out[128 * KiB:128 * KiB + 4] = b"head"
    table = bytearray(64 * KiB)
    struct.pack_into("<4sIII", table, 0, b"regi", 0,
                     len(regions) if region_count is None else region_count, 0)
    for i, (guid, offset, length, flags) in enumerate(regions):
        struct.pack_into("<16sQII", table, 16 + 32 * i, guid, offset, length, flags)
    out[192 * KiB:256 * KiB] = table
    out[256 * KiB:320 * KiB] = second_table if second_table is not None else table
    meta = 2 * MiB
    items = [(FILE_PARAMETERS, 64 * KiB, 8, 4), (DISK_SIZE, 64 * KiB + 8, 8, 6)]
    if parent:
        items.append((PARENT_LOCATOR, 64 * KiB + 16, 64, 4))
    struct.pack_into("<8sHH", out, meta, b"metadata", 0, len(items))
    for i, (guid, offset, length, flags) in enumerate(items):
        struct.pack_into("<16sIII", out, meta + 32 + 32 * i, guid, offset, length, flags)
    struct.pack_into("<II", out, meta + 64 * KiB, 32 * MiB, 2 if has_parent_flag else 0)
    struct.pack_into("<Q", out, meta + 64 * KiB + 8, size)
    return bytes(out)


def vdi(image_type: int = 1, size: int = GiB) -> bytes:
    out = bytearray(4096)
    out[:40] = b"<<< Oracle VM VirtualBox Disk Image >>>\n"
    struct.pack_into("<IIII", out, 0x40, 0xBEDA107F, 0x00010001, 400, image_type)
    struct.pack_into("<Q", out, 0x170, size)
    return bytes(out)


def iso(system_area: bytes = b"", blocks: int = 32) -> bytes:
    out = bytearray(max(blocks, 20) * 2048)
    out[:len(system_area)] = system_area
    pvd = 0x8000
    out[pvd] = 1
    out[pvd + 1:pvd + 6] = b"CD001"
    struct.pack_into("<I", out, pvd + 80, blocks)
    struct.pack_into("<H", out, pvd + 128, 2048)
    out[pvd + 2048] = 255
    out[pvd + 2049:pvd + 2054] = b"CD001"
    return bytes(out)


def mbr(partition_type: int = 0x83, boot: int = 0x80) -> bytes:
    sector = bytearray(512)
    struct.pack_into("<B3sB3sII", sector, 446, boot, b"\0\0\0", partition_type, b"\0\0\0", 2048,
                     4096)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def gpt(valid: bool = True) -> bytes:
    out = bytearray(mbr(0xEE, 0)) + bytearray(512 * 40)
    if valid:
        struct.pack_into("<8sIIIIQQQQ16sQII", out, 512, b"EFI PART", 0x10000, 92, 0, 0, 1, 8191,
                         34, 8158, bytes(16), 2, 128, 128)
    return bytes(out)
