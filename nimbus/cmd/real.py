"""``nimbus up --real``: every real backend this machine supports, and why each was chosen.

The real backends are the qemu compute driver, the linux network driver (as root, with
iproute2 and dnsmasq: guests on Linux bridges in the cloud's own namespaces) and the file
volume driver, unless ``nimbus.yaml`` or the environment names another (``lvm``: checked and
said here; its agent says at start how it keeps volumes). Once the cloud is up, the test guest
image is built (or taken from its cache) and uploaded twice, as ``nimbus-guest`` and
``nimbus-guest-alt``, which ``nimbus tempest-config`` hands to tempest as ``image_ref`` and
``image_ref_alt``.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from nimbus.conf.settings import Settings
from nimbus.core.guestimage import build as guestimage

LOG = logging.getLogger(__name__)
GUEST_IMAGES = ("nimbus-guest", "nimbus-guest-alt")
QEMU_PACKAGES = "qemu-system-x86 qemu-utils"


def choose(overrides: dict[str, Any], volume_backend: dict[str, Any] | None = None) -> list[str]:
    """Set the real backends in ``overrides``; one line per service saying what and why
    (``volume_backend``: the volume backend's options, for a volume driver already chosen)."""
    lines = []
    binary = "qemu-system-x86_64"
    if overrides.get("volume_driver") == "lvm":
        volume = _lvm(volume_backend or {})
    elif overrides.get("volume_driver") not in (None, "file"):
        volume = f"volume:   {overrides['volume_driver']} (as asked)"
    elif shutil.which("qemu-img"):
        overrides.setdefault("volume_driver", "file")
        volume = "volume:   file (qcow2 files in the state dir, made with qemu-img)"
    else:
        volume = ("volume:   built in, because qemu-img is not installed; for volumes that hold "
                  "bytes: sudo apt-get install qemu-utils")
    if shutil.which(binary) and shutil.which("qemu-img"):
        overrides.setdefault("compute_driver", "qemu")
        lines.append(f"compute: qemu ({binary} is installed; KVM or TCG is decided when the "
                     "agent starts, and shown in `openstack hypervisor show`)")
    else:
        missing = binary if not shutil.which(binary) else "qemu-img"
        lines.append(f"compute: fake, because {missing} is not installed; for real guests: "
                     f"sudo apt-get install {QEMU_PACKAGES}")
    lines.append(_network(overrides))
    lines.append(volume)
    lines.append("image and object: files in the state dir (already real)")
    return lines


LVM_PACKAGES = "lvm2 thin-provisioning-tools qemu-system-common qemu-utils"


def _lvm(backend: dict[str, Any]) -> str:
    """The lvm volume driver, as asked, and whether this machine can run it."""
    group = str(backend.get("volume_group") or "nimbus-volumes")
    missing = [t for t in ("lvm", "qemu-storage-daemon", "qemu-img") if not shutil.which(t)]
    if missing:
        return (f"volume:   lvm was asked for, but {', '.join(missing)} is missing: the volume "
                f"agent will not start (sudo apt-get install {LVM_PACKAGES})")
    if os.geteuid() != 0:
        return "volume:   lvm was asked for, but it needs root: the volume agent will not start"
    found = subprocess.run(["lvm", "vgs", "--noheadings", "-o", "vg_name", group],
                           capture_output=True, text=True, check=False,
                           env={**os.environ, "LVM_SUPPRESS_FD_WARNINGS": "1"})
    if found.returncode != 0:
        return (f"volume:   lvm was asked for, but volume group {group} does not exist: the "
                "volume agent will not start")
    mapper = subprocess.run(["dmsetup", "targets"], capture_output=True, check=False) \
        if shutil.which("dmsetup") else None
    how = ("thin volumes (device-mapper works)" if mapper is not None and mapper.returncode == 0
           else "logical volumes kept as metadata only and read at their extents, because the "
                "kernel has no device-mapper")
    return f"volume:   lvm (volume group {group}: {how}; guests reach them over NBD)"


NETWORK_PACKAGES = "iproute2 dnsmasq-base nftables radvd"


def _network(overrides: dict[str, Any]) -> str:
    """The linux driver when this machine can run it and guests are real; else the fake one,
    and why (with what to do about it)."""
    chosen = overrides.get("network_driver")
    if chosen and chosen != "linux":
        return f"network:  {chosen} (as asked)"
    why_not = None
    if overrides.get("compute_driver") != "qemu":
        why_not = "guests are not real (no qemu driver)"
    elif os.geteuid() != 0:
        why_not = "it needs root (namespaces, bridges and taps)"
    elif not (shutil.which("ip") and shutil.which("dnsmasq")):
        why_not = f"iproute2 or dnsmasq is missing: sudo apt-get install {NETWORK_PACKAGES}"
    elif not Path("/dev/net/tun").exists():
        why_not = "/dev/net/tun is missing"
    elif not _namespaces_work():
        why_not = "network namespaces cannot be made here"
    if why_not is not None:
        return (f"network:  fake, because {why_not} (guests use QEMU user networking with "
                "restrict=on; `nimbus ssh SERVER`)")
    overrides["network_driver"] = "linux"
    ipv6 = "" if shutil.which("radvd") else (
        "; IPv6 subnets get no router advertisements: radvd is missing (apt-get install radvd)")
    return ("network:  linux (bridges, taps and dnsmasq in the cloud's own namespaces, no "
            f"uplink; `nimbus ssh SERVER`{ipv6})")


def _namespaces_work() -> bool:
    probe = f"nimbus-probe-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False)
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True, check=False)
    return made.returncode == 0


def publish_guest_images(settings: Settings) -> None:
    """Upload the test guest image under both names, unless it is there already."""
    try:
        path = guestimage.build()
    except guestimage.BuildError as exc:
        LOG.warning("the test guest image could not be built: %s", exc)
        return
    secrets = yaml.safe_load((settings.state_dir / "secrets.yaml").read_text())
    auth = v3.Password(auth_url=f"{settings.public_url}/identity/v3", username="admin",
                       password=secrets["admin_password"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    sess = ks_session.Session(auth=auth)
    where = {"service_type": "image", "interface": "public"}
    have = {i["name"] for i in sess.get("/v2/images?limit=1000", endpoint_filter=where)
            .json()["images"] if i.get("status") == "active"}
    for name in GUEST_IMAGES:
        if name in have:
            continue
        made = sess.post("/v2/images", endpoint_filter=where, json={
            "name": name, "disk_format": "qcow2", "container_format": "bare",
            "visibility": "public", "os_distro": "nimbus-guest",
            "hw_disk_bus": "virtio", "hw_vif_model": "virtio"}).json()
        _upload(sess, where, made["id"], path)
        LOG.info("uploaded the test guest image as %s (%s)", name, made["id"])
    print(f"  guest images: {', '.join(GUEST_IMAGES)} (from {path.name}); log in with a "
          "keypair as root", flush=True)


def _upload(sess: ks_session.Session, where: dict[str, str], image_id: str, path: Path) -> None:
    with path.open("rb") as data:
        sess.put(f"/v2/images/{image_id}/file", endpoint_filter=where, data=data,
                 headers={"Content-Type": "application/octet-stream"})
