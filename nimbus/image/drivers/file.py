"""A store on the local filesystem: one file per image under ``<state_dir>/images``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nimbus.image.drivers.base import (
    Digests,
    ImageDataNotFound,
    ImageStore,
    StoredImage,
    StoreError,
)

SCHEME = "file://"
# Reads go out in larger pieces than writes come in: each chunk costs a hop from the worker
# thread to the event loop, so 1 MiB pieces cut that overhead 16-fold at no memory cost to speak of.
READ_CHUNK = 1024 * 1024


class FileStore(ImageStore):
    name = "file"
    description = "Local filesystem store"
    supports_range = True
    is_local = True

    def __init__(self, settings: Any, root: Path | None = None) -> None:
        super().__init__(settings)
        self.root = root or Path(settings.state_dir) / "images"
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, location: str) -> Path:
        if not location.startswith(SCHEME):
            raise ImageDataNotFound(id=location)
        path = Path(location[len(SCHEME):])
        # Locations come from our own database, but never follow one out of the store.
        if self.root.resolve() not in path.resolve().parents:
            raise ImageDataNotFound(id=location)
        return path

    def local_path(self, location: str) -> Path:
        """The file behind ``location`` (for tools such as ``qemu-img`` that need a path)."""
        return self._path(location)

    def owns(self, location: str) -> bool:
        try:
            self._path(location)
        except ImageDataNotFound:
            return False
        return True

    def size(self, location: str) -> int | None:
        try:
            return self._path(location).stat().st_size
        except FileNotFoundError:
            raise ImageDataNotFound(id=location) from None

    def add(self, image_id: str, chunks: Iterable[bytes]) -> StoredImage:
        final = self.root / image_id
        # A unique temporary name: a retried upload never trips over a half-written file.
        partial = self.root / f".{image_id}.{uuid.uuid4().hex}.part"
        digests = Digests()
        try:
            with open(partial, "wb") as fh:
                for chunk in chunks:
                    digests.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(partial, final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(reason=exc.strerror or str(exc)) from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return StoredImage(SCHEME + str(final), digests.size, digests.result())

    def get(self, location: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        path = self._path(location)
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed by the generator below
        except FileNotFoundError:
            raise ImageDataNotFound(id=location) from None
        if hasattr(os, "posix_fadvise"):
            # A whole-image read is sequential: a wider readahead overlaps disk and network.
            os.posix_fadvise(fh.fileno(), offset, length or 0, os.POSIX_FADV_SEQUENTIAL)
        return self._read(fh, offset, length)

    @staticmethod
    def _read(fh: Any, offset: int, length: int | None) -> Iterator[bytes]:
        with fh:
            fh.seek(offset)
            remaining = length
            while remaining is None or remaining > 0:
                want = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
                chunk = fh.read(want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def delete(self, location: str) -> None:
        try:
            self._path(location).unlink(missing_ok=True)
        except ImageDataNotFound:
            return


DRIVER = FileStore
