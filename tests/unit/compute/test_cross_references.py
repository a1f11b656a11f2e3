"""Server create looks up what it names in other services as the caller: another project's
private image, network, port or security group is refused with Nova's 400, and the refusal
leaves nothing behind."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.personas import OTHER_PROJECT, project_of
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

COVERS = [("compute", "server create checks images, networks, ports and security groups as "
                      "the caller; refusals leave nothing behind"),
          ("compute", "malformed imageRef, network, port and block device ids are a 400")]


def _create(compute: Compute, persona: str = "member", **server: Any) -> Any:
    body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42",
            "networks": [{"uuid": NETWORK_ID}], **server}
    return compute.as_(persona).post("/v2.1/servers", json={"server": body}, headers=MV)


def _private_network(compute: Compute, project: str = OTHER_PROJECT) -> str:
    ident = str(uuid.uuid4())
    compute.clients.network.networks[ident] = {"id": ident, "name": "theirs",
                                               "project_id": project, "shared": False,
                                               "router:external": False}
    return ident


def _assert_nothing_left(compute: Compute) -> None:
    listed = compute.as_("admin").get("/v2.1/servers?all_tenants=1", headers=MV).json()
    assert listed["servers"] == []
    assert compute.clients.network.ports == {}
    assert compute.clients.placement.allocations == {}


def _refused(resp: Any, message: str) -> None:
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["message"] == message


def test_another_projects_private_network_is_unknown(compute: Compute) -> None:
    theirs = _private_network(compute)
    _refused(_create(compute, networks=[{"uuid": theirs}]),
             f"Network {theirs} could not be found.")
    _assert_nothing_left(compute)
    # Its owner may use it, and so may an administrator (as the network API shows it them).
    mine = _private_network(compute, project_of("member"))
    assert _create(compute, networks=[{"uuid": mine}]).status_code == 202
    assert _create(compute, "admin", networks=[{"uuid": theirs}]).status_code == 202


def test_another_projects_port_is_unknown(compute: Compute) -> None:
    port = compute.clients.network.create_port({"network_id": NETWORK_ID,
                                                "project_id": OTHER_PROJECT})
    before = dict(compute.clients.network.ports)
    _refused(_create(compute, networks=[{"port": port["id"]}]),
             f"Port id {port['id']} could not be found.")
    assert compute.clients.network.ports == before
    assert compute.clients.network.ports[port["id"]].get("device_id") is None


def test_security_groups_are_the_callers_own(compute: Compute) -> None:
    network = compute.clients.network
    theirs = network.add_security_group("web", OTHER_PROJECT)
    project = project_of("member")
    for ref in ("web", theirs, "no-such-group"):
        _refused(_create(compute, security_groups=[{"name": ref}]),
                 f"Security group {ref} not found for project {project}.")
    _assert_nothing_left(compute)
    mine = network.add_security_group("web")
    for ref in ("web", mine):
        server = _create(compute, security_groups=[{"name": ref}]).json()["server"]
        compute.wait(server["id"], "ACTIVE")
        ports = network.list_ports(device_id=server["id"])
        assert [p["security_groups"] for p in ports] == [[mine]]


def test_another_projects_private_image_is_unknown(compute: Compute) -> None:
    images = compute.clients.image
    private = images.add(str(uuid.uuid4()), b"\0" * 512, "raw", visibility="private",
                         owner=OTHER_PROJECT)
    shared = images.add(str(uuid.uuid4()), b"\0" * 512, "raw", visibility="shared",
                        owner=OTHER_PROJECT)
    for image in (private, shared):
        _refused(_create(compute, imageRef=image), f"Image {image} could not be found.")
    _assert_nothing_left(compute)
    images.images[shared]["members"] = [project_of("member")]
    assert _create(compute, imageRef=shared).status_code == 202


@pytest.mark.parametrize("ref", ["../../etc/passwd", "..", "a/b", "x?y=1", "%2e%2e",
                                 "http://evil/../", " ", "a\x00b"])
def test_a_malformed_image_ref_is_a_400(compute: Compute, ref: str) -> None:
    resp = _create(compute, imageRef=ref)
    assert resp.status_code == 400, resp.text
    _assert_nothing_left(compute)


def test_an_empty_image_ref_is_a_400_and_a_link_names_its_image(compute: Compute) -> None:
    assert _create(compute, imageRef="").status_code == 400
    link = f"http://localhost/compute/images/{IMAGE_ID}"
    assert _create(compute, imageRef=link).status_code == 202


@pytest.mark.parametrize("networks", [[{"uuid": "../ports"}], [{"port": "x/../y"}],
                                      [{"uuid": "not-a-uuid"}]])
def test_a_malformed_network_or_port_id_is_a_400(compute: Compute,
                                                 networks: list[dict[str, str]]) -> None:
    resp = _create(compute, networks=networks)
    assert resp.status_code == 400 and "Bad networks format" in resp.text
    _assert_nothing_left(compute)


def test_a_malformed_block_device_id_is_a_400(compute: Compute) -> None:
    resp = _create(compute, block_device_mapping_v2=[{
        "uuid": "../../v3/volumes", "source_type": "volume", "destination_type": "volume",
        "boot_index": 0}])
    assert resp.status_code == 400 and "Block Device Mapping is Invalid" in resp.text
    assert compute.clients.volume.calls == []


def test_a_network_without_port_security_takes_no_security_group(compute: Compute) -> None:
    """As Nova: "default" (asked for or implied) is dropped there, and the server shows no
    group; any other group cannot apply and is refused before anything is made."""
    ident = str(uuid.uuid4())
    compute.clients.network.networks[ident] = {
        "id": ident, "name": "open", "project_id": project_of("member"), "shared": False,
        "router:external": False, "port_security_enabled": False}
    created = _create(compute, networks=[{"uuid": ident}])
    assert created.status_code == 202, created.text
    server = compute.wait(created.json()["server"]["id"], "ACTIVE")
    assert "security_groups" not in server
    compute.clients.network.add_security_group("web", project_of("member"))
    refused = _create(compute, networks=[{"uuid": ident}], security_groups=[{"name": "web"}])
    _refused(refused, "Network requires port_security_enabled and subnet associated in order "
                      "to apply security groups.")
