"""The file backend's volumes for compute hosts of other machines: exported over NBD, the qcow2
(and its LUKS) opened on the volume host, grown while attached; compute hosts of this machine
still open the file themselves."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.core.hostid import machine_id
from nimbus.volume.drivers.base import ExtendByHost
from nimbus.volume.drivers.file import FileDriver

COVERS = [("volume", "file driver: compute hosts of another machine get the volume over NBD "
                     "(encrypted ones decrypted on the volume host), grown while attached")]

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-storage-daemon", "qemu-io", "qemu-img")),
    reason="needs qemu-storage-daemon, qemu-io and qemu-img")

KEYS = {"k1": "33" * 32}
ELSEWHERE = {"host": "compute-far", "machine_id": "0" * 32}
ENCRYPTION = {"provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256,
              "control_location": "front-end", "encryption_key_id": "k1"}


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[FileDriver]:
    found = FileDriver({"state_dir": str(tmp_path)})
    found.use_keys(KEYS.__getitem__)
    found.start()
    try:
        yield found
    finally:
        found.exports.shutdown()


def _url(info: dict[str, Any]) -> str:
    data = info["data"]
    return f"nbd://{data['host']}:{data['port']}/{data['export_name']}"


def _io(info: dict[str, Any], command: str) -> None:
    done = subprocess.run(["qemu-io", "-f", "raw", "-c", command, _url(info)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "fail" not in done.stdout.lower(), done.stdout + done.stderr


def test_this_machine_opens_the_file_and_another_gets_nbd(driver: FileDriver) -> None:
    volume = {"id": "v1", "name": "volume-v1", "size": 1}
    driver.create_volume(volume)
    for connector in ({"host": "h"}, {"host": "h", "machine_id": machine_id()}):
        assert driver.initialize_connection(volume, connector)["driver_volume_type"] == "file"
        driver.terminate_connection(volume, connector)
    info = driver.initialize_connection(volume, ELSEWHERE)
    assert info["driver_volume_type"] == "nbd"
    assert info["data"]["format"] == "raw" and info["data"]["export_name"] == "volume-v1"
    _io(info, "write -P 0x7e 0 1M")
    # Grown while attached there: by the volume host, which serves it at the new size.
    driver.extend_volume({**volume, "attach_status": "attached"}, 2)
    size = json.loads(subprocess.run(["qemu-img", "info", "--output=json", _url(info)],
                                     capture_output=True, text=True, check=True).stdout)
    assert size["virtual-size"] == 2 * 1024 ** 3
    _io(info, "read -P 0x7e 0 1M")
    driver.terminate_connection(volume, ELSEWHERE)
    assert not driver.exports.exported("volume-v1") and driver.exports._pid() is None
    # Attached on this machine, it is still the guest's QEMU that grows it.
    with pytest.raises(ExtendByHost):
        driver.extend_volume({**volume, "attach_status": "attached"}, 3)


def test_an_encrypted_volume_is_served_decrypted(driver: FileDriver, tmp_path: Path) -> None:
    volume = {"id": "v2", "name": "volume-v2", "size": 1, "encryption": ENCRYPTION}
    path = Path(driver.create_volume(volume)["provider_location"])
    info = driver.initialize_connection(volume, ELSEWHERE)
    # Nothing is left for the client to decrypt.
    assert info["data"]["encrypted"] is False
    _io(info, "write -P 0x41 0 64k")
    _io(info, "read -P 0x41 0 64k")
    driver.delete_volume(volume)
    assert not path.exists() and driver.exports._pid() is None
