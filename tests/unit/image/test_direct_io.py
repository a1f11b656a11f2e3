"""The file store's data path: direct I/O with its fallbacks, and digests that run beside it."""

from __future__ import annotations

import hashlib
import os
import random
import threading
from pathlib import Path

import pytest

from nimbus.conf.settings import Settings
from nimbus.core.errors import PayloadTooLarge
from nimbus.image.drivers import direct
from nimbus.image.drivers.base import PARALLEL_DIGEST_MIN, Digests
from nimbus.image.drivers.file import FileStore

MiB = 1024 * 1024


def _pieces(data: bytes, seed: int) -> list[bytes]:
    """``data`` cut at random places, some pieces below the parallel threshold, some above."""
    rng = random.Random(seed)
    out, at = [], 0
    while at < len(data):
        size = rng.choice([1, 4095, 70_000, PARALLEL_DIGEST_MIN, 3 * MiB + 17])
        out.append(data[at:at + size])
        at += size
    return out


def _uncache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


@pytest.mark.parametrize("size", [0, 1, direct.ALIGN, direct.BUFFER, direct.BUFFER + 1,
                                  5 * MiB + 777])
@pytest.mark.parametrize("use_direct", [True, False])
def test_image_file_writes_every_byte(tmp_path: Path, size: int, use_direct: bool) -> None:
    data = os.urandom(size)
    out = direct.ImageFile(tmp_path / "f", direct=use_direct)
    try:
        for piece in _pieces(data, size):
            out.write(piece)
        out.finish()
    finally:
        out.close()
    assert (tmp_path / "f").read_bytes() == data


def test_image_file_falls_back_when_the_device_refuses_the_alignment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = os.urandom(3 * MiB + 5)
    out = direct.ImageFile(tmp_path / "f")
    real_write, refused = os.write, []

    def write(fd: int, buf: bytes) -> int:
        if out.direct:
            refused.append(len(buf))
            raise OSError(22, "Invalid argument")
        return real_write(fd, buf)

    monkeypatch.setattr(direct.os, "write", write)
    try:
        out.write(data)
        out.finish()
    finally:
        out.close()
    assert (tmp_path / "f").read_bytes() == data
    assert not out.direct and (refused or not direct.O_DIRECT)


@pytest.mark.parametrize(("offset", "length"), [
    (0, None), (1, None), (4095, 20 * MiB), (3, 17 * MiB + 5), (0, 100), (None, None),
    (0, 64 * MiB)])
@pytest.mark.parametrize("chunk", [MiB, 3 * MiB + 1])
def test_reads_return_exactly_the_range(tmp_path: Path, offset: int | None, length: int | None,
                                        chunk: int) -> None:
    data = os.urandom(40 * MiB + 12345)
    path = tmp_path / "f"
    path.write_bytes(data)
    _uncache(path)      # large uncached reads take the direct path
    start = len(data) - 5 if offset is None else offset
    got = b"".join(direct.open_reader(path, start, length, chunk))
    assert got == (data[start:] if length is None else data[start:start + length])


def test_a_cached_image_is_read_through_the_cache(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f"
    data = os.urandom(20 * MiB)
    path.write_bytes(data)
    used: list[int] = []
    real = direct._read_direct

    def spy(fd: int, offset: int, length: int, chunk: int):  # type: ignore[no-untyped-def]
        used.append(offset)
        return (yield from real(fd, offset, length, chunk))

    monkeypatch.setattr(direct, "_read_direct", spy)
    assert b"".join(direct.open_reader(path, 0, None, MiB)) == data
    assert used == [] or not direct.RWF_NOWAIT      # just written: still in the page cache
    _uncache(path)
    assert b"".join(direct.open_reader(path, 0, None, MiB)) == data
    assert used == [0] or not direct.O_DIRECT
    assert b"".join(direct.open_reader(path, 0, MiB, MiB)) == data[:MiB]
    assert len(used) <= 1       # a small read never goes direct


def test_a_reader_closed_early_closes_its_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(os.urandom(20 * MiB))
    _uncache(path)
    before = len(os.listdir("/proc/self/fd"))
    reader = direct.open_reader(path, 0, None, MiB)
    next(reader)
    reader.close()      # type: ignore[attr-defined]
    assert len(os.listdir("/proc/self/fd")) == before


def test_digests_match_hashlib_in_any_piece_sizes() -> None:
    data = os.urandom(11 * MiB + 3)
    written: list[bytes] = []
    digests = Digests(written.append)
    for piece in _pieces(data, 7):
        digests.update(piece)
    sums = digests.result()
    assert sums == {"md5": hashlib.md5(data).hexdigest(),
                    "sha512": hashlib.sha512(data).hexdigest()}
    assert b"".join(written) == data and digests.size == len(data)


def test_a_failed_write_stops_the_lane_and_is_raised() -> None:
    calls: list[int] = []

    def write(chunk: bytes) -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")

    digests = Digests(write)
    with pytest.raises(OSError, match="No space"):
        for _ in range(6):
            digests.update(b"x" * PARALLEL_DIGEST_MIN)
        digests.wait()
    digests.abandon()
    assert len(calls) == 2      # nothing written after the failure


def test_a_refused_upload_leaves_no_file(tmp_path: Path) -> None:
    store = FileStore(Settings(state_dir=tmp_path))

    def chunks():
        yield b"y" * (3 * MiB)
        raise PayloadTooLarge(reason="too big")

    with pytest.raises(PayloadTooLarge):
        store.add("img", chunks())
    assert list((tmp_path / "images").iterdir()) == []


def test_concurrent_uploads_share_the_pool_without_mixing_bytes() -> None:
    datas = [os.urandom(9 * MiB + n) for n in range(4)]
    results: dict[int, tuple[dict[str, str], bytes]] = {}

    def upload(n: int) -> None:
        written: list[bytes] = []
        digests = Digests(written.append)
        for piece in _pieces(datas[n], n):
            digests.update(piece)
        results[n] = (digests.result(), b"".join(written))

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(len(datas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, data in enumerate(datas):
        sums, written = results[n]
        assert sums["sha512"] == hashlib.sha512(data).hexdigest() and written == data
