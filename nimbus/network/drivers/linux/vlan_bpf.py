"""A trunk's VLANs on a guest's tap, by two tiny eBPF programs on the kernel's traffic control.

Neutron's linuxbridge agent makes a VLAN device per subport on the tap; that needs the
kernel's 8021q, which small kernels (CI runners' among them) leave out, as they leave out the
bridge's VLAN filtering. What every kernel with ``cls_bpf`` has does the same job: each subport
is a veth pair, ``sp-`` in its network's bridge and ``sq-`` loose in the fabric. On the tap's
ingress, a program per subport takes the frames tagged with its VLAN, pops the tag and sends
them out of ``sq-`` (so they enter the bridge through ``sp-``); on ``sq-``'s ingress, a program
pushes the tag and sends the frame out of the tap, to the guest. Untagged frames go on to the
parent's bridge as before.

The programs are a handful of instructions, assembled here (no compiler on the machine is
needed), loaded with the ``bpf`` syscall and attached in direct-action mode over rtnetlink from
a socket opened inside the fabric namespace (``core/netns.run_in``). ``tc`` reads and removes
them. Each filter's name says what it does, so a sync compares names and changes only what
differs.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import struct
import subprocess
from dataclasses import dataclass

from nimbus.core import netns
from nimbus.network.drivers.linux.ip import IpError

_SYS_BPF = 321                 # x86_64
_BPF_PROG_LOAD = 5
_SCHED_CLS = 3
# Helpers (``enum bpf_func_id``).
_VLAN_PUSH, _VLAN_POP, _REDIRECT = 18, 19, 23
# ``struct __sk_buff`` offsets.
_VLAN_PRESENT, _VLAN_TCI = 20, 24
_TC_ACT_UNSPEC = -1
# rtnetlink
_RTM_NEWTFILTER = 44
_NLM_F_REQUEST, _NLM_F_ACK, _NLM_F_EXCL, _NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
_NLMSG_ERROR = 2
_TCA_KIND, _TCA_OPTIONS = 1, 2
_TCA_BPF_FD, _TCA_BPF_NAME, _TCA_BPF_FLAGS = 6, 7, 8
_TCA_BPF_FLAG_ACT_DIRECT = 1
_NLA_F_NESTED = 0x8000
INGRESS = 0xFFFFFFF2           # TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)
_ETH_P_ALL = 0x0003
PREFIX = "nimbus-trunk"


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def _mov_reg(dst: int, src: int) -> bytes:
    return _insn(0xBF, dst, src)


def _mov_imm(dst: int, imm: int) -> bytes:
    return _insn(0xB7, dst, imm=imm)


def _call(helper: int) -> bytes:
    return _insn(0x85, imm=helper)


_EXIT = _insn(0x95)


def untag_program(vlan: int, to_ifindex: int) -> bytes:
    """On the tap's ingress: a frame of VLAN ``vlan`` loses its tag and leaves by
    ``to_ifindex``; any other frame goes on (``TC_ACT_UNSPEC``)."""
    return b"".join([
        _mov_reg(6, 1),
        _insn(0x61, 2, 6, _VLAN_PRESENT),          # r2 = skb->vlan_present
        _insn(0x15, 2, off=9, imm=0),              # untagged: on to the bridge
        _insn(0x61, 2, 6, _VLAN_TCI),              # r2 = skb->vlan_tci
        _insn(0x57, 2, imm=0x0FFF),                # its VLAN id
        _insn(0x55, 2, off=6, imm=vlan),           # another VLAN: not ours
        _mov_reg(1, 6), _call(_VLAN_POP),
        _mov_imm(1, to_ifindex), _mov_imm(2, 0), _call(_REDIRECT), _EXIT,
        _mov_imm(0, _TC_ACT_UNSPEC), _EXIT,
    ])


def tag_program(vlan: int, to_ifindex: int) -> bytes:
    """On a subport's ``sq-`` ingress: every frame gets VLAN ``vlan``'s tag and leaves by the
    parent's tap (``to_ifindex``)."""
    return b"".join([
        _mov_reg(6, 1),
        _mov_imm(2, socket.htons(0x8100)), _mov_imm(3, vlan), _call(_VLAN_PUSH),
        _mov_imm(1, to_ifindex), _mov_imm(2, 0), _call(_REDIRECT), _EXIT,
    ])


def _load(program: bytes, name: str) -> int:
    """The program, loaded: a file descriptor the caller closes."""
    insns = ctypes.create_string_buffer(program, len(program))
    license_ = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(4096)
    attr = struct.pack("<IIQQIIQII16s", _SCHED_CLS, len(program) // 8,
                       ctypes.addressof(insns), ctypes.addressof(license_), 1, len(log),
                       ctypes.addressof(log), 0, 0, name.encode()[:15])
    buf = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = int(libc.syscall(_SYS_BPF, _BPF_PROG_LOAD, buf, 128))
    if fd < 0:
        err = ctypes.get_errno()
        raise IpError(f"the kernel refused a trunk program: {os.strerror(err)}: "
                      f"{log.value.decode(errors='replace')[-300:]}")
    return fd


def _attr(kind: int, payload: bytes) -> bytes:
    size = 4 + len(payload)
    return struct.pack("<HH", size, kind) + payload + b"\0" * ((4 - size % 4) % 4)


def _attach(namespace: str, ifindex: int, pref: int, name: str, fd: int) -> None:
    """A direct-action ``bpf`` filter on the device's ingress, at preference ``pref``."""
    options = (_attr(_TCA_BPF_FD, struct.pack("<I", fd))
               + _attr(_TCA_BPF_NAME, name.encode() + b"\0")
               + _attr(_TCA_BPF_FLAGS, struct.pack("<I", _TCA_BPF_FLAG_ACT_DIRECT)))
    body = (struct.pack("<BBHiIII", socket.AF_UNSPEC, 0, 0, ifindex, 1, INGRESS,
                        (pref << 16) | socket.htons(_ETH_P_ALL))
            + _attr(_TCA_KIND, b"bpf\0") + _attr(_TCA_OPTIONS | _NLA_F_NESTED, options))
    flags = _NLM_F_REQUEST | _NLM_F_ACK | _NLM_F_CREATE | _NLM_F_EXCL
    message = struct.pack("<IHHII", 16 + len(body), _RTM_NEWTFILTER, flags, 1, 0) + body
    sock = netns.run_in(namespace, lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                                         socket.NETLINK_ROUTE))
    with sock:
        sock.settimeout(10)
        sock.sendall(message)
        reply = sock.recv(65536)
    kind = struct.unpack_from("<H", reply, 4)[0]
    error = struct.unpack_from("<i", reply, 16)[0] if kind == _NLMSG_ERROR else 0
    if error:
        raise IpError(f"attaching {name} in {namespace} failed: {os.strerror(-error)}")


@dataclass(frozen=True)
class Filter:
    """One program on a device's ingress: its preference (the VLAN id), and what it does."""

    pref: int
    name: str
    vlan: int
    to_ifindex: int
    tags: bool      # pushes the tag (on ``sq-``) rather than popping it (on the tap)


def name_of(tags: bool, vlan: int, to_ifindex: int) -> str:
    return f"{PREFIX}-{'tag' if tags else 'untag'}-{vlan}-to-{to_ifindex}"


class TrunkFilters:
    """The trunk programs on the fabric's devices, made to match what is wanted."""

    def __init__(self, namespace: str, tc: str = "tc") -> None:
        self.ns = namespace
        self.tc = tc

    def _tc(self, *args: str) -> str:
        done = subprocess.run([self.tc, "-n", self.ns, *args], capture_output=True, text=True,
                              timeout=30, check=False)
        if done.returncode != 0:
            raise IpError(f"tc {' '.join(args[:5])}... in {self.ns} failed: "
                          f"{done.stderr.strip()[-300:]}")
        return done.stdout

    def hooked(self) -> set[str]:
        """The devices with the hook the programs hang on (a ``clsact`` qdisc), in one read."""
        out = self._tc("-j", "qdisc", "show") or "[]"
        return {str(q.get("dev")) for q in json.loads(out) if q.get("kind") == "clsact"}

    def present(self, device: str) -> dict[int, str]:
        """The trunk filters on ``device``'s ingress: name by preference."""
        out = self._tc("-j", "filter", "show", "dev", device, "ingress") or "[]"
        found: dict[int, str] = {}
        for item in json.loads(out):
            name = str((item.get("options") or {}).get("bpf_name") or "")
            if name.startswith(PREFIX) and "pref" in item:
                found[int(item["pref"])] = name
        return found

    def converge(self, device: str, ifindex: int, wanted: list[Filter],
                 present: dict[int, str] | None = None) -> None:
        """Make ``device``'s trunk filters exactly ``wanted``."""
        if present is None:
            present = self.present(device)
        by_pref = {f.pref: f for f in wanted}
        for pref, name in present.items():
            if by_pref.get(pref) is None or by_pref[pref].name != name:
                self._tc("filter", "del", "dev", device, "ingress", "pref", str(pref))
        if wanted:
            # clsact gives the device the ingress hook the programs hang on.
            self._tc("qdisc", "replace", "dev", device, "clsact")
        for item in wanted:
            if present.get(item.pref) == item.name:
                continue
            program = (tag_program if item.tags else untag_program)(item.vlan,
                                                                    item.to_ifindex)
            fd = _load(program, f"trunk{item.vlan}")
            try:
                _attach(self.ns, ifindex, item.pref, item.name, fd)
            finally:
                os.close(fd)
