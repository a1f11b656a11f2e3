"""What the image interop tests need besides the cloud: a second image API node, and the format
test images with their manifest (what tempest's ``[image] images_manifest_file`` names).

The second node is devstack's ``g-api-r``: another API process of the same cloud (same state
directory and database) listening on another loopback address with the same port, so the public
URL it announces (and the catalog the identity bootstrap keeps) is the first node's. It is
registered as an ``image_remote`` service, which ``nimbus tempest-config`` then names as
``alternate_image_endpoint``.
"""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.unit.image import crafted  # noqa: E402

REMOTE_HOST = "127.0.0.2"
MiB = 1024 * 1024


def start_remote_api(nimbus: str, state: Path, port: int) -> subprocess.Popen[bytes]:
    """``nimbus serve api`` on REMOTE_HOST:port, announcing 127.0.0.1:port like the first node."""
    cmd = [nimbus, "serve", "api", "--state-dir", str(state), "--host", REMOTE_HOST, "--port",
           str(port), "--public-host", "127.0.0.1"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def wait_real(state: Path, inside: list[str], port: int, up: subprocess.Popen[bytes],
              timeout: float = 300) -> None:
    """Until a ``--real`` cloud is ready for tempest: its test guest images are uploaded and its
    APIs answer from inside the ext namespace (``inside`` is the command prefix that runs
    there)."""
    probe = [*inside, sys.executable, "-c", "import urllib.request; urllib.request.urlopen("
             f"'http://127.0.0.1:{port}/health', timeout=5)"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if up.poll() is not None:
            raise RuntimeError(f"nimbus up exited with {up.returncode}")
        log = state / "nimbus.log"
        uploaded = log.exists() and "as nimbus-guest-alt" in log.read_text(errors="replace")
        if uploaded and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
            return
        time.sleep(1)
    raise RuntimeError("the real cloud's guest images or ext namespace were not ready in time")


def register_remote(state: Path, port: int) -> None:
    """Add the ``image_remote`` service and its endpoints (an operator's step) as admin."""
    secrets = yaml.safe_load((state / "secrets.yaml").read_text())
    identity = f"http://127.0.0.1:{port}/identity/v3"
    token = _token(identity, secrets["admin_password"])
    region = _call(identity + "/regions", token)["regions"][0]["id"]
    svc = _call(identity + "/services", token, {"service": {
        "type": "image_remote", "name": "glance_remote",
        "description": "Nimbus image API, second node"}})["service"]
    for interface in ("public", "internal"):
        _call(identity + "/endpoints", token, {"endpoint": {
            "service_id": svc["id"], "interface": interface, "region_id": region,
            "url": f"http://{REMOTE_HOST}:{port}/image"}})


def _token(identity: str, password: str) -> str:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
    req = urllib.request.Request(identity + "/auth/tokens", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return str(resp.headers["X-Subject-Token"])


def _call(url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data, {"Content-Type": "application/json",
                                             "X-Auth-Token": token})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def format_images(directory: Path) -> Path:
    """Write the format test images and their manifest; the manifest's path.

    Each entry says whether a cloud should accept the image (``usable``); the unusable ones are
    the attacks an image service must refuse (a backing file, an external data file, a qcow2
    hiding in an ISO's system area).
    """
    directory.mkdir(parents=True, exist_ok=True)
    pattern = bytes(range(256)) * (MiB // 256)
    images = [
        ("raw-basic", "raw", pattern, True),
        ("qcow2-basic", "qcow2", crafted.qcow2(MiB), True),
        ("iso-basic", "iso", crafted.iso(), True),
        ("qcow2-backing-file", "qcow2", crafted.qcow2(MiB, backing=True), False),
        ("qcow2-data-file", "qcow2", crafted.qcow2(MiB, data_file=True), False),
        ("iso-qcow2", "iso", crafted.iso(system_area=crafted.qcow2(MiB)[:512]), False),
    ]
    manifest = []
    for name, fmt, data, usable in images:
        (directory / f"{name}.img").write_bytes(data)
        manifest.append({"name": name, "format": fmt, "filename": f"{name}.img",
                         "usable": usable})
    path = directory / "manifest.yaml"
    path.write_text(yaml.safe_dump({"images": manifest}, sort_keys=False))
    return path


def set_manifest(conf_path: Path, manifest: Path) -> None:
    """Point tempest.conf's ``[image] images_manifest_file`` at ``manifest``."""
    conf = configparser.ConfigParser(interpolation=None)
    conf.optionxform = str  # type: ignore[assignment,method-assign]
    conf.read(conf_path)
    conf["image"]["images_manifest_file"] = str(manifest)
    with open(conf_path, "w") as fh:
        conf.write(fh)
