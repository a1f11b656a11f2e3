"""What the test guest runs: its init scripts and configuration, as files of its root tree.

The guest is busybox, dropbear and a Debian cloud kernel. At boot it brings every NIC up with
DHCP, reads its identity from the config drive (label ``config-2``) or else the metadata
service, sets its hostname, installs the keypair as root's ``authorized_keys``, runs
``user_data`` when it is a script, starts the SSH server and prints a ready line on the serial
console, which the compute driver and the tests look for. An ACPI power button press powers it
off, as a real distribution's does.
"""

from __future__ import annotations

from nimbus.core.guestimage import tools

READY_LINE = "nimbus-guest: ready"

# The first process of the initramfs: load what the root disk needs, then move to it (or stay
# in memory when there is no root disk, as under a rescue that boots only this image).
INITRAMFS_INIT = r"""#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in $(cat /etc/modules-boot); do insmod /lib/modules/$m 2>/dev/null; done
root=""
for i in $(seq 1 50); do
  root=$(findfs LABEL=nimbus-root 2>/dev/null) && break
  usleep 100000
done
if [ -n "$root" ] && mount -t ext4 "$root" /newroot; then
  umount /proc /sys
  mount --move /dev /newroot/dev 2>/dev/null || umount /dev
  exec switch_root /newroot /sbin/init
fi
echo "nimbus-guest: no root disk, running from memory" > /dev/console
exec /sbin/init
"""

INITTAB = """::sysinit:/etc/init.d/rcS
ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/init.d/rcK
"""

# udhcpc calls this with the lease in its environment.
DHCP_SCRIPT = r"""#!/bin/sh
case "$1" in
  # IPv4 only: the NIC's IPv6 addresses (link-local, SLAAC) are the kernel's, not DHCP's.
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    # A renewal of the same address changes nothing (a flush would drop the routes).
    if ! ip addr show dev "$interface" | grep -q "inet $ip/"; then
      ip -4 addr flush dev "$interface"
      ip addr add "$ip/${mask:-24}" dev "$interface"
    fi
    # The network's MTU (option 26): a VXLAN network's frames are smaller than Ethernet's.
    if [ -n "$mtu" ]; then ip link set "$interface" mtu "$mtu"; fi
    # Classless static routes (option 121), e.g. the metadata service's address.
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done
    fi
    # The first NIC's router is the default route: a NIC plugged later (another network)
    # must not take it away, as cloud-init keeps the primary NIC's.
    # (busybox's ip has no route selector: look for the default line itself)
    if [ -n "$router" ] && ! ip route | grep -q '^default'; then
      for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    fi
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    ;;
esac
exit 0
"""

RCS = r"""#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sysfs /sys 2>/dev/null
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /run /tmp /var/run /var/log /var/lib/cloud
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
# /tmp is on the disk, as on CirrOS: what a test leaves there outlives a reboot or a snapshot.
mount -o remount,rw / 2>/dev/null
for m in $(cat /etc/modules-boot /etc/modules-net); do
  insmod /lib/modules/$m 2>/dev/null
done
# What SSH does not wait for loads beside the rest of the boot; acpid opens the power
# button's input device when it starts, so it starts once that is there.
(
  for m in $(cat /etc/modules-late); do insmod /lib/modules/$m 2>/dev/null; done
  acpid
) >/dev/null 2>&1 &
hostname nimbus-guest
ip link set lo up
# A DHCP client per NIC, which stays to renew the lease; its pid is where CirrOS keeps it
# (/var/run/udhcpc.<nic>.pid), so "kill -USR1" renews at once. A NIC plugged again gets a
# new client in place of the old one.
dhcp() {
  pidfile=/var/run/udhcpc.$1.pid
  [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  udhcpc -i "$1" -p "$pidfile" -s /etc/udhcpc.script -O mtu -O staticroutes -t 5 -T 1 -A 3 \
    -b >/dev/null 2>&1
}
rm -f /var/run/udhcpc.*.pid  # a previous boot's
# Every NIC, with DHCP (in the background, so that a NIC without a server does not hold the boot).
for dev in /sys/class/net/*; do
  n=${dev##*/}
  [ "$n" = lo ] && continue
  ip link set "$n" up
  dhcp "$n"
done
# Where the guest learns who it is: the config drive, or else the metadata service.
meta=""; userdata=""
cd=$(findfs LABEL=config-2 2>/dev/null)
if [ -n "$cd" ] && mount -t iso9660 -o ro "$cd" /mnt; then
  cp /mnt/openstack/latest/meta_data.json /var/lib/cloud/meta_data.json 2>/dev/null
  cp /mnt/openstack/latest/user_data /var/lib/cloud/user_data 2>/dev/null
  umount /mnt
  echo "nimbus-guest: configured from the config drive $cd" > /dev/console
else
  base=http://169.254.169.254/openstack/latest
  if wget -q -T 3 -O /var/lib/cloud/meta_data.json $base/meta_data.json; then
    wget -q -T 3 -O /var/lib/cloud/user_data $base/user_data || rm -f /var/lib/cloud/user_data
    echo "nimbus-guest: configured from the metadata service" > /dev/console
  fi
fi
if [ -s /var/lib/cloud/meta_data.json ]; then
  meta=$(tr -d '\n' < /var/lib/cloud/meta_data.json)
  name=$(echo "$meta" | sed -n 's/.*"hostname": *"\([^"]*\)".*/\1/p')
  [ -n "$name" ] && hostname "${name%%.*}" && echo "${name%%.*}" > /etc/hostname
  mkdir -p /root/.ssh && chmod 700 /root/.ssh
  echo "$meta" | sed -n 's/.*"public_keys": *{\([^}]*\)}.*/\1/p' \
    | grep -o '"\(ssh-\|ecdsa-\|sk-\)[^"]*"' | tr -d '"' | sed 's/\\n$//' \
    > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
mkdir -p /etc/dropbear
dropbear -R -p 22
if [ -s /var/lib/cloud/user_data ] && head -c 2 /var/lib/cloud/user_data | grep -q '#!'; then
  chmod 700 /var/lib/cloud/user_data
  /var/lib/cloud/user_data > /var/log/user-data.log 2>&1
  echo "nimbus-guest: user_data exited $?" > /dev/console
fi
# NICs plugged in later get DHCP too (the guest has no hotplug helper: it looks every 2 s).
# What it knows is what is there now, so a NIC unplugged and plugged again is new again.
(
  known=" $(ls /sys/class/net | tr '\n' ' ') "
  while sleep 2; do
    now=" $(ls /sys/class/net | tr '\n' ' ') "
    for n in $now; do
      case "$known" in *" $n "*) continue ;; esac
      ip link set "$n" up
      dhcp "$n"
    done
    known="$now"
  done
) >/dev/null 2>&1 &
addrs=$(ip -4 addr show scope global | sed -n 's/.*inet \([0-9./]*\) .* \([a-z0-9]*\)$/\2=\1/p' | tr '\n' ' ')
echo "READY_LINE host=$(hostname) $addrs" > /dev/console
""".replace("READY_LINE", READY_LINE)

RCK = r"""#!/bin/sh
echo "nimbus-guest: shutting down" > /dev/console
killall dropbear 2>/dev/null
sync
umount -a -r 2>/dev/null
"""

# busybox acpid runs /etc/acpi/PWRF/00000080 when the power button is pressed.
ACPI_POWER = "#!/bin/sh\npoweroff\n"

ETC = {
    "etc/inittab": INITTAB,
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/bin/false\n",
    "etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "etc/shadow": "root:*:19000:0:99999:7:::\n",
    "etc/shells": "/bin/sh\n/bin/ash\n",
    "etc/hostname": "nimbus-guest\n",
    "etc/hosts": "127.0.0.1 localhost\n",
    "etc/fstab": "",
}
EXECUTABLE = {
    "etc/init.d/rcS": RCS,
    "etc/init.d/rcK": RCK,
    "etc/udhcpc.script": DHCP_SCRIPT,
    "etc/acpi/PWRF/00000080": ACPI_POWER,
    # The names a user types for what busybox calls otherwise.
    "sbin/mkfs.ext2": "#!/bin/sh\nexec mke2fs \"$@\"\n",
    **tools.TOOLS,
    "sbin/mkfs": "#!/bin/sh\nt=ext2\n[ \"$1\" = -t ] && { t=$2; shift 2; }\n"
                 "case $t in vfat|fat) exec mkdosfs \"$@\";; *) exec mke2fs \"$@\";; esac\n",
}
