"""Real guests for the functional tests: a `nimbus up --real` cloud of two hosts, and what
the tests do to its guests (SSH through `nimbus ssh`, waits on the CLI's view)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest
import yaml

from tests.support.cloud_process import BIN, CloudProcess

# How long a guest cloud's own clean stop may take once its guests are gone: the network
# agents stop their dnsmasq and radvd and delete their namespaces, a few seconds.
STOP_GRACE = 60.0


def qemu_pids(state: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", f"qemu-system.*{state}"], capture_output=True,
                         text=True, check=False).stdout
    return [int(p) for p in out.split()]


def _kill(pids: list[int]) -> None:
    for pid in pids:
        # One may have ended since it was listed (a guest powering off); the rest still go.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)



def ssh(cloud: CloudProcess, server: str, command: str, timeout: float = 90) -> str:
    """Run ``command`` in the guest through `nimbus ssh`, retrying until its SSH answers."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        done = subprocess.run(
            [str(BIN / "nimbus"), "ssh", "--state-dir", str(cloud.state_dir), "-i",
             str(cloud.key), server, "--", command],  # type: ignore[attr-defined]
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
        if done.returncode == 0:
            return done.stdout
        last = done.stderr
        time.sleep(1)
    raise AssertionError(f"no SSH into {server} within {timeout} s: {last}")



def from_ext(cloud: CloudProcess, address: str, command: str, port: int = 22) -> str:
    """``command`` run over SSH to ``address`` (``port``) from the cloud's ext namespace, as
    a machine outside would reach a floating IP ('' when it cannot connect)."""
    done = subprocess.run(
        [str(BIN / "nimbus"), "netns", "exec", "--state-dir", str(cloud.state_dir), "--",
         "ssh", "-i", str(cloud.key), "-p", str(port),  # type: ignore[attr-defined]
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5", f"root@{address}", command],
        capture_output=True, text=True, timeout=60, check=False)
    return done.stdout if done.returncode == 0 else ""


def uptime(cloud: CloudProcess, server: str) -> float:
    return float(ssh(cloud, server, "cat /proc/uptime").split()[0])



def wait(cloud: CloudProcess, server: str, status: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    shown: dict[str, str] = {}
    while time.monotonic() < deadline:
        shown = cloud.openstack_json("server", "show", server)
        if shown["status"] == status and not shown.get("OS-EXT-STS:task_state"):
            return
        assert shown["status"] != "ERROR", shown.get("fault")
        time.sleep(1)
    raise AssertionError(f"{server} is not {status}: {shown.get('status')}")



def until(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    raise AssertionError("the guest did not see the change in time")



def host_of(cloud: CloudProcess, server: str) -> str:
    return str(cloud.openstack_json("server", "show", server)["OS-EXT-SRV-ATTR:host"])



def namespaces(cloud: CloudProcess) -> list[str]:
    """The cloud's network namespaces on this machine."""
    return _namespaces_of(cloud.state_dir)


def _namespaces_of(state: Path) -> list[str]:
    secrets = state / "secrets.yaml"
    if not secrets.exists():  # a cloud that never got far enough to make any
        return []
    cloud_id = yaml.safe_load(secrets.read_text())["cloud_id"]
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                            check=True).stdout.split()
    return [n for n in listed if n.startswith(f"nimbus-{cloud_id}-")]



def fixed_ip(cloud: CloudProcess, server: str) -> str:
    ports = cloud.openstack_json("port", "list", "--server", server, "--long")
    return str(ports[0]["Fixed IP Addresses"][0]["ip_address"])



def volume_status(cloud: CloudProcess, name: str, status: str) -> None:
    deadline = time.monotonic() + 90
    shown: dict[str, str] = {}
    while time.monotonic() < deadline:
        shown = cloud.openstack_json("volume", "show", name)
        if shown["status"] == status:
            return
        time.sleep(1)
    raise AssertionError(f"volume {name} is {shown.get('status')}, not {status}")



@contextlib.contextmanager
def real_cloud(tmp_path_factory: pytest.TempPathFactory,
               env: dict[str, str] | None = None) -> Iterator[CloudProcess]:
    """A cloud with `--real` and two compute hosts on this machine, a keypair ``k`` (the
    key at ``cloud.key``), and SSH and ping allowed by the default group.

    A context manager, so that a module's fixture does its own setup inside it
    (``with guests.real_cloud(f) as cloud: ...; yield cloud``): whatever fails, from the
    cloud's start on, still ends in ``teardown``."""
    built = subprocess.run([str(BIN / "nimbus"), "guest-image"], capture_output=True,
                           text=True, timeout=900, check=False)
    assert built.returncode == 0, built.stderr
    base = tmp_path_factory.mktemp("qemu")
    state = base / "state"
    state.mkdir()
    # Two hosts (both on this machine), for the migrations.
    cloud = CloudProcess(state, extra=["--real", "--compute-hosts", "2"],
                         env={"NIMBUS_COMPUTE_SHUTDOWN_TIMEOUT": "30", **(env or {})})
    key = base / "key"
    try:
        with interrupted_by_sigterm():
            cloud.start(timeout=120)
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                           check=True)
            cloud.key = key  # type: ignore[attr-defined]
            deadline = time.monotonic() + 120
            while "guest images:" not in cloud.output() and time.monotonic() < deadline:
                time.sleep(0.5)
            assert "guest images:" in cloud.output(), cloud.output()[-2000:]
            cloud.openstack("keypair", "create", "--public-key", f"{key}.pub", "k")
            # Security groups are enforced on real networks: SSH and ping in, as a user
            # opens them.
            cloud.openstack("security", "group", "rule", "create", "--protocol", "tcp",
                            "--dst-port", "22", "default")
            cloud.openstack("security", "group", "rule", "create", "--protocol", "icmp",
                            "default")
            yield cloud
    finally:
        teardown(cloud)


def teardown(cloud: CloudProcess) -> None:
    """Stop a guest cloud and leave nothing of it on the machine, however far it got.

    Its guests are killed first: the cloud's own clean stop would power each one off over
    ACPI, one host after the other and up to the shutdown timeout each (a guest still
    booting never hears the button), which outlasts the stop's grace; the cloud was then
    killed before its network agents had removed their dnsmasq and namespaces. With no
    guest left its clean stop takes seconds. Then whatever outlived it anyway (a stop cut
    short, a cloud that died, or one stopped while it was still starting) is removed."""
    _kill(qemu_pids(cloud.state_dir))
    cloud.stop(timeout=STOP_GRACE)
    sweep(cloud.state_dir)


def sweep(state: Path) -> None:
    """Kill every process that names the state dir ``state`` (QEMU, dnsmasq and radvd each
    do, through their pid and log files) and delete the cloud's namespaces."""
    wanted = str(state).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a == wanted or wanted + b"/" in a for a in args):
            found.append(int(entry.name))
    _kill(found)
    for ns in _namespaces_of(state):
        subprocess.run(["ip", "netns", "delete", ns], capture_output=True, check=False)


@contextlib.contextmanager
def interrupted_by_sigterm() -> Iterator[None]:
    """While a guest cloud runs, a SIGTERM to the test run (a CI job cancelled, the
    script that started it exiting) interrupts it as Ctrl-C would, so that pytest still
    finalises the fixtures: by default the signal ends the process where it stands, and
    the cloud, started apart from the run's process group, would run on."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def leftovers(cloud: CloudProcess, port_ids: list[str]) -> list[str]:
    """What of the data plane outlives what it served: a tap of one of ``port_ids`` in any of
    the cloud's namespaces, and anything of the cloud's in the machine's own namespace."""
    found = []
    for ns in namespaces(cloud):
        links = subprocess.run(["ip", "-n", ns, "-o", "link", "show"], capture_output=True,
                               text=True, check=False).stdout
        found += [f"{ns}: tap of {p}" for p in port_ids if f"tap{p[:11]}" in links]
    own = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True,
                         check=True).stdout
    found += [f"machine: {line.split(':')[1].strip()}" for line in own.splitlines()
              if line.split(":")[1].strip().startswith(("brq", "tap", "vx-", "fb", "ul-"))]
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True,
                            check=False).stdout
    found += [f"machine: {t}" for t in tables.splitlines() if "nimbus" in t]
    return found
