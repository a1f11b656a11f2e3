"""First-start images: two small public test images owned by the admin project."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

from nimbus.core.api.context import RequestContext
from nimbus.core.errors import NotFound
from nimbus.image import states
from nimbus.image.manager.data import ImageData
from nimbus.image.manager.images import ImageManager
from nimbus.image.schemas.requests import NewImage

LOG = logging.getLogger(__name__)

# Fixed ids, so a second bootstrap (or a second API host) finds rather than duplicates them.
TEST_IMAGES = [
    ("nimbus-test", "6b1c1a5e-0c2f-4d53-9a3e-4e1b7a0d0001", b"NIMBUS-TEST-IMAGE-A\n"),
    ("nimbus-test-alt", "6b1c1a5e-0c2f-4d53-9a3e-4e1b7a0d0002", b"NIMBUS-TEST-IMAGE-B\n"),
]
TEST_IMAGE_SIZE = 384 * 1024


def test_image_bytes(header: bytes, size: int = TEST_IMAGE_SIZE) -> Iterator[bytes]:
    """Deterministic filler behind a distinct header, so the two images never share bytes."""
    yield header
    produced = len(header)
    counter = 0
    while produced < size:
        block = hashlib.sha512(header + counter.to_bytes(8, "big")).digest() * 64
        block = block[: size - produced]
        produced += len(block)
        counter += 1
        yield block


def create_test_images(images: ImageManager, data: ImageData, owner: str | None) -> None:
    """Create (or finish) the test images, owned by ``owner``; safe to run on every start."""
    ctx = RequestContext.admin()
    ctx.project_id = owner
    for name, image_id, header in TEST_IMAGES:
        try:
            image = images.get(ctx, image_id)
        except NotFound:
            new = NewImage(core={"id": image_id, "name": name, "disk_format": "raw",
                                 "container_format": "bare", "visibility": "public",
                                 "owner": owner},
                           properties={"os_distro": "nimbus-test"}, tags=[])
            image = images.create(ctx, new)
            LOG.info("created test image %s (%s)", name, image_id)
        if image["status"] == states.QUEUED:
            data.upload(ctx, image_id, test_image_bytes(header))
