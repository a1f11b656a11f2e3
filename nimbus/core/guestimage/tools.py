"""The commands a test guest is expected to have beyond busybox's, as small shell scripts.

Tempest's scenario tests drive a guest over SSH as they drive CirrOS: ``sudo``, ``curl`` to the
metadata service, ``blkid -L config-2``, ``lsblk`` to list disks, ``nc -lk`` as a server.
Busybox has none of these (or not those options), so each is a script over what busybox does
have. They take the options such tests and people use, and say so when given others.
"""

from __future__ import annotations

# Everything in the guest runs as root already.
SUDO = r"""#!/bin/sh
[ "$1" = "-n" ] && shift
exec "$@"
"""

# curl over busybox wget: GET, or POST with -d; -o FILE; -m SECONDS; -H HEADER; -s, -S, -f,
# -L and -k change nothing here.
CURL = r"""#!/bin/sh
out=- data= post= timeout= header= url=
while [ $# -gt 0 ]; do
  case "$1" in
    -X|--request) [ "$2" = POST ] && post=1; shift 2 ;;
    -d|--data|--data-raw|--data-binary) data=$2; post=1; shift 2 ;;
    -o|--output) out=$2; shift 2 ;;
    -m|--max-time|--connect-timeout) timeout=$2; shift 2 ;;
    -H|--header) header=$2; shift 2 ;;
    -s|-S|-f|-L|-k|-sS|-fsS|-sf|-fs|--silent|--fail|--location|--insecure) shift ;;
    -*) echo "curl: option $1 is not supported by this guest" >&2; exit 2 ;;
    *) url=$1; shift ;;
  esac
done
[ -n "$url" ] || { echo "curl: no URL given" >&2; exit 2; }
set -- -q -O "$out"
[ -n "$timeout" ] && set -- "$@" -T "$timeout"
[ -n "$header" ] && set -- "$@" --header "$header"
[ -n "$post" ] && set -- "$@" --post-data "$data"
exec wget "$@" "$url"
"""

# blkid: -L LABEL (or -t LABEL=...) prints the device; alone, every disk with its label.
BLKID = r"""#!/bin/sh
label=
while [ $# -gt 0 ]; do
  case "$1" in
    -L) label=$2; shift 2 ;;
    -t) label=${2#LABEL=}; shift 2 ;;
    -o|-s) shift 2 ;;
    *) shift ;;
  esac
done
if [ -n "$label" ]; then exec findfs "LABEL=$label"; fi
for d in /sys/class/block/*; do
  n=${d##*/}
  [ -b "/dev/$n" ] && echo "/dev/$n:"
done
"""

# lsblk, in util-linux's column layout (NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINT); -b gives
# sizes in bytes, --nodeps leaves partitions out, --noheadings and -o NAME trim it.
LSBLK = r"""#!/bin/sh
bytes= nodeps= heads=1 names=
while [ $# -gt 0 ]; do
  case "$1" in
    -lb|-bl) bytes=1 ;;
    -b|--bytes) bytes=1 ;;
    -d|--nodeps) nodeps=1 ;;
    -n|--noheadings) heads= ;;
    -o|--output) [ "$2" = NAME ] && names=1; shift ;;
    -ldn|-dn|-nd) nodeps=1; heads= ;;
  esac
  shift
done
if [ -z "$names" ] && [ -n "$heads" ]; then
  printf '%-8s %-7s %2s %12s %2s %-5s %s\n' NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINT
fi
for d in /sys/class/block/*; do
  n=${d##*/}
  if [ -e "$d/partition" ]; then [ -n "$nodeps" ] && continue; type=part; else type=disk; fi
  case "$n" in loop*|ram*) continue ;; esac
  if [ -n "$names" ]; then echo "$n"; continue; fi
  sectors=$(cat "$d/size"); size=$((sectors * 512))
  [ -z "$bytes" ] && size="$((size / 1048576))M"
  rm=$(cat "$d/removable" 2>/dev/null || echo 0)
  ro=$(cat "$d/ro" 2>/dev/null || echo 0)
  mnt=$(awk -v dev="/dev/$n" '$1 == dev {print $2; exit}' /proc/mounts)
  printf '%-8s %-7s %2s %12s %2s %-5s %s\n' "$n" "$(cat "$d/dev")" "$rm" "$size" "$ro" \
    "$type" "$mnt"
done
"""

# nc: busybox's keeps listening with -ll (where others say -k).
NC = r"""#!/bin/sh
for a in "$@"; do
  shift
  case "$a" in
    -lk|-kl) set -- "$@" -ll ;;
    -k) set -- "$@" -l ;;
    *) set -- "$@" "$a" ;;
  esac
done
exec busybox nc "$@"
"""

TOOLS = {
    "usr/bin/sudo": SUDO,
    "usr/bin/curl": CURL,
    "sbin/blkid": BLKID,
    "bin/lsblk": LSBLK,
    "usr/bin/nc": NC,
}
