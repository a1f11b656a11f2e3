"""Build the test guest image from Debian packages: a bootable qcow2 of a few tens of MB.

The disk has two partitions: a FAT one that syslinux boots, holding the kernel and a small
initramfs, and an ext4 root (label ``nimbus-root``) with busybox, dropbear and the init scripts
of ``rootfs.py``. Everything is assembled in files with user-space tools (``mkfs.ext4 -d``,
mtools-based ``syslinux``, ``sfdisk`` on a file), so the build needs no loop device, no mount
and no chroot. The packages come from the machine's apt sources (``apt-get download``), and the
result is cached under a name that changes with their versions.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import os
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from nimbus.core.guestimage import rootfs

LOG = logging.getLogger(__name__)
BUILDER_VERSION = "17"
KERNEL_META = "linux-image-cloud-amd64"
PACKAGES = ["busybox-static", "dropbear-bin", "libc6", "libcrypt1", "libtomcrypt1",
            "libtommath1", "libgmp10", "zlib1g"]
# What the guest loads: the initramfs needs the root disk's path; then what the network and
# the config drive need, before the SSH server starts; the rest after the ready line.
BOOT_MODULES = ["virtio_pci", "virtio_blk"]
NET_MODULES = ["virtio_net", "isofs"]
# vfat with the code page and character set this kernel mounts it with by default: tests
# format and mount a volume with it (``mkfs -t vfat``); 8021q for VLAN interfaces on a
# trunk's parent port.
LATE_MODULES = ["virtio_scsi", "button", "evdev", "virtio_rng", "virtio_balloon", "vfat",
                "nls_cp437", "nls_ascii", "8021q"]
# The kernel's command line. Each option past the consoles takes a share of a boot under TCG,
# where every instruction is emulated: ``loglevel=6`` keeps the kernel's informational
# messages off the emulated serial port (its banner, notices and warnings still show in the
# console log), ``cryptomgr.notests`` skips the self-tests of crypto the guest never uses,
# ``mitigations=off`` drops speculation barriers that only cost time in a test guest,
# and ``no_timer_check`` skips a timer probe.
KERNEL_ARGS = ("console=tty0 console=ttyS0,115200 panic=5 net.ifnames=0 loglevel=6 "
               "cryptomgr.notests mitigations=off no_timer_check")
# The libraries dropbear links against (busybox is static).
LIBRARIES = ["ld-linux-x86-64.so.2", "libc.so.6", "libcrypt.so.1", "libtomcrypt.so.1",
             "libtommath.so.1", "libgmp.so.10", "libz.so.1"]
DISK_MB = 256
BOOT_MB = 40
SECTOR = 512
BOOT_START = 2048  # sectors: the first partition starts at 1 MiB


class BuildError(Exception):
    """The image could not be built; the message says which step and why."""


def _run(*cmd: str | Path, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                              check=False, timeout=600)
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} is not installed (see scripts/install-guest-tools.sh)") \
            from exc
    if done.returncode != 0:
        raise BuildError(f"{' '.join(str(c) for c in cmd[:3])}... failed: "
                         f"{(done.stderr or done.stdout).strip()[-800:]}")
    return done.stdout


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nimbus" / "guest-image"


def kernel_package() -> str:
    """The versioned kernel package the cloud kernel meta-package points at."""
    out = _run("apt-cache", "depends", KERNEL_META)
    found = re.findall(r"Depends: (linux-image-[\w.+-]+)", out)
    if not found:
        raise BuildError(f"apt knows no {KERNEL_META}; is this a Debian machine with its "
                         "sources configured?")
    return found[0]


def package_versions(names: list[str]) -> dict[str, str]:
    out = _run("apt-cache", "policy", *names)
    versions: dict[str, str] = {}
    current = ""
    for line in out.splitlines():
        if not line.startswith(" "):
            current = line.rstrip(":")
        elif "Candidate:" in line:
            versions[current] = line.split(":", 1)[1].strip()
    missing = [n for n in names if versions.get(n) in (None, "(none)")]
    if missing:
        raise BuildError(f"apt has no candidate for {', '.join(missing)}")
    return versions


def image_path(cache: Path | None = None) -> Path:
    """Where the image for the packages apt offers now is (or will be) cached."""
    names = [kernel_package(), *PACKAGES]
    versions = package_versions(names)
    key = hashlib.sha256(repr((BUILDER_VERSION, sorted(versions.items()))).encode())
    return (cache or default_cache()) / f"nimbus-guest-{key.hexdigest()[:12]}.qcow2"


def build(cache: Path | None = None, force: bool = False) -> Path:
    """The cached guest image, built first when it is not there yet."""
    target = image_path(cache)
    if target.exists() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nimbus-guest-") as tmp:
        work = Path(tmp)
        _assemble(work, kernel_package())
        partial = target.with_suffix(".partial")
        _run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", work / "disk.raw",
             partial)
        partial.replace(target)
    LOG.info("guest image built: %s (%d bytes)", target, target.stat().st_size)
    return target


def _assemble(work: Path, kernel_pkg: str) -> None:
    debs = work / "debs"
    debs.mkdir()
    _run("apt-get", "download", kernel_pkg, *PACKAGES, cwd=debs)
    unpacked = work / "unpacked"
    for deb in sorted(debs.glob("*.deb")):
        _run("dpkg-deb", "-x", deb, unpacked)
    kver = kernel_pkg.removeprefix("linux-image-")
    modules = unpacked / "lib" / "modules" / kver / "kernel"
    if not modules.is_dir():
        raise BuildError(f"{kernel_pkg} has no modules for {kver}")
    root = work / "root"
    initramfs = work / "initramfs"
    boot_order = _module_closure(modules, BOOT_MODULES)
    net_order = [m for m in _module_closure(modules, NET_MODULES) if m not in boot_order]
    late_order = [m for m in _module_closure(modules, LATE_MODULES)
                  if m not in boot_order and m not in net_order]
    for tree, with_ssh in ((root, True), (initramfs, False)):
        _base_tree(tree, unpacked, with_ssh)
        lists = {"boot": boot_order, "net": net_order if with_ssh else [],
                 "late": late_order if with_ssh else []}
        _copy_modules(tree, modules, [m for names in lists.values() for m in names])
        for stage, names in lists.items():
            (tree / "etc" / f"modules-{stage}").write_text("".join(f"{n}.ko\n" for n in names))
    (initramfs / "newroot").mkdir()
    _write(initramfs / "init", rootfs.INITRAMFS_INIT, 0o755)
    boot = work / "boot"
    boot.mkdir()
    shutil.copy(unpacked / "boot" / f"vmlinuz-{kver}", boot / "vmlinuz")
    (boot / "initrd.gz").write_bytes(_cpio_gz(initramfs))
    (boot / "syslinux.cfg").write_text(
        "DEFAULT nimbus\nTIMEOUT 0\nPROMPT 0\nLABEL nimbus\n  KERNEL /vmlinuz\n"
        f"  APPEND initrd=/initrd.gz {KERNEL_ARGS}\n")
    _disk(work, boot, root)


def _module_closure(modules: Path, wanted: list[str]) -> list[str]:
    """``wanted`` and what they depend on, dependencies first (from each module's modinfo)."""
    by_name = {p.stem.replace("-", "_"): p for p in modules.rglob("*.ko")}
    order: list[str] = []

    def visit(name: str) -> None:
        name = name.replace("-", "_")
        if name in order or name not in by_name:
            return
        blob = by_name[name].read_bytes()
        found = re.search(rb"depends=([\w,-]*)\0", blob)
        for dep in (found.group(1).decode().split(",") if found and found.group(1) else []):
            visit(dep)
        order.append(name)

    for name in wanted:
        if name.replace("-", "_") not in by_name:
            LOG.debug("module %s is built into the kernel", name)
        visit(name)
    return order


def _copy_modules(tree: Path, modules: Path, names: list[str]) -> None:
    by_name = {p.stem.replace("-", "_"): p for p in modules.rglob("*.ko")}
    target = tree / "lib" / "modules"
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(by_name[name], target / f"{name}.ko")


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _base_tree(tree: Path, unpacked: Path, with_ssh: bool) -> None:
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "run", "tmp",
              "mnt", "root", "var/log", "var/lib/cloud", "lib64", "lib/x86_64-linux-gnu"):
        (tree / d).mkdir(parents=True, exist_ok=True)
    (tree / "tmp").chmod(0o1777)
    (tree / "root").chmod(0o700)
    busybox = tree / "bin" / "busybox"
    shutil.copy(unpacked / "bin" / "busybox", busybox)
    busybox.chmod(0o755)
    for applet in _applets(busybox):
        link = tree / applet.lstrip("/")
        if link.name == "busybox" or link.exists():
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to("/bin/busybox")
    for name, text in rootfs.ETC.items():
        _write(tree / name, text, 0o600 if name == "etc/shadow" else 0o644)
    for name, text in rootfs.EXECUTABLE.items():
        (tree / name).unlink(missing_ok=True)
        _write(tree / name, text, 0o755)
    if not with_ssh:
        return
    for tool in ("usr/sbin/dropbear", "usr/bin/dropbearkey"):
        shutil.copy(unpacked / tool, tree / tool)
    libdir = tree / "lib" / "x86_64-linux-gnu"
    for lib in LIBRARIES:
        found = next((p for p in unpacked.rglob(lib)), None)
        if found is None:
            raise BuildError(f"no {lib} in the downloaded packages")
        shutil.copy(found.resolve(), libdir / lib)
    (tree / "lib64" / "ld-linux-x86-64.so.2").symlink_to("/lib/x86_64-linux-gnu/"
                                                        "ld-linux-x86-64.so.2")


def _applets(busybox: Path) -> list[str]:
    out = _run(busybox, "--list-full")
    return [line.strip() for line in out.splitlines() if line.strip()]


def _cpio_gz(tree: Path) -> bytes:
    """The tree as a gzipped newc cpio archive, as the kernel unpacks an initramfs."""
    names = sorted(str(p.relative_to(tree)) for p in tree.rglob("*"))
    done = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=tree,
                          input="\n".join(names).encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"cpio failed: {done.stderr.decode()[-400:]}")
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(done.stdout)
    return out.getvalue()


def _disk(work: Path, boot: Path, root: Path) -> None:
    boot_sectors = BOOT_MB * 1024 * 1024 // SECTOR
    root_start = BOOT_START + boot_sectors
    total = DISK_MB * 1024 * 1024 // SECTOR
    root_sectors = total - root_start
    fat = work / "boot.img"
    # The FAT's hidden-sector count is where its partition starts, which syslinux's boot
    # sector adds to every read.
    _run("mkfs.vfat", "-n", "NIMBUSBOOT", "-s", "32", "-h", str(BOOT_START), "-C", fat,
         str(boot_sectors * SECTOR // 1024))
    for item in sorted(boot.iterdir()):
        _run("mcopy", "-i", fat, item, f"::/{item.name}")
    _run("syslinux", "--install", fat)
    ext4 = work / "root.img"
    _run("mkfs.ext4", "-q", "-F", "-L", "nimbus-root", "-E", "root_owner=0:0", "-d", root,
         ext4, f"{root_sectors * SECTOR // 1024}K")
    disk = work / "disk.raw"
    with disk.open("wb") as f:
        f.truncate(total * SECTOR)
    mbr = Path("/usr/lib/syslinux/mbr/mbr.bin")
    if not mbr.exists():
        raise BuildError("syslinux's mbr.bin is missing (package syslinux-common)")
    with disk.open("r+b") as f:
        f.write(mbr.read_bytes()[:440])
        f.seek(446)
        f.write(_partition(BOOT_START, boot_sectors, 0x0C, bootable=True))
        f.write(_partition(root_start, root_sectors, 0x83))
        f.seek(510)
        f.write(b"\x55\xaa")
        for image, start in ((fat, BOOT_START), (ext4, root_start)):
            f.seek(start * SECTOR)
            with image.open("rb") as src:
                shutil.copyfileobj(src, f, 1024 * 1024)


def _partition(start: int, sectors: int, kind: int, bootable: bool = False) -> bytes:
    """One MBR partition entry, addressed by LBA only (its CHS fields say "beyond CHS")."""
    beyond = b"\xfe\xff\xff"
    return (bytes([0x80 if bootable else 0]) + beyond + bytes([kind]) + beyond
            + struct.pack("<II", start, sectors))


def cached(cache: Path | None = None) -> Path | None:
    """The newest guest image already built, without asking apt (None when there is none)."""
    found = sorted((cache or default_cache()).glob("nimbus-guest-*.qcow2"),
                   key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None
