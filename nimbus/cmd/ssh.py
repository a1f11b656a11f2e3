"""``nimbus ssh SERVER``: a shell on a guest of the qemu driver, from the machine it runs on.

A guest on QEMU user networking is reached through the loopback port its QEMU forwards to its
SSH port, kept in the guest's record on its host (``<instances_path>/<host>/<uuid>/guest.json``).
A guest on a real network (its NIC a tap of the ``linux`` network driver) is reached at its
fixed address from inside its network's DHCP namespace, which sits on the same segment: the
machine's own namespace has no route to any guest, by design.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import openstack.connection
import openstack.exceptions
import yaml
from keystoneauth1 import exceptions as ks_exc
from openstack.config.loader import OpenStackConfig

from nimbus.conf.settings import load


def first_nic(instances: Path, uuid: str) -> dict[str, Any] | None:
    """The guest's first NIC, from its record on whichever host of this machine has it (a
    user who is not an admin is not told the host)."""
    for record in instances.glob(f"*/{uuid}/guest.json"):
        try:
            return dict(json.loads(record.read_text())["nics"][0])
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return None


def ssh_port(instances: Path, uuid: str) -> int | None:
    """The guest's forwarded SSH port (QEMU user networking)."""
    nic = first_nic(instances, uuid)
    try:
        return int(nic["forwards"]["22"]) if nic is not None else None
    except (KeyError, TypeError, ValueError):
        return None


def _on_segment(conn: Any, state_dir: Path, uuid: str) -> tuple[str, str] | None:
    """(namespace, address) from which the guest's first port is reachable, for a tap NIC."""
    try:
        secrets = yaml.safe_load((state_dir / "secrets.yaml").read_text())
        ports = list(conn.network.ports(device_id=uuid))
    except (OSError, yaml.YAMLError, openstack.exceptions.SDKException,
            ks_exc.ClientException):
        return None
    for port in ports:
        for fixed in port.fixed_ips or []:
            if ":" not in str(fixed.get("ip_address")):
                return (f"nimbus-{secrets['cloud_id']}-d-{port.network_id}",
                        str(fixed["ip_address"]))
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
    nic = first_nic(instances, str(found.id))
    # A guest that stops answering ends the session in seconds rather than never.
    options = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5",
               "-o", "ServerAliveCountMax=3", *(["-i", identity] if identity else [])]
    if nic is not None and nic.get("tap"):
        where = _on_segment(conn, settings.state_dir, str(found.id))
        if where is None:
            print(f"nimbus: server {server} has no IPv4 address on a network of this cloud",
                  file=sys.stderr)
            return 1
        argv = ["ip", "netns", "exec", where[0], "ssh", *options, f"{user}@{where[1]}",
                *command]
        os.execvp("ip", argv)
    port = ssh_port(instances, str(found.id))
    if port is None:
        print(f"nimbus: server {server} has no forwarded SSH port on this machine (is it a "
              "guest of the qemu driver, running here?)", file=sys.stderr)
        return 1
    os.execvp("ssh", ["ssh", "-p", str(port), *options, f"{user}@127.0.0.1", *command])
    return 0  # not reached
