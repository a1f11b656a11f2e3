#!/usr/bin/env python3
"""bench/guest: create -> SSH-able for a real guest, beside the bare QEMU boot of its image.

    .venv/bin/python bench/guest.py [--boots 5] [--accel tcg]

Builds (or takes from its cache) the test guest image, then times two things, ``--boots`` times
each, and prints p50 and every run:

- ``bare qemu`` (the floor): ``qemu-system-x86_64`` started by hand on an overlay of the image,
  with user networking, a forwarded SSH port and a config drive carrying the key, timed from
  the start of the process until ``ssh true`` succeeds;
- ``nimbus``: ``nimbus up --real`` with the qemu driver, timed from openstacksdk's
  ``create_server`` (as the demo user, with a keypair) until ``ssh true`` into that server
  succeeds (where `nimbus ssh` goes: a forwarded loopback port on QEMU user networking, or,
  with the linux network driver, the guest's fixed address from its network's namespace,
  after a DHCP lease of its own).

Both use the same accelerator (``--accel``; TCG by default, as CI has no usable KVM). The
goal is under 5 s and within 1.5 times the floor. No assertion: the figures are for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openstack.connection  # noqa: E402
import yaml  # noqa: E402
from openstack.config.loader import OpenStackConfig  # noqa: E402

from nimbus.compute.drivers.qemu import configdrive  # noqa: E402
from nimbus.compute.drivers.qemu.process import free_port  # noqa: E402
from nimbus.core import netns  # noqa: E402
from nimbus.core.guestimage import build  # noqa: E402
from tests.support.cloud_process import CloudProcess  # noqa: E402

SSH = ["ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
       "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=2", "-o", "BatchMode=yes"]


def sshd_answers(address: str, port: int, netns_name: str | None) -> bool:
    """Whether an SSH server's banner comes back from ``address:port`` (from inside the
    namespace ``netns_name`` when given) within a second: a cheap probe taken every 0.1 s, so
    the figure is not rounded up to an SSH client's connect timeout."""
    def connect() -> socket.socket:
        return socket.create_connection((address, port), timeout=0.5)

    try:
        sock = netns.run_in(netns_name, connect) if netns_name else connect()
    except OSError:
        return False
    with sock:
        sock.settimeout(1.0)
        try:
            return sock.recv(4).startswith(b"SSH-")
        except OSError:
            return False


def wait_ssh(port: int, key: Path, started: float, timeout: float = 120,
             address: str = "127.0.0.1", netns_name: str | None = None) -> float:
    """Until ``ssh true`` succeeds: to a forwarded loopback port, or (a guest on a real
    network) to its fixed address from inside its network's namespace. The server's banner
    is awaited first; then the real client logs in, as a user would."""
    where = ["ip", "netns", "exec", netns_name] if netns_name else []
    while time.monotonic() - started < timeout:
        if not sshd_answers(address, port, netns_name):
            time.sleep(0.1)
            continue
        done = subprocess.run([*where, *SSH, "-i", str(key), "-p", str(port), f"root@{address}",
                               "true"], capture_output=True, check=False, timeout=30)
        if done.returncode == 0:
            return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"no SSH to {address}:{port} within {timeout} s")


def bare_boot(image: Path, key: Path, work: Path, accel: str) -> float:
    run = Path(tempfile.mkdtemp(dir=work))
    disk = run / "disk.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(image),
                    str(disk), "1G"], check=True)
    meta = {"uuid": "bench", "hostname": "bench", "name": "bench",
            "public_keys": {"k": key.with_suffix(".pub").read_text().strip()}}
    configdrive.write({"openstack/latest/meta_data.json": json.dumps(meta).encode()},
                      run / "config.iso")
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        ["qemu-system-x86_64", "-machine", f"pc,accel={accel}", "-cpu",
         "host" if accel == "kvm" else "max", "-m", "512", "-nodefaults", "-display", "none",
         "-drive", f"file={disk},if=virtio,format=qcow2",
         "-drive", f"file={run / 'config.iso'},if=virtio,format=raw,readonly=on",
         "-netdev", f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22",
         "-device", "virtio-net-pci,netdev=n0", "-serial", "null", "-device", "virtio-rng-pci"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return wait_ssh(port, key, started)
    finally:
        proc.kill()
        proc.wait()


def nimbus_boot(conn: openstack.connection.Connection, cloud: CloudProcess, key: Path,
                image: str, flavor: str, network: str, n: int) -> float:
    started = time.monotonic()
    server = conn.compute.create_server(name=f"bench-{n}", image_id=image, flavor_id=flavor,
                                        networks=[{"uuid": network}], key_name="bench")
    server = conn.compute.wait_for_server(server, interval=0.2, wait=120)
    nic: dict[str, object] = {}
    while not nic and time.monotonic() - started < 60:
        for record in (cloud.state_dir / "instances").glob(f"*/{server.id}/guest.json"):
            nic = json.loads(record.read_text())["nics"][0]
    if nic.get("tap"):
        # The linux network driver: SSH from the network's DHCP namespace.
        cloud_id = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())["cloud_id"]
        fixed = next(iter(conn.network.ports(device_id=server.id))).fixed_ips[0]["ip_address"]
        took = wait_ssh(22, key, started, address=str(fixed),
                        netns_name=f"nimbus-{cloud_id}-d-{network}")
    else:
        took = wait_ssh(int(nic["forwards"]["22"]), key, started)  # type: ignore[index]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=120)
    return took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--boots", type=int, default=5)
    parser.add_argument("--accel", choices=["tcg", "kvm"], default="tcg")
    args = parser.parse_args()
    image = build.build()
    work = Path(tempfile.mkdtemp(prefix="nimbus-bench-guest-"))
    key = work / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    floor = [bare_boot(image, key, work, args.accel) for _ in range(args.boots)]
    state = work / "state"
    state.mkdir()
    cloud = CloudProcess(state, extra=["--real"],
                         env={"NIMBUS_COMPUTE_QEMU_ACCEL": args.accel}).start(timeout=120)
    runs: list[float] = []
    try:
        deadline = time.monotonic() + 120
        while "guest images:" not in cloud.output() and time.monotonic() < deadline:
            time.sleep(0.2)
        config = OpenStackConfig(config_files=[str(state / "clouds.yaml")])
        conn = openstack.connection.Connection(config=config.get_one("nimbus-demo"))
        conn.compute.create_keypair(name="bench", public_key=key.with_suffix(".pub").read_text())
        # On a real network the default group lets nothing in from outside it.
        default = conn.network.find_security_group("default", project_id=conn.current_project_id)
        if default is not None:
            conn.network.create_security_group_rule(
                security_group_id=default.id, direction="ingress", protocol="tcp",
                port_range_min=22, port_range_max=22, ethertype="IPv4")
        found = conn.image.find_image("nimbus-guest")
        flavor = conn.compute.find_flavor("m1.tiny")
        network = conn.network.find_network("private")
        assert found is not None and flavor is not None and network is not None
        runs = [nimbus_boot(conn, cloud, key, found.id, flavor.id, network.id, n)
                for n in range(args.boots)]
    finally:
        cloud.stop()
        for line in subprocess.run(["pgrep", "-f", f"qemu-system.*{state}"], capture_output=True,
                                   text=True, check=False).stdout.split():
            os.kill(int(line), signal.SIGKILL)
    f50, n50 = statistics.median(floor), statistics.median(runs)
    print(f"create -> SSH-able, test guest image {image.name}, {args.accel.upper()}, "
          f"{args.boots} boots each")
    print(f"  {'':22} {'p50 s':>7}  runs")
    print(f"  {'bare qemu (floor)':22} {f50:7.2f}  {' '.join(f'{x:.2f}' for x in floor)}")
    print(f"  {'nimbus (openstacksdk)':22} {n50:7.2f}  {' '.join(f'{x:.2f}' for x in runs)}")
    print(f"  ratio {n50 / f50:.2f}x the floor (goal <= 1.5x), p50 {n50:.2f} s (goal < 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
