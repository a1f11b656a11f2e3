"""A newcomer's first ten minutes, as the README tells them: `scripts/up.sh` from a fresh copy.

The project's files are copied to a new directory (what a fresh clone holds), and `scripts/up.sh`
builds its own virtualenv there and starts the cloud with options. Then everything a newcomer
does next must just work: the `openstack` CLI beside `nimbus`, a second `nimbus up` on the same
state dir or port refused at once, no warnings for a normal first start, readable faults, and a
tempest.conf that tempest can use from anywhere.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cloud_process import free_port

COVERS = [
    ("all", "scripts/up.sh --port --state-dir from a fresh copy, openstack CLI installed"),
    ("all", "a second nimbus up on a state dir in use is refused at once"),
    ("all", "a taken port is refused before anything is bootstrapped"),
    ("all", "a first start logs no warnings"),
    ("image", "faults read as plain text (no HTML entities) in the openstack CLI"),
    ("all", "nimbus tempest-config writes log_dir and lock_path into its workspace only"),
    ("all", "state dir, database, images and objects have no group or other permissions"),
]

pytestmark = pytest.mark.functional
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Fresh:
    root: Path
    state: Path
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def bin(self) -> Path:
        return self.root / ".venv" / "bin"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("OS_", "NIMBUS_", "VIRTUAL_ENV"))}
        env["OS_CLIENT_CONFIG_FILE"] = str(self.state / "clouds.yaml")
        env["PATH"] = f"{self.bin}:{env.get('PATH', '')}"
        return env

    def run(self, *cmd: str, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(cmd), env=self.env(), cwd=cwd or self.root,
                              capture_output=True, text=True, timeout=timeout)


def _copy_project(dest: Path) -> None:
    """The files a fresh clone would hold: tracked ones plus new ones not ignored."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    base = tmp_path_factory.mktemp("fresh")
    root = base / "nimbus"
    _copy_project(root)
    state, port, log = base / "state", free_port(), base / "up.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", "scripts/up.sh", "--port", str(port), "--state-dir",
                                 str(state)], cwd=root, stdout=out, stderr=subprocess.STDOUT,
                                env={k: v for k, v in os.environ.items()
                                     if not k.startswith(("VIRTUAL_ENV", "NIMBUS_"))},
                                start_new_session=True)
    fresh = Fresh(root, state, port, proc, log)
    try:
        # The first run builds a virtualenv and installs Nimbus and the CLI into it.
        deadline = time.monotonic() + 900
        while not _healthy(port):
            assert proc.poll() is None, f"scripts/up.sh exited:\n{log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"never healthy:\n{log.read_text()[-4000:]}"
            time.sleep(0.5)
        yield fresh
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_up_sh_takes_options_and_installs_the_cli(fresh: Fresh) -> None:
    assert (fresh.state / "clouds.yaml").exists()
    assert (fresh.bin / "openstack").exists()
    token = fresh.run("openstack", "--os-cloud", "nimbus", "token", "issue", "-f", "json")
    assert token.returncode == 0, token.stderr
    endpoints = fresh.run("openstack", "--os-cloud", "nimbus", "endpoint", "list", "--service",
                          "compute", "-f", "json")
    assert endpoints.returncode == 0, endpoints.stderr
    assert all(f":{fresh.port}/" in e["URL"] for e in json.loads(endpoints.stdout))


def test_a_state_dir_in_use_is_refused_at_once(fresh: Fresh) -> None:
    started = time.monotonic()
    second = fresh.run("nimbus", "up", "--state-dir", str(fresh.state), "--port",
                       str(free_port()), timeout=60)
    assert second.returncode == 1
    assert "already in use" in second.stderr and str(fresh.state) in second.stderr
    assert time.monotonic() - started < 30
    # The running cloud is untouched: its catalog still names its own port.
    assert _healthy(fresh.port)
    endpoints = fresh.run("openstack", "--os-cloud", "nimbus", "endpoint", "list", "-f", "json")
    assert all(f":{fresh.port}/" in e["URL"] for e in json.loads(endpoints.stdout))


def test_a_taken_port_is_refused_before_bootstrap(fresh: Fresh, tmp_path: Path) -> None:
    other = tmp_path / "other-state"
    second = fresh.run("nimbus", "up", "--state-dir", str(other), "--port", str(fresh.port),
                       timeout=60)
    assert second.returncode == 1
    assert f"port {fresh.port}" in second.stderr and "already in use" in second.stderr
    assert not (other / "nimbus.db").exists() and not (other / "secrets.yaml").exists()


def test_a_first_start_logs_no_warnings(fresh: Fresh) -> None:
    levels = []
    for line in (fresh.state / "nimbus.log").read_text().splitlines():
        record = json.loads(line)
        if record["level"] in ("WARNING", "ERROR", "CRITICAL"):
            levels.append(record)
    assert not levels, levels
    printed = fresh.log.read_text(errors="replace")
    assert '"level": "WARNING"' not in printed and "No hostname was supplied" not in printed


def test_faults_read_as_plain_text(fresh: Fresh) -> None:
    # The demo member may not make an image public: Glance's "doesn't allow" fault.
    made = fresh.run("openstack", "--os-cloud", "nimbus-demo", "image", "create", "--private",
                     "--disk-format", "raw", "--container-format", "bare", "mine", "-f", "json")
    assert made.returncode == 0, made.stderr
    image_id = json.loads(made.stdout)["id"]
    refused = fresh.run("openstack", "--os-cloud", "nimbus-demo", "image", "set", "--public",
                        image_id)
    assert refused.returncode != 0
    assert "doesn't allow" in refused.stderr, refused.stderr
    assert "&#" not in refused.stderr and "&amp;" not in refused.stderr
    # The same fault as a plain HTTP client without an Accept header gets it: Glance's page.
    token = json.loads(fresh.run("openstack", "--os-cloud", "nimbus-demo", "token", "issue",
                                 "-f", "json").stdout)["id"]
    request = urllib.request.Request(
        f"http://127.0.0.1:{fresh.port}/image/v2/images/{image_id}", method="PATCH",
        data=json.dumps([{"op": "replace", "path": "/visibility", "value": "public"}]).encode(),
        headers={"X-Auth-Token": token,
                 "Content-Type": "application/openstack-images-v2.1-json-patch"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    body = caught.value.read().decode()
    assert caught.value.code == 403 and "doesn't allow" in body and "&#" not in body


def test_tempest_config_writes_its_workspace_only(fresh: Fresh, tmp_path: Path) -> None:
    workspace, elsewhere = tmp_path / "ws", tmp_path / "elsewhere"
    elsewhere.mkdir()
    conf_file = workspace / "etc" / "tempest.conf"
    made = fresh.run("nimbus", "tempest-config", "--state-dir", str(fresh.state), "-o",
                     str(conf_file), cwd=elsewhere)
    assert made.returncode == 0, made.stderr
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(conf_file)
    assert conf["DEFAULT"]["log_dir"] == str(workspace / "logs")
    assert conf["oslo_concurrency"]["lock_path"] == str(workspace / "tempest_lock")
    assert (workspace / "logs").is_dir() and (workspace / "tempest_lock").is_dir()
    assert not any(elsewhere.iterdir())
    printed = fresh.run("nimbus", "tempest-config", "--state-dir", str(fresh.state),
                        cwd=elsewhere)
    assert printed.returncode == 0, printed.stderr
    conf = configparser.ConfigParser(interpolation=None)
    conf.read_string(printed.stdout)
    assert "log_dir" not in conf["DEFAULT"] and not conf.has_section("oslo_concurrency")
    assert not any(elsewhere.iterdir())


def test_tenant_data_on_disk_is_private(fresh: Fresh, tmp_path: Path) -> None:
    payload = tmp_path / "payload.txt"
    payload.write_text("private bytes")
    for args in (("container", "create", "private-c"),
                 ("object", "create", "private-c", str(payload))):
        made = fresh.run("openstack", "--os-cloud", "nimbus", *args)
        assert made.returncode == 0, made.stderr
    found = [fresh.state, fresh.state / "nimbus.db", fresh.state / "secrets.yaml"]
    found += [p for sub in ("images", "objects") for p in (fresh.state / sub).rglob("*")]
    assert any("images" in p.parts for p in found) and any("objects" in p.parts for p in found)
    open_to_others = [str(p) for p in found if p.stat().st_mode & 0o077]
    assert open_to_others == []
