"""A 1 GiB image streamed both ways through an image API node, in bounded server memory.

The image API runs in its own process (``nimbus serve api`` with only the image service, checking
tokens through the identity API of a ``nimbus up`` cloud on the same state), as an operator who
cares about the image node's memory runs it, and that process's peak RSS is what is held.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests.support.cloud_process import CloudProcess

COVERS = [
    ("image", "upload 1 GiB streamed (PUT /v2/images/{id}/file), peak server RSS < 150 MB"),
    ("image", "download 1 GiB streamed (GET /v2/images/{id}/file), checksum and os_hash_value"),
]

pytestmark = pytest.mark.functional

GiB = 1024**3
BLOCK = 1024 * 1024
RSS_LIMIT_MB = 150


class SizedStream:
    """A generated body of known length: sent with Content-Length, never held in memory."""

    def __init__(self, size: int, digest: bool = True) -> None:
        self.size = size
        self.digest = digest
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha512 = hashlib.sha512()

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[bytes]:
        for chunk in blocks(self.size):
            if self.digest:
                self.md5.update(chunk)
                self.sha512.update(chunk)
            yield chunk


def blocks(size: int) -> Iterator[bytes]:
    """Deterministic, non-repeating-per-block data (each MiB differs in its first bytes)."""
    base = bytearray(hashlib.sha512(b"nimbus").digest() * (BLOCK // 64))
    sent, counter = 0, 0
    while sent < size:
        base[:8] = counter.to_bytes(8, "big")
        chunk = bytes(base[:min(BLOCK, size - sent)])
        sent += len(chunk)
        counter += 1
        yield chunk


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def image_endpoint(cloud: CloudProcess) -> tuple[str, str]:
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    auth = v3.Password(auth_url=f"{cloud.url}/identity/v3", username="admin",
                       password=secrets["admin_password"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    sess = ks_session.Session(auth=auth)
    token = sess.get_token()
    url = sess.get_endpoint(service_type="image", interface="public")
    assert token and url
    return str(token), str(url).rstrip("/")


def image_node(cloud: CloudProcess) -> CloudProcess:
    """An API process serving only the image service of ``cloud`` (same database and store)."""
    return CloudProcess(cloud.state_dir, command=("serve", "api"),
                        env={"NIMBUS_SERVICES": "image",
                             "NIMBUS_IDENTITY_URL": f"{cloud.url}/identity/v3"})


def test_one_gib_round_trip(tmp_path: Path) -> None:
    cloud = CloudProcess(tmp_path / "state").start()
    node = image_node(cloud)
    try:
        node.start()
        assert node.proc is not None
        token, _ = image_endpoint(cloud)
        url = f"{node.url}/image"
        headers = {"X-Auth-Token": token}
        created = requests.post(f"{url}/v2/images", headers=headers, timeout=30, json={
            "name": "big", "disk_format": "raw", "container_format": "bare"})
        assert created.status_code == 201, created.text
        image_id = created.json()["id"]
        idle = peak_rss_mb(node.proc.pid)

        body = SizedStream(GiB)
        put = requests.put(f"{url}/v2/images/{image_id}/file", data=body, timeout=600,
                           headers={**headers, "Content-Type": "application/octet-stream"})
        assert put.status_code == 204, put.text
        shown = requests.get(f"{url}/v2/images/{image_id}", headers=headers, timeout=30).json()
        assert shown["status"] == "active" and shown["size"] == GiB
        assert shown["checksum"] == body.md5.hexdigest()
        assert shown["os_hash_algo"] == "sha512"
        assert shown["os_hash_value"] == body.sha512.hexdigest()

        md5, sha512, got = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
        with requests.get(f"{url}/v2/images/{image_id}/file", headers=headers, stream=True,
                          timeout=600) as resp:
            assert resp.status_code == 200
            assert int(resp.headers["content-length"]) == GiB
            for chunk in resp.iter_content(BLOCK):
                md5.update(chunk)
                sha512.update(chunk)
                got += len(chunk)
        assert got == GiB
        assert md5.hexdigest() == shown["checksum"] == resp.headers["content-md5"]
        assert sha512.hexdigest() == shown["os_hash_value"]

        peak = peak_rss_mb(node.proc.pid)
        print(f"image API peak RSS after 1 GiB up and down: {peak:.0f} MB (idle: {idle:.0f} MB)")
        assert peak < RSS_LIMIT_MB, f"the image API process peaked at {peak:.0f} MB"
        # And the transfer itself costs next to nothing: the body is never held.
        assert peak - idle < 32, f"1 GiB round trip grew the peak RSS by {peak - idle:.0f} MB"
        assert node.server_errors() == []
    finally:
        node.stop()
        cloud.stop()
