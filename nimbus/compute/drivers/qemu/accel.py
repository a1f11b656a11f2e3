"""Choosing between KVM and TCG: KVM only when /dev/kvm really runs a guest.

Opening /dev/kvm is not enough: under nested virtualisation a KVM guest can hang at its first
instruction, or stop with "KVM internal error" in its boot loader (seen with syslinux). So the
probe first boots QEMU's firmware under KVM with nothing to boot, which makes it give up and
reset at once (``reboot-timeout=0`` with ``-no-reboot`` ends QEMU there); then, when the test
guest image is on this host, it boots that (``-snapshot``: nothing is written) until its kernel
prints its banner. KVM is used only when both finish within their timeouts. The firmware runs
with the CPU model guests get, the host's own; a nested hypervisor may refuse one of its MSRs
(QEMU then aborts setting ``IA32_ARCH_CAPABILITIES``), and the host's model without that
feature is tried next.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nimbus.core.guestimage import build as guestimage

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accel:
    name: str  # "kvm" or "tcg"
    reason: str
    # QEMU's -cpu for guests: the host's model under KVM, the emulator's fullest under TCG.
    cpu: str = ""

    @property
    def cpu_model(self) -> str:
        return self.cpu or ("host" if self.name == "kvm" else "max")


# Under KVM, the host's CPU model, then the same without what nested hypervisors often refuse.
KVM_CPUS = ("host", "host,-arch-capabilities")


_PROBED: dict[tuple[str, str, str], Accel] = {}
_PROBE_LOCK = threading.Lock()


def probe(binary: str, wanted: str = "auto", timeout: float = 10.0,
          guest: Path | None = None) -> Accel:
    """KVM or TCG for this machine; probed once per process (every host of a process shares
    the machine)."""
    key = (binary, wanted, str(guest))
    with _PROBE_LOCK:
        if key not in _PROBED:
            _PROBED[key] = _probe(binary, wanted, timeout, guest)
        return _PROBED[key]


def _probe(binary: str, wanted: str, timeout: float, guest: Path | None) -> Accel:
    if wanted == "tcg":
        return Accel("tcg", "TCG was asked for (compute.qemu_accel=tcg)")
    path = shutil.which(binary)
    if path is None:
        raise FileNotFoundError(binary)
    if not os.path.exists("/dev/kvm"):
        found = Accel("tcg", "/dev/kvm does not exist")
    elif not os.access("/dev/kvm", os.R_OK | os.W_OK):
        found = Accel("tcg", "/dev/kvm is not readable and writable by this user")
    else:
        found = _run_firmware(path, timeout)
        if found.name == "kvm":
            # Firmware alone passes where a nested hypervisor still fails the guest's own
            # boot code (an emulation failure in its loader), so a kernel must boot too: the
            # test guest, built now on a machine that has none yet.
            guest = guest or _test_guest()
            if guest is not None:
                found = _boot_guest(path, guest, found, 3 * timeout)
    if wanted == "kvm" and found.name != "kvm":
        raise RuntimeError(f"KVM was asked for (compute.qemu_accel=kvm) but {found.reason}")
    return found


def _run_firmware(path: str, timeout: float) -> Accel:
    why = "no CPU model was tried"
    for cpu in KVM_CPUS:
        began = time.monotonic()
        try:
            done = subprocess.run(
                _with_parent([path, "-accel", "kvm", "-cpu", cpu, "-nodefaults", "-display",
                              "none", "-no-reboot", "-boot", "strict=on,reboot-timeout=0",
                              "-m", "32", "-serial", "none", "-monitor", "none"]),
                capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Accel("tcg", f"a KVM guest did not finish its firmware in {timeout:.0f} s "
                                "(nested virtualisation that hangs?)")
        took = time.monotonic() - began
        if done.returncode == 0:
            model = "" if cpu == "host" else f" (CPU {cpu})"
            return Accel("kvm", f"/dev/kvm ran a guest's firmware in {took:.1f} s{model}", cpu)
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
    return Accel("tcg", f"QEMU could not start a KVM guest: {why}")


def _test_guest() -> Path | None:
    try:
        return guestimage.build()
    except guestimage.BuildError as exc:
        LOG.warning("no test guest to confirm KVM with (%s); trusting the firmware's run", exc)
        return None


def _with_parent(command: list[str]) -> list[str]:
    """``command`` killed by the kernel when the process that started it dies: a KVM guest
    stuck under nested virtualisation would outlive a prober killed outright, whose
    ``finally`` never runs. (``setpriv`` rather than a pre-exec hook, which is not safe in a
    process with threads.)"""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *command] if setpriv else command


def _boot_guest(path: str, guest: Path, firmware: Accel, timeout: float) -> Accel:
    began = time.monotonic()
    proc = subprocess.Popen(
        _with_parent([path, "-accel", "kvm", "-cpu", firmware.cpu_model, "-nodefaults",
                      "-display", "none", "-no-reboot", "-m", "256", "-snapshot", "-drive",
                      f"file={guest},if=virtio,format=qcow2", "-serial", "stdio", "-monitor",
                      "none"]),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seen = b""
    try:
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        while time.monotonic() - began < timeout and proc.poll() is None:
            chunk = proc.stdout.read(65536) or b""
            seen += chunk
            if b"Linux version" in seen:
                return Accel("kvm", f"{firmware.reason}, and booted the test guest's kernel "
                                    f"in {time.monotonic() - began:.1f} s", firmware.cpu)
            if b"KVM internal error" in seen or b"emulation failure" in seen:
                return Accel("tcg", "KVM stopped with an internal error while booting the test "
                                    "guest (nested virtualisation?)")
            time.sleep(0.05)
        return Accel("tcg", f"the test guest's kernel did not start under KVM in "
                            f"{timeout:.0f} s")
    finally:
        proc.kill()
        proc.wait()


def cpu_info() -> dict[str, Any]:
    """This machine's CPU as the hypervisors API shows a host's (``/proc/cpuinfo``)."""
    fields: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if not line.strip():
                break   # the first processor says it for all
            fields.setdefault(key.strip(), value.strip())
    cpus = os.cpu_count() or 1
    return {"arch": os.uname().machine, "model": fields.get("model name", "unknown"),
            "vendor": fields.get("vendor_id", "unknown"),
            "topology": {"sockets": 1, "cores": cpus, "threads": 1},
            "features": sorted(fields.get("flags", "").split())}
