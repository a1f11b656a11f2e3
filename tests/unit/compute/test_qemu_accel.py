"""KVM only when it really runs a guest: the probe's answers without /dev/kvm, when asked for
TCG, when KVM is demanded but unusable, and without QEMU at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from nimbus.compute.drivers.qemu import accel

COVERS = [("compute", "qemu driver: KVM or TCG, with the reason, and KVM demanded but "
                      "unusable refused")]


@pytest.fixture(autouse=True)
def fresh_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accel, "_PROBED", {})


def test_tcg_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    found = accel.probe("qemu-system-x86_64", "tcg")
    assert found.name == "tcg" and "asked for" in found.reason


def test_tcg_without_dev_kvm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accel.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(accel.os.path, "exists", lambda path: False)
    found = accel.probe("qemu-system-x86_64")
    assert found == accel.Accel("tcg", "/dev/kvm does not exist")


def test_kvm_demanded_but_unusable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accel.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(accel.os.path, "exists", lambda path: False)
    with pytest.raises(RuntimeError, match="KVM was asked for"):
        accel.probe("qemu-system-x86_64", "kvm")


def test_a_guest_that_stops_under_kvm_means_tcg(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setattr(accel.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(accel.os.path, "exists", lambda path: True)
    monkeypatch.setattr(accel.os, "access", lambda path, mode: True)
    monkeypatch.setattr(accel, "_run_firmware",
                        lambda path, timeout: accel.Accel("kvm", "firmware ran"))
    monkeypatch.setattr(accel, "_boot_guest", lambda path, guest, firmware, timeout:
                        accel.Accel("tcg", "KVM stopped with an internal error"))
    found = accel.probe("qemu-system-x86_64", guest=tmp_path / "guest.qcow2")
    assert found.name == "tcg" and "internal error" in found.reason
    # Once per process: the machine does not change between hosts.
    assert accel.probe("qemu-system-x86_64", guest=tmp_path / "guest.qcow2") is found


def test_no_qemu_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accel.shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError):
        accel.probe("qemu-system-x86_64")


def test_a_machine_without_a_test_guest_builds_one_to_boot(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    """The firmware alone is no proof (a nested hypervisor can fail the guest's loader): with
    no guest image cached yet, the probe builds it and boots it before it trusts KVM."""
    monkeypatch.setattr(accel.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(accel.os.path, "exists", lambda path: True)
    monkeypatch.setattr(accel.os, "access", lambda path, mode: True)
    monkeypatch.setattr(accel, "_run_firmware",
                        lambda path, timeout: accel.Accel("kvm", "firmware ran"))
    built = tmp_path / "built.qcow2"
    monkeypatch.setattr(accel.guestimage, "build", lambda: built)
    booted: list[Path] = []

    def boot(path: str, guest: Path, firmware: accel.Accel, timeout: float) -> accel.Accel:
        booted.append(guest)
        return accel.Accel("tcg", "KVM stopped with an internal error")

    monkeypatch.setattr(accel, "_boot_guest", boot)
    found = accel.probe("qemu-system-x86_64", guest=None)
    assert booted == [built] and found.name == "tcg"


def test_no_guest_can_be_built_trusts_the_firmware(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accel.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(accel.os.path, "exists", lambda path: True)
    monkeypatch.setattr(accel.os, "access", lambda path, mode: True)
    monkeypatch.setattr(accel, "_run_firmware",
                        lambda path, timeout: accel.Accel("kvm", "firmware ran"))

    def fail() -> Path:
        raise accel.guestimage.BuildError("apt-get is not installed")

    monkeypatch.setattr(accel.guestimage, "build", fail)
    assert accel.probe("qemu-system-x86_64", guest=None).name == "kvm"
