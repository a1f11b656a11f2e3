"""Handing a secret (a volume's key) to a child process without a file or a command line.

The secret is written into a pipe whose read end the child inherits, and QEMU and
``qemu-img`` read it as ``secret,file=/dev/fd/N``. It never touches a disk, and ``ps`` shows
only the descriptor's number.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def secret_fd(secret: str) -> Iterator[int]:
    """A pipe's read end holding ``secret``, open while the block runs (pass it to the child
    with ``pass_fds``). A key is far smaller than a pipe's buffer, so the write never blocks."""
    read, write = os.pipe()
    try:
        os.write(write, secret.encode())
    finally:
        os.close(write)
    try:
        yield read
    finally:
        os.close(read)


def secret_object(object_id: str, fd: int) -> str:
    """QEMU's ``-object``/``--object`` value for a secret read from ``fd``."""
    return f"secret,id={object_id},file=/dev/fd/{fd}"
