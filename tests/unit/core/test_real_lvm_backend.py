"""`nimbus up --real` keeps a volume driver the operator named (``lvm``) and says whether this
machine can run it, and how it will keep volumes."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from nimbus.cmd import real

COVERS = [("volume", "nimbus up --real: an lvm backend named in the settings is kept, and "
                     "said to be usable (and how) or not (and why)")]


def _answers(codes: dict[str, int]) -> Any:
    def run(args: list[str], **_kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, codes.get(args[0], 0), "", "")
    return run


def test_lvm_is_kept_and_said_how_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(real.os, "geteuid", lambda: 0)
    monkeypatch.setattr(real, "_namespaces_work", lambda: True)
    monkeypatch.setattr(real.subprocess, "run", _answers({"dmsetup": 1}))
    overrides: dict[str, object] = {"volume_driver": "lvm"}
    lines = real.choose(overrides, {"volume_group": "vg-a"})
    assert overrides["volume_driver"] == "lvm"
    volume = next(line for line in lines if line.startswith("volume:"))
    assert "volume group vg-a" in volume and "no device-mapper" in volume
    monkeypatch.setattr(real.subprocess, "run", _answers({}))
    volume = next(line for line in real.choose({"volume_driver": "lvm"}, {})
                  if line.startswith("volume:"))
    assert "nimbus-volumes: thin volumes" in volume


def test_lvm_that_cannot_run_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(real.shutil, "which",
                        lambda name: None if name == "lvm" else f"/usr/bin/{name}")
    volume = next(line for line in real.choose({"volume_driver": "lvm"}, {})
                  if line.startswith("volume:"))
    assert "lvm is missing" in volume and "apt-get install lvm2" in volume
    monkeypatch.setattr(real.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(real.os, "geteuid", lambda: 0)
    monkeypatch.setattr(real.subprocess, "run", _answers({"lvm": 5}))
    volume = next(line for line in real.choose({"volume_driver": "lvm"}, {"volume_group": "x"})
                  if line.startswith("volume:"))
    assert "volume group x does not exist" in volume
