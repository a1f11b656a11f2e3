"""Image inspection while the bytes stream past: what format an image really is, and whether it is unsafe.

``StreamInspector`` sees every chunk once, on its way to the store. It keeps the first
``HEAD_BYTES`` (every header we read lives there), the last ``TAIL_BYTES`` (VHD and VMDK footers),
and the few regions a header points at further on (VHDX metadata); it never re-reads the image.
Anything recognised as dangerous is refused as soon as it is seen (the store then drops the
partial data), or at the end:

* a structured format that differs from ``disk_format`` (a qcow2 labelled raw would be opened
  as raw by one tool and as qcow2 by another);
* content that parses as two formats at once (a qcow2 in an ISO's system area, a qcow2 or VMDK
  header that also carries a partition table): tools disagree on what it is;
* whatever ``disk_formats`` finds unsafe in a header (backing/data files, host-path extents,
  parents, unknown features, broken tables).

Compatibility rule: content we cannot recognise at all counts as raw. Such content labelled with
a structured ``disk_format`` (random bytes called qcow2) is refused only with ``strict`` (the
``image_strict_formats`` option), because interop suites upload random bytes labelled qcow2.
Recognised danger is refused whatever ``strict`` says.
"""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.diskimage import formats as disk_formats
from nimbus.core.diskimage.formats import Finding
from nimbus.core.errors import BadRequest

HEAD_BYTES = 1024 * 1024
TAIL_BYTES = 1024
MAX_REGIONS = 16
# Formats we can recognise from the content; "raw" means "nothing recognisable".
STRUCTURED = frozenset({"qcow2", "vmdk", "vhd", "vhdx", "vdi", "qed", "luks"})
# disk_formats that the hypervisor opens as plain bytes.
RAW_LIKE = frozenset({"raw", "ami", "ari", "aki", "iso", "ploop"})


@dataclass
class Inspection:
    format: str
    virtual_size: int | None = None
    unsafe: str | None = None


class _Region:
    def __init__(self, offset: int, length: int) -> None:
        self.offset = offset
        self.length = length
        self.data = bytearray()
        self.missed = False

    @property
    def complete(self) -> bool:
        return len(self.data) >= self.length

    def take(self, chunk: bytes | memoryview, start: int) -> bool:
        """Copy the part of ``chunk`` (which begins at ``start``) we want; True when complete."""
        want = self.offset + len(self.data)
        if self.complete or want >= start + len(chunk):
            return False
        if want < start:
            self.missed = True      # a header pointed backwards, at bytes already gone by
            return False
        begin = want - start
        self.data += chunk[begin:begin + self.length - len(self.data)]
        return self.complete


class StreamInspector:
    """Feed it every chunk (``feed``), then call ``finish``; both raise a 400 on refusal."""

    def __init__(self, disk_format: str | None, strict: bool = False) -> None:
        self.claimed = disk_format or "raw"
        self.strict = strict
        self.size = 0
        self._head = bytearray()
        self._head_bytes: bytes | None = None
        self.tail = b""
        self.final = False
        self._regions: dict[str, _Region] = {}
        self._evaluated_head = False

    # -- the Captured protocol the readers use ------------------------------------------------

    @property
    def head(self) -> bytes:
        if self._head_bytes is None or len(self._head_bytes) != len(self._head):
            self._head_bytes = bytes(self._head)
        return self._head_bytes

    @head.setter
    def head(self, value: bytes) -> None:
        self._head = bytearray(value)

    def region(self, name: str, offset: int, length: int) -> bytes | None:
        if offset + length <= len(self._head):
            return self.head[offset:offset + length]
        found = self._regions.get(name)
        if found is None:
            if len(self._regions) >= MAX_REGIONS:
                raise BadRequest("Image content was refused: too many structures to inspect.")
            found = self._regions[name] = _Region(offset, length)
        return bytes(found.data) if found.complete else None

    # -- streaming -----------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        start = self.size
        self.size += len(chunk)
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[:HEAD_BYTES - len(self._head)]
        if len(chunk) >= TAIL_BYTES:
            self.tail = chunk[-TAIL_BYTES:]
        else:
            self.tail = (self.tail + chunk)[-TAIL_BYTES:]
        due = len(self._head) >= HEAD_BYTES and not self._evaluated_head
        view = memoryview(chunk)
        for region in list(self._regions.values()):
            due |= region.take(view, start)
        while due:
            self._evaluated_head = True
            before = set(self._regions)
            self._judge(self._evaluate())
            # A header may point into the chunk we are holding: let new regions see it too.
            fresh = [self._regions[n] for n in set(self._regions) - before]
            due = False
            for region in fresh:
                due |= region.take(view, start)

    def finish(self) -> Inspection:
        """The verdict once the whole image went by: the format and virtual size, or a 400."""
        self.final = True
        findings = self._evaluate()
        self._judge(findings)
        structured = [f for f in findings if f.format in STRUCTURED]
        found = structured[0] if structured else next(
            (f for f in findings if f.format == "iso"), Finding("raw"))
        if not structured and self.claimed == "vhd":
            # A fixed VHD is raw bytes with its footer at the very end.
            footer = disk_formats.vhd_footer(self.tail[-512:])
            if footer is not None:
                if footer.unsafe:
                    raise BadRequest(f"Image content was refused: {footer.unsafe}.")
                found = footer
        if self.strict and self.claimed not in RAW_LIKE and found.format != self.claimed:
            raise BadRequest(f"Image content does not look like {self.claimed}.")
        if found.format == "vhd" and self.claimed == "vhd" and not found.virtual_size:
            found.virtual_size = self.size
        if found.format not in STRUCTURED and self.claimed in RAW_LIKE:
            found.virtual_size = self.size
        return Inspection(found.format, found.virtual_size)

    # -- judging -------------------------------------------------------------------------------

    def _evaluate(self) -> list[Finding]:
        readers = (*disk_formats.STRUCTURED_READERS, disk_formats.iso,
                   disk_formats.partition_table)
        findings = [f for f in (read(self) for read in readers) if f is not None]
        if any(r.missed for r in self._regions.values()):
            findings.append(Finding("raw", unsafe="image structures point backwards"))
        return findings

    def _judge(self, findings: list[Finding]) -> None:
        """Refuse what is already known to be wrong (called mid-stream and at the end)."""
        for finding in findings:
            if finding.unsafe:
                raise BadRequest(f"Image content was refused: {finding.unsafe}.")
        ambiguous = ambiguity(findings)
        if ambiguous:
            raise BadRequest(f"Image content was refused: {ambiguous}.")
        structured = [f.format for f in findings if f.format in STRUCTURED]
        if structured and structured[0] != self.claimed:
            raise BadRequest(f"Image content is {structured[0]} but disk_format is "
                             f"{self.claimed}.")


def ambiguity(findings: list[Finding]) -> str | None:
    """Why content that parses as more than one format is refused (tools disagree on it)."""
    names = [f.format for f in findings]
    structured = [n for n in names if n in STRUCTURED]
    # A partition table on a hybrid ISO is normal; on a qcow2 or VMDK it is a disguise.
    if len(structured) > 1 or (structured and ({"iso", "mbr", "gpt"} & set(names))):
        return f"it parses as more than one format ({', '.join(sorted(set(names)))})"
    return None


def inspect(data: bytes) -> Inspection:
    """What a whole (small) buffer is, without raising: ``unsafe`` says why it would be refused."""
    return inspect_parts(data[:HEAD_BYTES], data[-TAIL_BYTES:], len(data))


def inspect_parts(head: bytes, tail: bytes, size: int) -> Inspection:
    """Like ``inspect``, from an image's first ``HEAD_BYTES`` and last ``TAIL_BYTES`` alone (what
    a consumer fetches with two ranged reads). A structure that points past the head cannot be
    checked, and counts as unsafe."""
    inspector = StreamInspector(None)
    inspector.head = head[:HEAD_BYTES]
    inspector.tail = tail[-TAIL_BYTES:]
    inspector.size = size
    inspector.final = True
    findings = inspector._evaluate()
    ambiguous = ambiguity(findings)
    if ambiguous:
        findings.insert(0, Finding("raw", unsafe=ambiguous))
    unsafe = next((f for f in findings if f.unsafe), None)
    structured = [f for f in findings if f.format in STRUCTURED]
    best = unsafe or (structured[0] if structured else None) or next(
        (f for f in findings if f.format == "iso"), Finding("raw"))
    return Inspection(best.format, best.virtual_size, best.unsafe)


def check(disk_format: str | None, data: bytes, strict: bool = False) -> Inspection:
    """Inspect a whole buffer as an upload would; raise 400 on refusal."""
    inspector = StreamInspector(disk_format, strict)
    inspector.feed(data)
    return inspector.finish()
