"""Run `nimbus up` as a subprocess and drive it with the unmodified `openstack` CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.cli_forks import run_openstack

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CloudProcess:
    """A whole cloud in one child process, with its own state directory and port."""

    def __init__(self, state_dir: Path, db_url: str | None = None, bus_url: str | None = None,
                 extra: list[str] | None = None, command: tuple[str, ...] = ("up",),
                 env: dict[str, str] | None = None) -> None:
        self.state_dir = state_dir
        self.env = env
        self.command = command
        self.port = free_port()
        self.db_url = db_url
        self.bus_url = bus_url
        self.extra = extra or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.ready_after = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> CloudProcess:
        cmd = [str(BIN / "nimbus"), *self.command, "--state-dir", str(self.state_dir), "--port",
               str(self.port), *self.extra]
        if self.db_url:
            cmd += ["--db-url", self.db_url]
        if self.bus_url:
            cmd += ["--bus-url", self.bus_url]
        self.started_at = time.monotonic()
        log = open(self.state_dir.parent / f"{self.state_dir.name}-stdout.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(self.env or {})},
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nimbus up exited with {self.proc.returncode}: "
                                   f"{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        self.ready_after = time.monotonic() - self.started_at
                        return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nimbus up was not healthy within {timeout}s: {self.output()[-3000:]}")

    def spawn(self, *command: str) -> subprocess.Popen[bytes]:
        """Another process of the same cloud (a scheduler, an agent) sharing its state dir."""
        cmd = [str(BIN / "nimbus"), *command, "--state-dir", str(self.state_dir), "--port",
               str(self.port)]
        if self.db_url:
            cmd += ["--db-url", self.db_url]
        if self.bus_url:
            cmd += ["--bus-url", self.bus_url]
        log = open(self.state_dir.parent / f"{'-'.join(command)}.log", "ab")  # noqa: SIM115
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        path = self.state_dir.parent / f"{self.state_dir.name}-stdout.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, and SIGKILL if the cloud has not stopped cleanly within ``timeout``."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait()

    def server_errors(self) -> list[str]:
        """Every request the cloud answered with a 5xx, from its structured log."""
        bad = []
        log = self.state_dir / "nimbus.log"
        for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
            try:
                msg = json.loads(line).get("msg", "")
            except ValueError:
                continue
            # "<request id> <method> <path> <status> <ms>ms": read the status from the end, since
            # a fuzzed path may hold characters that split() takes for spaces.
            parts = msg.split()
            if (len(parts) >= 5 and parts[0].startswith("req-") and parts[-1].endswith("ms")
                    and parts[-2].isdigit() and parts[-2].startswith("5")):
                bad.append(msg)
        return bad

    # -- the openstack CLI ------------------------------------------------------------------
    def openstack(self, *args: str, cloud: str = "nimbus", check: bool = True,
                  timeout: float = 180) -> subprocess.CompletedProcess[str]:
        cli = BIN / "openstack"
        if not cli.exists():
            found = shutil.which("openstack")
            assert found, "python-openstackclient is not installed"
            cli = Path(found)
        env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(self.state_dir / "clouds.yaml"))
        for key in list(env):
            if key.startswith("OS_") and key != "OS_CLIENT_CONFIG_FILE":
                env.pop(key)
        result = run_openstack(cli, ["--os-cloud", cloud, *args], env, timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"openstack {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def openstack_json(self, *args: str, cloud: str = "nimbus") -> Any:
        out = self.openstack(*args, "-f", "json", cloud=cloud).stdout
        return json.loads(out) if out.strip() else None
