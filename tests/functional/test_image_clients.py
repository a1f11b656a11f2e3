"""The unmodified ``openstack image`` commands and openstacksdk against a running cloud.

openstacksdk's ``create_image`` takes the interoperable-import path (stage, then
``glance-direct``) when the cloud advertises it, so this also covers the background import.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openstack.connection
import pytest
from openstack.config.loader import OpenStackConfig

from tests.support.cloud_process import CloudProcess

COVERS = [
    ("image", "openstack image create/list/show/set/save/delete"),
    ("image", "openstack image add project / image member"),
    ("image", "openstacksdk create_image (import) and download_image"),
]

# openstacksdk warns about its own deprecated internals (metrics options, resource hooks).
pytestmark = [pytest.mark.functional,
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> CloudProcess:
    state = tmp_path_factory.mktemp("image-clients") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    yield proc  # type: ignore[misc]
    proc.stop()


def test_cli_image_walk(cloud: CloudProcess, tmp_path: Path) -> None:
    data = hashlib.sha512(b"cli").digest() * 2048
    src = tmp_path / "disk.raw"
    src.write_bytes(data)
    made = cloud.openstack_json("image", "create", "--disk-format", "raw", "--container-format",
                                "bare", "--file", str(src), "--private", "cli-image")
    image_id = made["id"]
    shown = cloud.openstack_json("image", "show", image_id)
    assert shown["status"] == "active" and shown["size"] == len(data)
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    assert image_id in [i["ID"] for i in cloud.openstack_json("image", "list", "--private")]
    cloud.openstack("image", "set", "--property", "os_distro=nimbus", "--tag", "t1", image_id)
    shown = cloud.openstack_json("image", "show", image_id)
    assert shown["properties"]["os_distro"] == "nimbus" and "t1" in shown["tags"]
    out = tmp_path / "saved.raw"
    cloud.openstack("image", "save", "--file", str(out), image_id)
    assert out.read_bytes() == data
    cloud.openstack("image", "set", "--shared", image_id)
    demo = cloud.openstack_json("project", "show", "demo")["id"]
    member = cloud.openstack_json("image", "add", "project", image_id, demo)
    assert member["status"] == "pending"
    members = cloud.openstack_json("image", "member", "list", image_id)
    assert [m["Member ID"] for m in members] == [demo]
    cloud.openstack("image", "set", "--accept", image_id, cloud="nimbus-demo")
    assert image_id in [i["ID"] for i in cloud.openstack_json("image", "list",
                                                              cloud="nimbus-demo")]
    cloud.openstack("image", "remove", "project", image_id, demo)
    cloud.openstack("image", "delete", image_id)
    listed = cloud.openstack("image", "show", image_id, check=False)
    assert listed.returncode != 0
    assert cloud.server_errors() == []


def test_sdk_create_image_imports(cloud: CloudProcess, tmp_path: Path) -> None:
    data = hashlib.sha512(b"sdk").digest() * 4096
    src = tmp_path / "sdk.raw"
    src.write_bytes(data)
    config = OpenStackConfig(config_files=[str(cloud.state_dir / "clouds.yaml")])
    conn = openstack.connection.Connection(config=config.get_one("nimbus"))
    try:
        image = conn.create_image("sdk-image", filename=str(src), disk_format="raw",
                                  container_format="bare", wait=True, timeout=120)
        assert image.status == "active"
        fetched = conn.image.get_image(image.id)
        assert fetched.checksum == hashlib.md5(data).hexdigest()
        assert {s.id for s in conn.image.stores()} >= {"file", "object"}
        body = conn.image.download_image(image.id)
        assert body.content == data
        conn.image.delete_image(image.id)
    finally:
        conn.close()
    assert cloud.server_errors() == []
