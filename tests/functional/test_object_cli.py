"""The unmodified `swift` and `openstack` CLIs against `nimbus up`: temporary URLs that plain
HTTP clients use, a 100 MB static large object, and the container and object commands."""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.cloud_process import CloudProcess
from tests.support.swift_cli import swift

COVERS = [("object", "swift post -m Temp-URL-Key, swift upload, swift tempurl (GET, PUT, "
                     "--iso8601), the URL used without a token"),
          ("object", "swift upload --use-slo --segment-size of 100 MB, download, manifest, "
                     "delete with its segments"),
          ("object", "openstack container create/list/show/set/unset/delete, object "
                     "create/list/show/set/unset/save/delete")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("object-tempurl") / "state"
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def test_tempurl_get_and_put(cloud: CloudProcess, tmp_path: Path) -> None:
    container, key = f"c-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    source = tmp_path / "hello.txt"
    source.write_bytes(b"hello from swift")
    storage = swift(cloud, "auth").splitlines()
    url = next(line.split("=", 1)[1] for line in storage if "OS_STORAGE_URL" in line)
    base = urlsplit(url)
    swift(cloud, "post", "-m", f"Temp-URL-Key:{key}")
    swift(cloud, "upload", "--object-name", "hello.txt", container, str(source))

    # The storage URL's own path, as a client that read it from the catalog signs it.
    signed = swift(cloud, "tempurl", "GET", "600", f"{base.path}/{container}/hello.txt", key)
    with urllib.request.urlopen(f"{base.scheme}://{base.netloc}{signed}", timeout=30) as resp:
        assert resp.read() == b"hello from swift"
        assert resp.headers["Content-Disposition"].startswith("attachment;")

    # Swift's canonical /v1/... path, with an ISO 8601 expiry.
    mount = base.path[:base.path.index("/v1/")]
    account_path = base.path[len(mount):]
    signed = swift(cloud, "tempurl", "--iso8601", "PUT", "600",
                   f"{account_path}/{container}/up.txt", key)
    request = urllib.request.Request(f"{base.scheme}://{base.netloc}{mount}{signed}",
                                     data=b"uploaded", method="PUT")
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 201
    assert swift(cloud, "download", "-o", "-", container, "up.txt") == "uploaded"

    # The GET URL does not allow a PUT, and a wrong key opens nothing.
    signed = swift(cloud, "tempurl", "GET", "600", f"{base.path}/{container}/hello.txt",
                   "wrong-key")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base.scheme}://{base.netloc}{signed}", timeout=30)
    assert refused.value.code == 401


def test_swift_upload_of_100_mb_as_a_static_large_object(cloud: CloudProcess,
                                                          tmp_path: Path) -> None:
    container = f"big-{uuid.uuid4().hex[:8]}"
    source = tmp_path / "big.bin"
    digest = hashlib.md5(usedforsecurity=False)
    with source.open("wb") as fh:
        block = os.urandom(1024 * 1024)
        for n in range(100):
            # Each MiB differs, so a segment put in the wrong place changes the whole.
            chunk = n.to_bytes(4, "big") + block[4:]
            digest.update(chunk)
            fh.write(chunk)
    swift(cloud, "upload", "--use-slo", "--segment-size", "16M", "--object-name", "big.bin",
          container, str(source))
    stat = swift(cloud, "stat", container, "big.bin")
    assert "Content Length: 104857600" in stat
    assert "X-Static-Large-Object: True" in stat, stat
    segments = swift(cloud, "list", f"{container}_segments").splitlines()
    assert len(segments) == 7  # six of 16 MiB and the 4 MiB left
    # A range across the first two segments.
    edge = tmp_path / "edge.bin"
    swift(cloud, "download", "-o", str(edge), "--header", "Range:bytes=16777212-16777219",
          container, "big.bin")
    with source.open("rb") as fh:
        fh.seek(16777212)
        assert edge.read_bytes() == fh.read(8)
    target = tmp_path / "back.bin"
    swift(cloud, "download", "-o", str(target), container, "big.bin")
    check = hashlib.md5(usedforsecurity=False)
    with target.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            check.update(chunk)
    assert check.hexdigest() == digest.hexdigest()
    # Deleting the manifest takes its segments with it (multipart-manifest=delete).
    swift(cloud, "delete", container, "big.bin")
    assert swift(cloud, "list", f"{container}_segments") == ""


def test_openstack_container_and_object_commands(cloud: CloudProcess, tmp_path: Path) -> None:
    def os_(*args: str) -> Any:
        return cloud.openstack_json(*args, cloud="nimbus-demo")

    name = f"osc-{uuid.uuid4().hex[:8]}"
    assert os_("container", "create", name)[0]["container"] == name
    assert name in [c["Name"] for c in os_("container", "list")]
    cloud.openstack("container", "set", "--property", "colour=blue", name, cloud="nimbus-demo")
    shown = os_("container", "show", name)
    assert "colour" in str(shown.get("properties", "")).lower()
    payload = tmp_path / "hello.txt"
    payload.write_bytes(b"hello, object store")
    created = os_("object", "create", "--name", "docs/hello.txt", name, str(payload))
    assert created[0]["object"] == "docs/hello.txt"
    assert [o["Name"] for o in os_("object", "list", name)] == ["docs/hello.txt"]
    assert [o["Name"] for o in os_("object", "list", "--prefix", "docs/", name)] == \
        ["docs/hello.txt"]
    cloud.openstack("object", "set", "--property", "owner=me", name, "docs/hello.txt",
                    cloud="nimbus-demo")
    shown = os_("object", "show", name, "docs/hello.txt")
    assert shown["content-length"] == str(len(b"hello, object store"))
    assert "owner" in str(shown.get("properties", "")).lower()
    cloud.openstack("object", "unset", "--property", "owner", name, "docs/hello.txt",
                    cloud="nimbus-demo")
    assert "owner" not in str(os_("object", "show", name, "docs/hello.txt")
                              .get("properties", "")).lower()
    saved = tmp_path / "saved.txt"
    cloud.openstack("object", "save", "--file", str(saved), name, "docs/hello.txt",
                    cloud="nimbus-demo")
    assert saved.read_bytes() == b"hello, object store"
    cloud.openstack("object", "delete", name, "docs/hello.txt", cloud="nimbus-demo")
    assert os_("object", "list", name) == []
    cloud.openstack("container", "unset", "--property", "colour", name, cloud="nimbus-demo")
    cloud.openstack("container", "delete", name, cloud="nimbus-demo")
    assert name not in [c["Name"] for c in os_("container", "list")]
