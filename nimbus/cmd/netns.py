"""``nimbus netns exec [--state-dir DIR] -- CMD``: run a command in the cloud's ``ext``
namespace, the outside of its networks, from which floating IPs answer.

The machine's own namespace has no route to any guest, by design; a client that must reach
guests (an SSH to a floating IP, a ping) runs here instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from nimbus.conf.settings import load


def ext_namespace(state_dir: Path) -> str | None:
    try:
        secrets = yaml.safe_load((state_dir / "secrets.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return None
    return f"nimbus-{secrets['cloud_id']}-ext" if secrets and "cloud_id" in secrets else None


def run(overrides: dict[str, Any], command: list[str]) -> int:
    settings = load(overrides)
    namespace = ext_namespace(settings.state_dir)
    if namespace is None:
        print(f"nimbus: no cloud in {settings.state_dir}", file=sys.stderr)
        return 1
    if not Path(f"/run/netns/{namespace}").exists():
        print(f"nimbus: the cloud has no {namespace} namespace (is it up, with the linux "
              "network driver and a router on an external network?)", file=sys.stderr)
        return 1
    if not command:
        command = [os.environ.get("SHELL", "/bin/sh")]
    os.execvp("ip", ["ip", "netns", "exec", namespace, *command])
    return 0  # not reached
