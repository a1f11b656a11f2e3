"""The config drive and the metadata it carries: an ISO 9660 labelled ``config-2`` whose
Rock Ridge names are the OpenStack paths, and whose content is the server's."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pycdlib

from nimbus.compute.drivers.qemu import configdrive
from nimbus.compute.manager import metadata

COVERS = [("compute", "config drive: ISO 9660 config-2 with openstack/latest and ec2/latest")]

INFO = {"uuid": "6e5d8a53-0000-4000-8000-000000000001", "name": "instance-00000001",
        "display_name": "web 1", "hostname": "web-1", "project_id": "p1",
        "key_name": "k", "key_data": "ssh-ed25519 AAAAC3Nz test@here\n",
        "user_data": base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
        "metadata": {"role": "web"}, "availability_zone": "nova", "launch_index": 0,
        "ports": [{"port_id": "p-1", "mac": "fa:16:3e:00:00:01", "net_id": "n-1",
                   "fixed_ips": [{"ip_address": "10.0.0.5"}]}]}


def _read(iso: pycdlib.PyCdlib, path: str) -> bytes:
    out = io.BytesIO()
    iso.get_file_from_iso_fp(out, rr_path=path)
    return out.getvalue()


def test_the_drive_holds_the_servers_metadata(tmp_path: Path) -> None:
    target = tmp_path / "disk.config"
    configdrive.write(metadata.files(INFO), target)
    iso = pycdlib.PyCdlib()
    iso.open(str(target))
    try:
        assert iso.pvd.volume_identifier.decode().strip() == "config-2"
        meta = json.loads(_read(iso, "/openstack/latest/meta_data.json"))
        assert meta["uuid"] == INFO["uuid"] and meta["hostname"] == "web-1"
        assert meta["name"] == "web 1" and meta["meta"] == {"role": "web"}
        assert meta["public_keys"] == {"k": INFO["key_data"]}
        assert _read(iso, "/openstack/latest/user_data") == b"#!/bin/sh\necho hi\n"
        net = json.loads(_read(iso, "/openstack/2018-08-27/network_data.json"))
        assert net["links"][0]["ethernet_mac_address"] == "fa:16:3e:00:00:01"
        assert net["networks"][0]["type"] == "ipv4_dhcp"
        assert json.loads(_read(iso, "/openstack/latest/vendor_data2.json")) == {}
        ec2 = json.loads(_read(iso, "/ec2/latest/meta-data.json"))
        assert ec2["hostname"] == "web-1"
    finally:
        iso.close()


def test_no_user_data_means_no_user_data_file() -> None:
    files = metadata.files({**INFO, "user_data": None})
    assert "openstack/latest/user_data" not in files
    assert "openstack/latest/meta_data.json" in files
