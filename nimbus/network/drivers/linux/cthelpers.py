"""Conntrack helpers in a router's namespace (Neutron's ``l3-conntrack-helper``).

Each router's helpers are one nftables table, ``inet nimbus-cthelper``, replaced whole when
they change: a ``ct helper`` object per kernel helper and protocol, and a rule per helper of the
router assigning it to new connections to its port. The rules hook prerouting after conntrack
(-200), so the connection exists, and before DNAT (-100), so the port matched is the one the
client asked for, as Neutron's raw-table CT rules match it. An ``inet`` table serves IPv4 and
IPv6 alike; a helper the kernel has only for IPv4 (irc, pptp, snmp...) follows IPv4 alone.

nft refuses the whole table when the kernel lacks one helper (or has it for another protocol:
``amanda`` is UDP, whatever a configuration says). The agent then probes each helper on its
own and applies those the kernel has (``routers.py``).
"""

from __future__ import annotations

import re

from nimbus.network.drivers.linux.model import HelperRec

TABLE = "nimbus-cthelper"
PROBE_TABLE = "nimbus-cthelper-probe"
# Neutron names H.323 once; the kernel has a helper per protocol: RAS over UDP, Q.931 over TCP.
KERNEL_NAMES = {("h323", "udp"): "RAS", ("h323", "tcp"): "Q.931"}
# nft names no other protocol in a ct helper object, and the kernel has helpers for no other.
PROTOCOLS = ("tcp", "udp")
# What may stand between the quotes of ``type "..."``: every kernel helper's name fits.
_KERNEL_NAME = re.compile(r"^[A-Za-z0-9._-]{1,16}$")


def kernel_name(helper: str, protocol: str) -> str:
    return KERNEL_NAMES.get((helper, protocol), helper)


def usable(helper: HelperRec) -> bool:
    """Whether the helper can be written as nft input at all."""
    return helper.protocol in PROTOCOLS and bool(
        _KERNEL_NAME.match(kernel_name(helper.helper, helper.protocol)))


def object_name(helper: str, protocol: str) -> str:
    """The ct helper object's name: an nft identifier (a letter first), one per helper and
    protocol."""
    name = re.sub(r"[^A-Za-z0-9]", "_", helper)
    return f"{name if name[:1].isalpha() else 'h_' + name}_{protocol}"


def _object(helper: str, protocol: str) -> str:
    return (f"    ct helper {object_name(helper, protocol)} {{ "
            f'type "{kernel_name(helper, protocol)}" protocol {protocol}; }}')


def helper_rules(helpers: tuple[HelperRec, ...]) -> str:
    """The router's helper table, whole (``nft -f`` input); without helpers, none at all."""
    lines = [f"add table inet {TABLE}", f"delete table inet {TABLE}"]
    wanted = sorted((h for h in helpers if usable(h)),
                    key=lambda h: (h.protocol, h.port, h.helper))
    if not wanted:
        return "\n".join(lines) + "\n"
    lines.append(f"table inet {TABLE} {{")
    lines += [_object(helper, protocol)
              for helper, protocol in sorted({(h.helper, h.protocol) for h in wanted})]
    lines += ["    chain prerouting {", "        type filter hook prerouting priority -150;"]
    lines += [f'        {h.protocol} dport {h.port} ct helper set '
              f'"{object_name(h.helper, h.protocol)}"' for h in wanted]
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"


def probe_rules(helper: str, protocol: str) -> str:
    """nft input that makes one helper object in a table of its own and removes it again: it
    passes only where the kernel has the helper, and leaves nothing behind."""
    return "\n".join([f"add table inet {PROBE_TABLE}", f"delete table inet {PROBE_TABLE}",
                      f"table inet {PROBE_TABLE} {{", _object(helper, protocol), "}",
                      f"delete table inet {PROBE_TABLE}"]) + "\n"
