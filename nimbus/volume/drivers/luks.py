"""Encrypted qcow2 volumes: the LUKS header and the encrypted clusters live inside the qcow2,
which QEMU opens with the volume's key (``encrypt.format=luks``), on the volume host with
``qemu-img`` and on the compute host in the guest's QEMU.

The key reaches ``qemu-img`` through a pipe (``secret,file=/dev/fd/N``), never a command line
or a file. Cinder's ``cipher`` (``aes-xts-plain64``) and ``key_size`` (bits, both halves of an
XTS key) become QEMU's ``cipher-alg``, ``cipher-mode`` and ``ivgen-alg``.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from nimbus.core.secret_pipe import secret_fd, secret_object
from nimbus.volume.errors import VolumeBackendError

SECRET_ID = "volkey"
# The key is 256 random bits, not a password: stretching it buys nothing, and every open of
# the volume (each guest start) pays for it. QEMU still measures its PBKDF2 speed to count the
# iterations for this time.
ITER_TIME_MS = 10
# QEMU times its PBKDF2 with the thread's CPU time; a kernel that accounts CPU by ticks can
# report no time at all for the first short round, and QEMU then gives up. Another try works.
_CALIBRATION = "Unable to get accurate CPU usage"
_TRIES = 12


def image_opts(path: Path | str) -> str:
    return f"driver=qcow2,file.filename={path},encrypt.key-secret={SECRET_ID}"


def cipher_options(encryption: dict[str, Any]) -> str:
    """QEMU's ``encrypt.*`` creation options for Cinder's cipher and key size."""
    cipher = str(encryption.get("cipher") or "aes-xts-plain64")
    key_bits = int(encryption.get("key_size") or 256)
    parts = cipher.split("-", 2)
    if len(parts) != 3 or parts[0] != "aes":
        raise VolumeBackendError(reason=f"Cipher {cipher} is not supported; use "
                                        "aes-xts-plain64 or aes-cbc-essiv:sha256.")
    mode, ivgen = parts[1], parts[2]
    if mode not in ("xts", "cbc"):
        raise VolumeBackendError(reason=f"Cipher mode {mode} is not supported.")
    aes_bits = key_bits // 2 if mode == "xts" else key_bits
    if aes_bits not in (128, 192, 256):
        raise VolumeBackendError(reason=f"Key size {key_bits} does not suit {cipher}.")
    ivgen_alg, _, ivgen_hash = ivgen.partition(":")
    if ivgen_alg not in ("plain", "plain64", "essiv"):
        raise VolumeBackendError(reason=f"IV generator {ivgen_alg} is not supported.")
    options = ["encrypt.format=luks", f"encrypt.key-secret={SECRET_ID}",
               f"encrypt.cipher-alg=aes-{aes_bits}", f"encrypt.cipher-mode={mode}",
               f"encrypt.ivgen-alg={ivgen_alg}", f"encrypt.iter-time={ITER_TIME_MS}"]
    if ivgen_hash:
        options.append(f"encrypt.ivgen-hash-alg={ivgen_hash}")
    return ",".join(options)


def run(args: list[str], passphrase: str, timeout: float = 3600) -> str:
    """``qemu-img`` with the volume's key as secret ``volkey``."""
    with secret_fd(passphrase) as fd:
        cmd = ["qemu-img", args[0], "--object", secret_object(SECRET_ID, fd), *args[1:]]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              check=False, pass_fds=(fd,))
    if done.returncode != 0:
        raise VolumeBackendError(reason=f"qemu-img {args[0]} failed: "
                                        f"{done.stderr.strip()[-300:]}")
    return done.stdout


def create(path: Path, size: str, passphrase: str, encryption: dict[str, Any]) -> None:
    """A new, empty, encrypted qcow2 of ``size`` (qemu-img's size syntax)."""
    options = cipher_options(encryption)
    for attempt in range(_TRIES):
        try:
            run(["create", "-q", "-f", "qcow2", "-o", options, str(path), size], passphrase)
            return
        except VolumeBackendError as exc:
            if _CALIBRATION not in exc.message or attempt == _TRIES - 1:
                raise
            time.sleep(0.05)
