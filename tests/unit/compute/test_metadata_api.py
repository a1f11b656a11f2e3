"""The metadata API: what the network service's metadata proxy asks for a guest, signed with
the shared secret, answered with the config drive's content; unsigned, mis-signed or
another project's requests get nothing."""

from __future__ import annotations

import json
from typing import Any

from nimbus.compute.manager.metadata import signature
from tests.unit.compute.conftest import PROJECT, Compute

COVERS = [("compute", "metadata API: signed proxy requests get meta_data.json, user_data "
                      "and listings; bad signatures, unknown servers and other projects "
                      "get nothing"),
          ("compute", "metadata API: the EC2 tree's single values; a guest posts its "
                      "password once")]


def _get(compute: Compute, path: str, server_id: str, project: str = PROJECT,
         signed: str | None = None) -> Any:
    secret = compute.state.metadata_secret
    headers = {"X-Instance-ID": server_id, "X-Tenant-ID": project,
               "X-Instance-ID-Signature": signed or signature(secret, server_id)}
    return compute.api.client.get(f"/compute/metadata/{path}", headers=headers)


def test_a_signed_request_gets_the_servers_metadata(compute: Compute) -> None:
    server = compute.boot(name="meta-vm", user_data="IyEvYmluL3NoCmVjaG8gaGkK",
                          metadata={"role": "web"})
    resp = _get(compute, "openstack/latest/meta_data.json", server["id"])
    assert resp.status_code == 200, resp.text
    meta = json.loads(resp.text)
    assert meta["uuid"] == server["id"] and meta["name"] == "meta-vm"
    assert meta["meta"] == {"role": "web"}
    user_data = _get(compute, "openstack/latest/user_data", server["id"])
    assert user_data.content == b"#!/bin/sh\necho hi\n"
    listing = _get(compute, "openstack/latest", server["id"])
    assert "meta_data.json" in listing.text.split("\n")
    top = _get(compute, "", server["id"])
    assert {"openstack", "latest", "2009-04-04"} <= set(top.text.split("\n"))
    assert "ec2" not in top.text.split("\n")  # a config drive's path, not the service's


def test_the_ec2_tree_answers_single_values(compute: Compute) -> None:
    server = compute.boot(name="ec2-vm")
    assert _get(compute, "latest/meta-data/hostname", server["id"]).text == "ec2-vm"
    assert _get(compute, "2009-04-04/meta-data/instance-id", server["id"]).text.startswith("i-")
    assert "public-ipv4" in _get(compute, "latest/meta-data", server["id"]).text.split("\n")
    zone = _get(compute, "latest/meta-data/placement/availability-zone", server["id"])
    assert zone.status_code == 200 and zone.text


def _post(compute: Compute, server_id: str, body: bytes, signed: str | None = None) -> Any:
    secret = compute.state.metadata_secret
    headers = {"X-Instance-ID": server_id, "X-Tenant-ID": PROJECT,
               "X-Instance-ID-Signature": signed or signature(secret, server_id)}
    return compute.api.client.post("/compute/metadata/openstack/2013-10-17/password",
                                   content=body, headers=headers)


def test_a_guest_posts_its_password_once(compute: Compute) -> None:
    server = compute.boot(name="pw-vm")
    assert _post(compute, server["id"], b"x" * 257).status_code == 400
    assert _post(compute, server["id"], b"secret", signed="0" * 64).status_code == 403
    assert _post(compute, server["id"], b"encrypted-blob").status_code == 200
    shown = compute.as_("member").get(f"/v2.1/servers/{server['id']}/os-server-password")
    assert shown.json() == {"password": "encrypted-blob"}
    assert _post(compute, server["id"], b"again").status_code == 409


def test_what_is_not_signed_or_not_theirs_gets_nothing(compute: Compute) -> None:
    server = compute.boot(name="meta-vm")
    path = "openstack/latest/meta_data.json"
    assert _get(compute, path, server["id"], signed="0" * 64).status_code == 403
    assert _get(compute, path, server["id"], project="other").status_code == 404
    missing = "00000000-0000-4000-8000-000000000000"
    assert _get(compute, path, missing).status_code == 404
    unsigned = compute.api.client.get(f"/compute/metadata/{path}",
                                      headers={"X-Instance-ID": server["id"]})
    assert unsigned.status_code == 400
    assert _get(compute, "openstack/latest/nothing", server["id"]).status_code == 404
