"""`nimbus tempest-config` sets tempest's compute feature flags from what the configured driver
declares and how many hosts there are to move servers between."""

from __future__ import annotations

from pathlib import Path

from nimbus.cmd.tempest_config import compute_features
from nimbus.conf.settings import load

COVERS = [("compute", "tempest-config compute feature flags from driver capabilities")]


def test_flags_follow_the_fake_driver(tmp_path: Path) -> None:
    one = compute_features(load({"state_dir": str(tmp_path)}, environ={}))
    assert one["resize"] == "true" and one["rescue"] == "true"
    assert one["console_output"] == "true" and one["interface_attach"] == "true"
    assert one["change_password"] == "true" and one["shelve"] == "true"
    # One host: nowhere to migrate to.
    assert one["live_migration"] == "false" and one["cold_migration"] == "false"
    # The fake driver's VNC console answers through the proxy; tempest's serial test cannot
    # pass anywhere, so serial stays off.
    assert one["vnc_console"] == "true" and one["serial_console"] == "false"
    two = compute_features(load({"state_dir": str(tmp_path), "compute_fake_hosts": 2},
                                environ={}))
    assert two["live_migration"] == "true" and two["cold_migration"] == "true"
    # Swap and multiattach follow the driver's own flags.
    assert two["swap_volume"] == "true" and two["volume_multiattach"] == "true"
