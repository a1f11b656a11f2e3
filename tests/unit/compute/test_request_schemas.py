"""Request bodies are checked against their declared schemas, by microversion, and a bad one is
a 400 worded as Nova words it: "Invalid input for field/attribute <field>. Value: ..."."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.compute.conftest import MV
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID


def _message(resp: Any) -> str:
    assert resp.status_code == 400, resp.text
    return str(resp.json()["badRequest"]["message"])


def _mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def test_server_update_fields_by_microversion(compute: Any) -> None:
    sid = compute.boot()["id"]
    api = compute.as_("member")
    message = _message(api.put(f"/v2.1/servers/{sid}", json={"server": {"description": "d"}},
                               headers=_mv("2.18")))
    assert message.startswith("Invalid input for field/attribute server. Value: ")
    assert "Additional properties are not allowed ('description' was unexpected)" in message
    assert api.put(f"/v2.1/servers/{sid}", json={"server": {"description": "d"}},
                   headers=_mv("2.19")).status_code == 200
    assert "'hostname' was unexpected" in _message(api.put(
        f"/v2.1/servers/{sid}", json={"server": {"hostname": "h"}}, headers=_mv("2.89")))
    renamed = api.put(f"/v2.1/servers/{sid}", json={"server": {"hostname": "new-host"}},
                      headers=_mv("2.90"))
    assert renamed.status_code == 200
    assert renamed.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "new-host"
    assert "field/attribute name" in _message(api.put(
        f"/v2.1/servers/{sid}", json={"server": {"name": ""}}, headers=MV))


@pytest.mark.parametrize(("body", "field"), [
    ({"reboot": {"type": "SIDEWAYS"}}, "type"),
    ({"reboot": None}, "reboot"),
    ({"createImage": {"name": "  "}}, "name"),
    ({"createImage": {"name": "x", "metadata": {"k": 1}}}, "k"),
    ({"lock": {"locked_reason": 5}}, "locked_reason"),
])
def test_action_bodies_name_the_field(compute: Any, body: dict[str, Any], field: str) -> None:
    sid = compute.boot()["id"]
    message = _message(compute.as_("member").post(f"/v2.1/servers/{sid}/action", json=body,
                                                  headers=MV))
    assert message.startswith(f"Invalid input for field/attribute {field}. Value: "), message


def test_one_action_per_body_and_lock_reason_from_2_73(compute: Any) -> None:
    sid = compute.boot()["id"]
    api = compute.as_("member")
    assert api.post(f"/v2.1/servers/{sid}/action", json={"pause": None, "os-stop": None},
                    headers=MV).status_code == 400
    assert "'locked_reason' was unexpected" in _message(api.post(
        f"/v2.1/servers/{sid}/action", json={"lock": {"locked_reason": "x"}},
        headers=_mv("2.72")))
    assert api.post(f"/v2.1/servers/{sid}/action", json={"lock": {}},
                    headers=_mv("2.72")).status_code == 202


def test_server_create_fields_by_microversion(compute: Any) -> None:
    base = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42"}
    api = compute.as_("member")
    tagged = dict(base, networks=[{"uuid": NETWORK_ID}], tags=["a"])
    assert "'tags' was unexpected" in _message(api.post("/v2.1/servers",
                                                        json={"server": tagged},
                                                        headers=_mv("2.51")))
    assert api.post("/v2.1/servers", json={"server": tagged}, headers=_mv("2.52")).status_code \
        == 202
    message = _message(api.post("/v2.1/servers", json={"server": dict(
        base, networks="none", user_data="not base64!")}, headers=MV))
    assert message.startswith("Invalid input for field/attribute user_data.")
    message = _message(api.post("/v2.1/servers", json={"server": dict(
        base, networks="none", min_count=3, max_count=2)}, headers=MV))
    assert message == "min_count must be <= max_count"
    files = [{"path": "/etc/motd", "contents": "aGk="}]
    assert "'personality' was unexpected" in _message(api.post("/v2.1/servers", json={
        "server": dict(base, networks="none", personality=files)}, headers=_mv("2.57")))
    assert "'hostname' was unexpected" in _message(api.post("/v2.1/servers", json={
        "server": dict(base, networks="none", hostname="h")}, headers=_mv("2.89")))


def test_flavor_and_keypair_bodies(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    admin = compute.as_("admin")
    message = _message(admin.post("/v2.1/flavors", json={"flavor": {
        "name": "x", "ram": -1, "vcpus": 1, "disk": 0}}))
    assert message == ("Invalid input for field/attribute ram. Value: -1. -1 is less than the "
                       "minimum of 1")
    assert "field/attribute ram" in _message(admin.post("/v2.1/flavors", json={"flavor": {
        "name": "x", "ram": "99999999999", "vcpus": 1, "disk": 0}}))
    assert "'description' was unexpected" in _message(admin.post("/v2.1/flavors", json={
        "flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 0, "description": "d"}}))
    # Updating a flavor exists from 2.55 only.
    assert admin.put("/v2.1/flavors/1", json={"flavor": {"description": "d"}}).status_code \
        == 404
    assert admin.put("/v2.1/flavors/1", json={"flavor": {"description": "d"}},
                     headers=_mv("2.55")).json()["flavor"]["description"] == "d"
    member = compute.as_("member")
    assert "field/attribute type" in _message(member.post("/v2.1/os-keypairs", json={
        "keypair": {"name": "k", "type": "dsa"}}, headers=_mv("2.2")))
    assert "field/attribute name" in _message(member.post("/v2.1/os-keypairs", json={
        "keypair": {"name": "a.b"}}, headers=_mv("2.91")))
