"""The EC2-style tree of the metadata service: ``/<version>/meta-data/<key>`` and
``/<version>/user-data``, one value per file, as Nova serves it beside ``openstack/``.

Guests of the EC2 lineage (and tempest's scenario tests) read single values from it, such as
``latest/meta-data/public-ipv4``: the server's first floating IP, known to compute from the
port's ``network-changed`` refresh.
"""

from __future__ import annotations

from typing import Any

from nimbus.compute.manager.metadata import meta_data, user_data_bytes

# The EC2 metadata versions Nova answers; each has the same content here.
VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
            "2008-02-01", "2008-09-01", "2009-04-04", "latest")


def _addresses(info: dict[str, Any]) -> tuple[str, str]:
    """(first fixed IPv4, first floating IP) of the server's ports; "" when there is none."""
    fixed = floating = ""
    for port in info.get("ports") or []:
        for entry in port.get("fixed_ips") or []:
            address = str(entry.get("ip_address", ""))
            if not fixed and address and ":" not in address:
                fixed = address
        for address in port.get("floating_ips") or []:
            floating = floating or str(address)
    return fixed, floating


def _ec2_id(prefix: str, name: str) -> str:
    """Nova's EC2 ids: ``i-0000002a`` for ``instance-0000002a``."""
    return f"{prefix}-{name.rsplit('-', 1)[-1]}"


def meta_data_values(info: dict[str, Any]) -> dict[str, str]:
    """Every ``meta-data`` key and its value, sub-trees by their paths."""
    about = meta_data(info)
    fixed, floating = _addresses(info)
    hostname = str(about["hostname"])
    values = {
        "ami-id": f"ami-{str(info.get('image_ref') or '')[:8] or '00000000'}",
        "ami-launch-index": str(about["launch_index"]),
        "hostname": hostname, "local-hostname": hostname, "public-hostname": hostname,
        "instance-action": "none",
        "instance-id": _ec2_id("i", str(info["name"])),
        "instance-type": str((info.get("flavor") or {}).get("name", "")),
        "local-ipv4": fixed, "public-ipv4": floating,
        "placement/availability-zone": str(about["availability_zone"]),
        "reservation-id": f"r-{str(info['uuid'])[:8]}",
        "security-groups": "\n".join(str(g.get("name", g) if isinstance(g, dict) else g)
                                     for g in info.get("security_groups") or []),
        "block-device-mapping/ami": "vda", "block-device-mapping/root": "/dev/vda",
    }
    if info.get("key_data"):
        values["public-keys/0/openssh-key"] = str(info["key_data"])
    return values


def files(info: dict[str, Any]) -> dict[str, bytes]:
    """The tree by path, for every version."""
    content: dict[str, bytes] = {}
    values = meta_data_values(info)
    user_data = user_data_bytes(info)
    for version in VERSIONS:
        for key, value in values.items():
            content[f"{version}/meta-data/{key}"] = value.encode()
        if user_data is not None:
            content[f"{version}/user-data"] = user_data
    return content
