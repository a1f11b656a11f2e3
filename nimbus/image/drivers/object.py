"""A store in Nimbus's own object service: one object per image, in the image service's account.

It talks to the object-store API through ``nimbus.clients`` with the ``glance`` service user, so
an image survives the loss of any single API host and a scaled cloud needs no shared disk.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from nimbus.core.errors import NimbusError, NotFound
from nimbus.image.drivers.base import Digests, ImageDataNotFound, ImageStore, StoredImage, StoreError

SCHEME = "nimbus-object://"
DEFAULT_CONTAINER = "glance-images"


class ObjectStore(ImageStore):
    name = "object"
    description = "Nimbus object storage"
    supports_range = True
    is_local = False

    def __init__(self, settings: Any, client: Any = None, container: str | None = None) -> None:
        super().__init__(settings)
        self.client = client
        self.container = container or settings.image.object_container or DEFAULT_CONTAINER
        self._ready = False

    def _client(self) -> Any:
        if self.client is None:
            raise StoreError(reason="the object store has no client (no cloud to talk to)")
        if not self._ready:
            try:
                self.client.ensure_container(self.container)
            except NimbusError as exc:
                raise StoreError(reason=f"cannot reach object storage: {exc}") from exc
            self._ready = True
        return self.client

    def _split(self, location: str) -> tuple[str, str]:
        if not location.startswith(SCHEME) or "/" not in location[len(SCHEME):]:
            raise ImageDataNotFound(id=location)
        container, _sep, name = location[len(SCHEME):].partition("/")
        return container, name

    def owns(self, location: str) -> bool:
        try:
            return self._split(location)[0] == self.container
        except ImageDataNotFound:
            return False

    def add(self, image_id: str, chunks: Iterable[bytes]) -> StoredImage:
        client = self._client()
        name = f"{image_id}-{uuid.uuid4().hex[:12]}"
        digests = Digests()

        def counted() -> Iterator[bytes]:
            for chunk in chunks:
                digests.update(chunk)
                yield chunk

        try:
            client.put_object(self.container, name, counted())
        except BaseException as exc:
            # A failed or refused stream may still have left a partial object behind.
            with contextlib.suppress(NimbusError):
                client.delete_object(self.container, name)
            if isinstance(exc, NimbusError) and not isinstance(exc, StoreError) and \
                    exc.code >= 500:
                raise StoreError(reason=str(exc)) from exc
            raise
        return StoredImage(f"{SCHEME}{self.container}/{name}", digests.size, digests.result())

    def get(self, location: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        container, name = self._split(location)
        byte_range = None
        if offset or length is not None:
            last = None if length is None else offset + length - 1
            if length == 0:
                return iter(())
            byte_range = (offset, last)
        try:
            return self._client().get_object(container, name, byte_range)
        except NotFound:
            raise ImageDataNotFound(id=location) from None

    def delete(self, location: str) -> None:
        try:
            container, name = self._split(location)
        except ImageDataNotFound:
            return
        self._client().delete_object(container, name)

    def discard_partial(self, image_id: str, keep: Collection[str] = ()) -> int:
        """Objects of the image (``<image id>-<suffix>``) that no record names."""
        client = self._client()
        removed = 0
        try:
            for name in client.list_objects(self.container, prefix=f"{image_id}-"):
                if f"{SCHEME}{self.container}/{name}" not in keep:
                    client.delete_object(self.container, name)
                    removed += 1
        except NimbusError as exc:
            raise StoreError(reason=f"cannot clean up object storage: {exc}") from exc
        return removed


DRIVER = ObjectStore
