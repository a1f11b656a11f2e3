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
                      "get nothing")]


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
    assert top.text.split("\n") == ["ec2", "openstack"]


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
