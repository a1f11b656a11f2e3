"""The state dir is its owner's alone, and the admin password never has to be an option."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nimbus.conf.settings import SettingsError, load
from nimbus.core.platform import private_dir

COVERS = [("core", "state dir and everything in it private (0700/0600), older ones closed"),
          ("core", "admin password from NIMBUS_ADMIN_PASSWORD or a file")]


def _open_bits(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode) & 0o077


def test_an_open_state_dir_is_closed_file_by_file(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "images").mkdir(parents=True)
    for name in ("secrets.yaml", "nimbus.db", "images/one"):
        (state / name).write_text("x")
        (state / name).chmod(0o644)
    (state / "images").chmod(0o755)
    state.chmod(0o755)
    private_dir(state)
    for path in (state, state / "images", state / "secrets.yaml", state / "nimbus.db",
                 state / "images" / "one"):
        assert _open_bits(path) == 0, path
    assert (state / "nimbus.db").read_text() == "x"


def test_a_shared_directory_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "someone-elses").write_text("x")
    (shared / "someone-elses").chmod(0o644)
    shared.chmod(0o755)
    private_dir(shared)
    assert _open_bits(shared) == 0o055 and _open_bits(shared / "someone-elses") == 0o044


def test_new_state_dirs_and_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        state = tmp_path / "fresh"
        private_dir(state)
        (state / "nimbus.db").write_text("x")
    finally:
        os.umask(old)
    assert _open_bits(state) == 0 and _open_bits(state / "nimbus.db") == 0


def test_admin_password_from_the_environment_or_a_file(tmp_path: Path) -> None:
    settings = load({"state_dir": str(tmp_path)}, environ={"NIMBUS_ADMIN_PASSWORD": "from-env"})
    assert settings.admin_password == "from-env"
    secret = tmp_path / "admin-password"
    secret.write_text("from-file\n")
    settings = load({"state_dir": str(tmp_path), "admin_password_file": str(secret)},
                    environ={})
    assert settings.admin_password == "from-file"
    with pytest.raises(SettingsError, match="cannot read"):
        load({"state_dir": str(tmp_path), "admin_password_file": str(tmp_path / "none")},
             environ={})
