"""The file backend's encrypted volumes, with the real qemu-img: LUKS inside the qcow2, made
blank or from an image, copied byte for byte, grown with the key, never uploaded in clear."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from nimbus.volume.drivers import luks
from nimbus.volume.drivers.file import FileDriver
from nimbus.volume.errors import VolumeBackendError

COVERS = [("volume", "file driver: encrypted volumes are LUKS inside the qcow2, made blank or "
                     "from an image, copied and grown with the key (real qemu-img)")]

KEYS = {"k1": "11" * 32, "k2": "11" * 32, "k3": "22" * 32}
ENCRYPTION = {"provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256,
              "control_location": "front-end"}


def _driver(tmp_path: Path) -> FileDriver:
    driver = FileDriver({"state_dir": str(tmp_path)})
    driver.use_keys(KEYS.__getitem__)
    driver.start()
    return driver


def _volume(volume_id: str, key_id: str | None, size: int = 1) -> dict[str, Any]:
    encryption = {**ENCRYPTION, "encryption_key_id": key_id} if key_id else None
    return {"id": volume_id, "name": f"volume-{volume_id}", "size": size,
            "encryption": encryption}


def _read(path: Path, key: str, length: int) -> bytes:
    out = path.with_suffix(".raw")
    luks.run(["convert", "-O", "raw", "--image-opts", luks.image_opts(path), str(out)], key)
    return out.read_bytes()[:length]


def _info(path: Path) -> dict[str, Any]:
    return dict(json.loads(subprocess.run(["qemu-img", "info", "--output=json", str(path)],
                                          capture_output=True, text=True, check=True).stdout))


def test_an_image_goes_into_an_encrypted_volume_and_its_copies(tmp_path: Path) -> None:
    driver = _driver(tmp_path)
    data = b"an image's first bytes" + bytes(1024 * 1024 - 22)
    made = driver.copy_image_to_volume(_volume("v1", "k1"), {"id": "img", "disk_format": "raw"},
                                       [data])
    path = Path(made["provider_location"])
    assert _info(path)["encrypted"] is True
    assert b"an image's first bytes" not in path.read_bytes()
    assert _read(path, KEYS["k1"], 22) == b"an image's first bytes"
    # A snapshot and a bigger volume from it: the same bytes under a copy of the key.
    driver.create_snapshot({"id": "s1"}, _volume("v1", "k1"))
    copy = Path(driver.create_volume_from_snapshot(_volume("v2", "k2", size=2),
                                                   {"id": "s1"})["provider_location"])
    assert _info(copy)["virtual-size"] == 2 * 1024 ** 3
    assert _read(copy, KEYS["k2"], 22) == b"an image's first bytes"
    with pytest.raises(VolumeBackendError, match="Invalid password"):
        _read(copy, KEYS["k3"], 22)
    driver.extend_volume({**_volume("v1", "k1"), "attach_status": "detached"}, 3)
    assert _info(path)["virtual-size"] == 3 * 1024 ** 3
    with pytest.raises(VolumeBackendError, match="encrypted"):
        list(driver.copy_volume_to_image(_volume("v1", "k1"), "raw"))


def test_a_blank_encrypted_volume_and_its_connection(tmp_path: Path) -> None:
    driver = _driver(tmp_path)
    path = Path(driver.create_volume(_volume("v3", "k3"))["provider_location"])
    assert _info(path)["encrypted"] is True
    info = driver.initialize_connection(_volume("v3", "k3"), {"host": "h"})
    assert info["data"]["encrypted"] is True
    plain = driver.initialize_connection(
        {**_volume("v4", None), **driver.create_volume(_volume("v4", None))}, {"host": "h"})
    assert plain["data"]["encrypted"] is False


@pytest.mark.parametrize(("cipher", "bits", "expected"), [
    ("aes-xts-plain64", 256, "encrypt.cipher-alg=aes-128,encrypt.cipher-mode=xts"),
    ("aes-xts-plain64", 512, "encrypt.cipher-alg=aes-256,encrypt.cipher-mode=xts"),
    ("aes-cbc-essiv:sha256", 256, "encrypt.ivgen-hash-alg=sha256"),
])
def test_cinders_ciphers_become_qemus(cipher: str, bits: int, expected: str) -> None:
    assert expected in luks.cipher_options({"cipher": cipher, "key_size": bits})


@pytest.mark.parametrize(("cipher", "bits"), [("twofish-xts-plain64", 256),
                                              ("aes-xts-plain64", 100), ("aes-gcm-random", 256)])
def test_unknown_ciphers_are_refused(cipher: str, bits: int) -> None:
    with pytest.raises(VolumeBackendError):
        luks.cipher_options({"cipher": cipher, "key_size": bits})
