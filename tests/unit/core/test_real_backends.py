"""`nimbus up --real` picks each real backend only when the machine has what it needs, and
otherwise says what to install; a compute driver that cannot run stops the start with its
reason, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nimbus.cmd import real

COVERS = [("compute", "nimbus up --real: qemu and file backends chosen when installed, and "
                      "what to install when not; a missing QEMU stops the start cleanly"),
          ("network", "nimbus up --real: the linux driver as root with iproute2 and dnsmasq, "
                      "else fake and why")]


def test_everything_installed_picks_the_real_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(real.os, "geteuid", lambda: 0)
    monkeypatch.setattr(real, "_namespaces_work", lambda: True)
    overrides: dict[str, object] = {}
    lines = real.choose(overrides)
    assert overrides == {"compute_driver": "qemu", "volume_driver": "file",
                         "network_driver": "linux"}
    assert any(line.startswith("compute: qemu") for line in lines)
    assert any(line.startswith("network:  linux") for line in lines)


def test_without_root_the_network_stays_fake_and_says_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(real.os, "geteuid", lambda: 1000)
    overrides: dict[str, object] = {}
    lines = real.choose(overrides)
    assert "network_driver" not in overrides
    assert any("network:  fake, because it needs root" in line for line in lines)


def test_without_qemu_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real.shutil, "which", lambda name: None)
    overrides: dict[str, object] = {}
    lines = real.choose(overrides)
    assert overrides == {}
    assert any("apt-get install qemu-system-x86" in line for line in lines)
    assert any("apt-get install qemu-utils" in line for line in lines)


def test_a_missing_qemu_stops_the_start_with_its_reason(tmp_path: Path) -> None:
    nimbus = Path(sys.executable).parent / "nimbus"
    done = subprocess.run(
        [str(nimbus), "up", "--compute-driver", "qemu", "--state-dir", str(tmp_path / "s"),
         "--port", "0"],
        env={"NIMBUS_COMPUTE_QEMU_BINARY": "qemu-system-missing", "NIMBUS_ADMIN_PASSWORD": "x",
             "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=120,
        check=False)
    assert done.returncode != 0
    assert "qemu-system-missing is not installed" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
