"""What a guest learns about itself: the OpenStack metadata content of one server.

The same files are written to a config drive (ISO 9660, label ``config-2``) and served by the
metadata API: ``openstack/<version>/meta_data.json``, ``user_data``, ``network_data.json``,
``vendor_data.json`` and ``vendor_data2.json``, and the EC2-style ``ec2/latest/meta-data.json``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from nimbus.core import metadata_signing

# The metadata versions a guest may ask for, as Nova lists them; each has the same content here.
VERSIONS = ("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
            "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest")


def user_data_bytes(info: dict[str, Any]) -> bytes | None:
    """The server's user_data as the guest gets it (the API keeps it base64-encoded)."""
    raw = info.get("user_data")
    if not raw:
        return None
    try:
        return base64.b64decode(str(raw), validate=False)
    except (binascii.Error, ValueError):
        return str(raw).encode()


def meta_data(info: dict[str, Any]) -> dict[str, Any]:
    keys = []
    if info.get("key_name") and info.get("key_data"):
        keys.append({"name": info["key_name"], "type": "ssh", "data": info["key_data"]})
    hostname = info.get("hostname") or info.get("display_name") or info["uuid"]
    return {
        "uuid": info["uuid"], "name": info.get("display_name") or info["name"],
        "hostname": hostname, "launch_index": int(info.get("launch_index") or 0),
        "availability_zone": info.get("availability_zone") or "nova",
        "project_id": info.get("project_id"), "meta": dict(info.get("metadata") or {}),
        "public_keys": {k["name"]: k["data"] for k in keys}, "keys": keys,
        "devices": [], "random_seed": base64.b64encode(os.urandom(512)).decode(),
    }


def network_data(info: dict[str, Any]) -> dict[str, Any]:
    """The guest's links, networks and DNS servers, from its ports (``network_data.json``)."""
    links, networks = [], []
    for i, port in enumerate(info.get("ports") or []):
        link = f"tap{str(port.get('port_id', i))[:11]}"
        links.append({"id": link, "type": "ethernet", "ethernet_mac_address": port.get("mac"),
                      "mtu": port.get("mtu") or 1500, "vif_id": port.get("port_id")})
        for j, fixed in enumerate(port.get("fixed_ips") or []):
            address = str(fixed.get("ip_address", ""))
            networks.append({"id": f"network{i}-{j}", "link": link,
                             "type": "ipv6_dhcp" if ":" in address else "ipv4_dhcp",
                             "network_id": port.get("net_id")})
    return {"links": links, "networks": networks, "services": []}


def files(info: dict[str, Any]) -> dict[str, bytes]:
    """Every file of the server's metadata, by its path on a config drive."""
    content: dict[str, bytes] = {}
    about = meta_data(info)
    meta = json.dumps(about).encode()
    net = json.dumps(network_data(info)).encode()
    user_data = user_data_bytes(info)
    for version in VERSIONS:
        base = f"openstack/{version}"
        content[f"{base}/meta_data.json"] = meta
        content[f"{base}/network_data.json"] = net
        content[f"{base}/vendor_data.json"] = b"{}"
        content[f"{base}/vendor_data2.json"] = b"{}"
        if user_data is not None:
            content[f"{base}/user_data"] = user_data
    ec2 = {"instance-id": info["name"], "hostname": about["hostname"],
           "local-hostname": about["hostname"],
           "placement": {"availability-zone": info.get("availability_zone") or "nova"},
           "public-keys": {"0": {"openssh-key": info.get("key_data") or ""}}
           if info.get("key_data") else {}}
    content["ec2/latest/meta-data.json"] = json.dumps(ec2).encode()
    if user_data is not None:
        content["ec2/latest/user-data"] = user_data
    return content


def listing(content: dict[str, bytes], path: str) -> bytes | None:
    """What the metadata API answers for ``path``: a file's bytes, a directory's entries one
    per line (as Nova lists them), or None when there is no such path."""
    path = path.strip("/")
    if path in content:
        return content[path]
    prefix = f"{path}/" if path else ""
    names = sorted({p[len(prefix):].split("/")[0] for p in content if p.startswith(prefix)})
    if not names:
        return None
    return "\n".join(names).encode()


# Shared with the network service's proxy, which signs what this checks.
signature = metadata_signing.signature
