"""Image files written and read with direct I/O, where the filesystem allows it.

Moving a large image through the page cache costs the server about as much CPU as one of the
two digests: the kernel allocates a page for every 4 KiB and copies the bytes into or out of it.
An image is written once and read whole, rarely twice in a row, so that cache buys little and
pushes out what the host does need (Swift drops large objects from the cache for the same
reason). With ``O_DIRECT`` the bytes move between the device and one aligned buffer.

Filesystems that refuse ``O_DIRECT`` (tmpfs), or a device that wants a larger alignment than
``ALIGN``, get ordinary buffered I/O. Writes put the tail that does not fill a whole block
through the page cache, and the caller fsyncs through ``finish``. Reads stay buffered for small
ranges, and for an image whose first bytes are already cached (someone just read or wrote it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import mmap
import os
from collections.abc import Generator, Iterator
from pathlib import Path

# Direct I/O wants the buffer, the file offset and the length aligned to the device's logical
# block size: 512 or 4096 bytes on the devices we know of, so 4096 suits both.
ALIGN = 4096
BUFFER = 2 * 1024 * 1024
O_DIRECT = getattr(os, "O_DIRECT", 0)
RWF_NOWAIT = getattr(os, "RWF_NOWAIT", 0)
# Below this a read goes through the page cache: the cache is cheap for small reads, and the
# ones that repeat (a small image booted everywhere, a header read by a consumer) are small.
DIRECT_READ_MIN = 16 * 1024 * 1024


class ImageFile:
    """A file opened for writing a stream of chunks; ``write`` must be called by one thread at a
    time (in order), then ``finish`` once, then ``close`` (always)."""

    def __init__(self, path: Path, direct: bool = True) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
        self.fd = -1
        self.direct = False
        if direct and O_DIRECT:
            try:
                self.fd = os.open(path, flags | O_DIRECT, 0o666)
                self.direct = True
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
        if self.fd < 0:
            self.fd = os.open(path, flags, 0o666)
        self._fill = 0
        try:
            # mmap memory is page-aligned, which satisfies ALIGN.
            self._buffer = mmap.mmap(-1, BUFFER) if self.direct else None
        except BaseException:
            os.close(self.fd)
            raise

    def write(self, chunk: bytes) -> None:
        buffer = self._buffer
        if not self.direct or buffer is None:
            self._write_all(chunk)
            return
        view = memoryview(chunk)
        while view:
            take = min(len(view), BUFFER - self._fill)
            buffer[self._fill:self._fill + take] = view[:take]
            self._fill += take
            view = view[take:]
            if self._fill == BUFFER:
                self._drain(BUFFER)

    def finish(self) -> None:
        """Write what is still buffered and fsync (data and metadata)."""
        if self._buffer is not None and self._fill:
            whole = self._fill - self._fill % ALIGN
            tail = self._buffer[whole:self._fill]
            if whole:
                self._drain(whole)
            if tail:
                self._buffered()
                self._write_all(tail)
            self._fill = 0
        os.fsync(self.fd)

    def close(self) -> None:
        if self._buffer is not None:
            # If a traceback still holds a view of it, the collector closes it later.
            with contextlib.suppress(BufferError):
                self._buffer.close()
            self._buffer = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _drain(self, length: int) -> None:
        assert self._buffer is not None
        with memoryview(self._buffer) as whole:
            self._write_all(whole[:length])
        self._fill = 0

    def _write_all(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except OSError as exc:
                if exc.errno != errno.EINVAL or not self.direct:
                    raise
                self._buffered()    # the device wants another alignment: nothing was written
                continue
            view = view[written:]

    def _buffered(self) -> None:
        """Carry on through the page cache (for the tail, or when direct I/O is refused)."""
        if self.direct:
            flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
            fcntl.fcntl(self.fd, fcntl.F_SETFL, flags & ~O_DIRECT)
            self.direct = False


def open_reader(path: Path, offset: int, length: int | None, chunk: int,
                direct: bool = True) -> Iterator[bytes]:
    """The ``length`` bytes of ``path`` from ``offset`` (to the end when None), in pieces of
    about ``chunk`` bytes; ``direct`` False keeps to the page cache.

    The file is opened here, so a missing one raises ``FileNotFoundError`` at once.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        if length is None:
            length = max(0, os.fstat(fd).st_size - offset)
        direct = (direct and length >= DIRECT_READ_MIN and not _cached(fd, offset)
                  and _set_direct(fd, True))
        if not direct and hasattr(os, "posix_fadvise"):
            # A whole-image read is sequential: a wider readahead overlaps disk and network.
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_SEQUENTIAL)
    except BaseException:
        os.close(fd)
        raise
    return _pieces(fd, offset, length, chunk, direct)


def _pieces(fd: int, offset: int, length: int, chunk: int, direct: bool) -> Iterator[bytes]:
    try:
        if direct:
            done = yield from _read_direct(fd, offset, length, chunk)
            offset, length = offset + done, length - done
            if length <= 0:
                return
            # Stopped early: the device wants another alignment (or the file ended).
            _set_direct(fd, False)
        while length > 0:
            data = os.pread(fd, min(chunk, length), offset)
            if not data:
                return
            offset += len(data)
            length -= len(data)
            yield data
    finally:
        os.close(fd)


def _cached(fd: int, offset: int) -> bool:
    """Whether the page at ``offset`` is in the page cache (a read that must not wait)."""
    if not RWF_NOWAIT:
        return False
    try:
        return os.preadv(fd, [bytearray(1)], offset, RWF_NOWAIT) > 0
    except OSError:     # EAGAIN: not cached; EOPNOTSUPP: cannot tell
        return False


def _set_direct(fd: int, on: bool) -> bool:
    """Switch ``O_DIRECT`` on or off for ``fd``; False when the filesystem refuses it."""
    if not O_DIRECT:
        return False
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | O_DIRECT if on else flags & ~O_DIRECT)
    except OSError:
        return False
    return True


def _read_direct(fd: int, offset: int, length: int, chunk: int) -> Generator[bytes, None, int]:
    """Aligned reads into one buffer, each piece handed out as a copy; returns the byte count
    handed out, short of ``length`` when the file ended or the device refused the alignment."""
    skip = offset % ALIGN       # a range may start anywhere; the device reads whole blocks
    position = offset - skip
    done = 0
    with mmap.mmap(-1, max(ALIGN, chunk - chunk % ALIGN)) as buffer:
        while done < length:
            try:
                got = os.preadv(fd, [buffer], position)
            except OSError as exc:
                if exc.errno == errno.EINVAL:
                    return done
                raise
            end = min(got, skip + length - done)
            if end <= skip:
                return done
            data = buffer[skip:end]
            position += got
            done += end - skip
            skip = 0
            yield data
    return done
