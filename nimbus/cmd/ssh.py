"""``nimbus ssh SERVER``: a shell on a guest of the qemu driver, from the machine it runs on.

Until guests sit on real networks, a guest's only way in is the loopback port its QEMU
forwards to its SSH port. The port is in the guest's record on its host
(``<instances_path>/<host>/<uuid>/guest.json``), so this looks the server's id up through
the compute API and then reads that record.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import openstack.connection
import openstack.exceptions
from keystoneauth1 import exceptions as ks_exc
from openstack.config.loader import OpenStackConfig

from nimbus.conf.settings import load


def ssh_port(instances: Path, uuid: str) -> int | None:
    """The guest's forwarded SSH port, from its record on whichever host of this machine has
    it (a user who is not an admin is not told the host)."""
    for record in instances.glob(f"*/{uuid}/guest.json"):
        try:
            return int(json.loads(record.read_text())["nics"][0]["forwards"]["22"])
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return None


def run(overrides: dict[str, Any], server: str, cloud: str, identity: str | None, user: str,
        command: list[str]) -> int:
    settings = load(overrides)
    config = OpenStackConfig(config_files=[str(settings.state_dir / "clouds.yaml")])
    conn = openstack.connection.Connection(config=config.get_one(cloud))
    try:
        found = conn.compute.find_server(server, ignore_missing=True)
    except (openstack.exceptions.SDKException, ks_exc.ClientException) as exc:
        print(f"nimbus: cannot look {server} up: {exc}", file=sys.stderr)
        return 1
    if found is None:
        print(f"nimbus: no server {server}", file=sys.stderr)
        return 1
    instances = (Path(settings.compute.instances_path) if settings.compute.instances_path
                 else settings.state_dir / "instances")
    port = ssh_port(instances, str(found.id))
    if port is None:
        print(f"nimbus: server {server} has no forwarded SSH port on this machine (is it a "
              "guest of the qemu driver, running here?)", file=sys.stderr)
        return 1
    argv = ["ssh", "-p", str(port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
    if identity:
        argv += ["-i", identity]
    argv += [f"{user}@127.0.0.1", *command]
    os.execvp("ssh", argv)
    return 0  # not reached
