#!/usr/bin/env bash
# Shared set-up: system packages (with apt, when missing) and the project's virtualenv.
# Usage: source scripts/bootstrap-env.sh EXTRAS   ("cli" for the cloud and the openstack CLI,
# "test" for everything the test suite needs). Always pass EXTRAS: a sourced script would
# otherwise see the caller's own arguments as its $1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-cli}"

need_apt=()
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || need_apt+=(python3-venv python3-pip)
command -v git >/dev/null 2>&1 || need_apt+=(git)
if [ "$EXTRAS" = test ]; then
  # OpenLDAP server and tools: only the LDAP identity tests use them (they start their own slapd).
  command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need_apt+=(slapd)
  command -v ldapsearch >/dev/null 2>&1 || need_apt+=(ldap-utils)
fi
# qemu-img: image conversion on import and the image-format interop tests.
command -v qemu-img >/dev/null 2>&1 || need_apt+=(qemu-utils)
# LVM: the lvm volume driver and its tests (thin pools need thin_check to be activated).
command -v lvm >/dev/null 2>&1 || [ -x /usr/sbin/lvm ] || [ -x /sbin/lvm ] || need_apt+=(lvm2)
command -v thin_check >/dev/null 2>&1 || [ -x /usr/sbin/thin_check ] \
  || need_apt+=(thin-provisioning-tools)
if [ "$EXTRAS" = test ] || [ "${NIMBUS_REAL:-}" = 1 ]; then
  # Real guests: QEMU, and what builds the test guest image from Debian packages (syslinux
  # and mtools for its boot partition, dosfstools and e2fsprogs for its file systems, cpio
  # for its initramfs) and logs into it (ssh).
  command -v qemu-system-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-system-x86)
  command -v syslinux >/dev/null 2>&1 || need_apt+=(syslinux)
  [ -f /usr/lib/syslinux/mbr/mbr.bin ] || need_apt+=(syslinux-common)
  command -v mcopy >/dev/null 2>&1 || need_apt+=(mtools)
  command -v mkfs.vfat >/dev/null 2>&1 || need_apt+=(dosfstools)
  command -v mkfs.ext4 >/dev/null 2>&1 || need_apt+=(e2fsprogs)
  command -v cpio >/dev/null 2>&1 || need_apt+=(cpio)
  command -v ssh >/dev/null 2>&1 || need_apt+=(openssh-client)
  # Real networks: firewall and NAT rules, DHCP, IPv6 router advertisements, and reachability checks in the namespaces.
  command -v nft >/dev/null 2>&1 || need_apt+=(nftables)
  command -v dnsmasq >/dev/null 2>&1 || need_apt+=(dnsmasq-base)
  # Router advertisements for IPv6 subnets (slaac, DHCPv6).
  command -v radvd >/dev/null 2>&1 || [ -x /usr/sbin/radvd ] || need_apt+=(radvd)
  command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
  command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
fi
if [ "$EXTRAS" = test ]; then
  # The dashboard's browser tests: Debian's own Chromium, driven by Playwright (no browser
  # download).
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if [ ! -x "$ROOT/.venv/bin/python" ]; then
  python3 -m venv "$ROOT/.venv"
fi
"$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
"$ROOT/.venv/bin/pip" install -q -e "$ROOT[$EXTRAS]"
# An editable install leaves the package uncompiled, and with PYTHONDONTWRITEBYTECODE set (as
# some machines have) every start would compile it again: a good half second.
"$ROOT/.venv/bin/python" -m compileall -q "$ROOT/nimbus"
export PATH="$ROOT/.venv/bin:$PATH"
