"""Server create extras: several servers per request, reservation ids, personality files,
disk config, access addresses, passwords, shares and the newest microversions' fields."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.compute.db import instances as instances_db
from nimbus.compute.manager.server_requests import create_spec, sanitize_hostname
from nimbus.core.errors import BadRequest
from tests.support.personas import PROJECT
from tests.unit.compute.conftest import MV
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

COVERS = [("compute", "server create: min/max_count with reservation ids, personality files, "
                      "disk config, access addresses, legacy block device mappings, hostname; "
                      "quotas enforced on create; os-server-password; 2.97 shares, 2.98 image "
                      "properties, 2.99 spice-direct, 2.100 scheduler hints")]


def _mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def _create(compute: Any, version: str = "2.96", persona: str = "member",
            **server: Any) -> Any:
    body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42",
            "networks": [{"uuid": NETWORK_ID}], **server}
    return compute.as_(persona).post("/v2.1/servers", json={"server": body},
                                     headers=_mv(version))


def _servers(compute: Any, query: str = "") -> list[dict[str, Any]]:
    resp = compute.as_("member").get(f"/v2.1/servers/detail{query}", headers=_mv("2.90"))
    assert resp.status_code == 200, resp.text
    return list(resp.json()["servers"])


def test_several_servers_share_a_reservation_and_are_numbered(compute: Any) -> None:
    resp = _create(compute, name="web", min_count=2, return_reservation_id=True)
    assert resp.status_code == 202, resp.text
    reservation = resp.json()["reservation_id"]
    assert reservation.startswith("r-") and set(resp.json()) == {"reservation_id"}
    made = _servers(compute, f"?reservation_id={reservation}")
    assert sorted(s["name"] for s in made) == ["web-1", "web-2"]
    assert sorted(s["OS-EXT-SRV-ATTR:hostname"] for s in made) == ["web-1", "web-2"]
    for server in made:
        compute.wait(server["id"], "ACTIVE")
    admin = compute.as_("admin").get(f"/v2.1/servers/{made[0]['id']}", headers=MV).json()
    assert admin["server"]["OS-EXT-SRV-ATTR:reservation_id"] == reservation
    assert _servers(compute, "?reservation_id=r-nothing") == []


def test_one_server_keeps_its_name_and_answers_with_the_server(compute: Any) -> None:
    resp = _create(compute, name="Solo Box_1", min_count=1, max_count=1)
    assert resp.status_code == 202 and "server" in resp.json()
    shown = compute.wait(resp.json()["server"]["id"], "ACTIVE")
    assert shown["name"] == "Solo Box_1"
    assert sanitize_hostname("Solo Box_1") == "solo-box-1"
    resp = _create(compute, "2.90", name="named", hostname="given-host")
    assert resp.status_code == 202, resp.text
    shown = compute.wait(resp.json()["server"]["id"], "ACTIVE")
    detail = compute.as_("member").get(f"/v2.1/servers/{shown['id']}", headers=_mv("2.90"))
    assert detail.json()["server"]["OS-EXT-SRV-ATTR:hostname"] == "given-host"
    assert _create(compute, "2.90", hostname="bad_name!").status_code == 400


def test_instance_quota_limits_how_many_are_made(compute: Any) -> None:
    admin = compute.as_("admin")
    assert admin.put(f"/v2.1/os-quota-sets/{PROJECT}",
                     json={"quota_set": {"instances": 2}}).status_code == 200
    resp = _create(compute, min_count=3)
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == (
        "Quota exceeded for instances: Requested 3, but already used 0 of 2 instances")
    # Between min_count and max_count: as many as the quota leaves room for.
    assert _create(compute, name="many", min_count=1, max_count=5).status_code == 202
    assert sorted(s["name"] for s in _servers(compute)) == ["many-1", "many-2"]
    resp = _create(compute)
    assert resp.status_code == 403 and "instances" in resp.json()["forbidden"]["message"]


def test_cores_quota_is_checked_per_user_too(compute: Any) -> None:
    admin = compute.as_("admin")
    assert admin.put(f"/v2.1/os-quota-sets/{PROJECT}?user_id=u-member",
                     json={"quota_set": {"cores": 0}}).status_code == 200
    shown = admin.get(f"/v2.1/os-quota-sets/{PROJECT}?user_id=u-member").json()
    assert shown["quota_set"]["cores"] == 0
    assert admin.get(f"/v2.1/os-quota-sets/{PROJECT}").json()["quota_set"]["cores"] == 20
    resp = _create(compute)
    assert resp.status_code == 403 and "cores" in resp.json()["forbidden"]["message"]
    assert admin.delete(f"/v2.1/os-quota-sets/{PROJECT}?user_id=u-member").status_code == 202
    assert _create(compute).status_code == 202


def test_multiple_create_refuses_what_cannot_be_shared(compute: Any) -> None:
    port = {"port": "44444444-4444-4444-8444-444444444444"}
    resp = _create(compute, networks=[port], max_count=2)
    assert resp.status_code == 400 and "single configured port" in resp.text
    fixed = {"uuid": NETWORK_ID, "fixed_ip": "10.0.0.9"}
    resp = _create(compute, networks=[fixed], max_count=2)
    assert resp.status_code == 400 and "fixed_ip" in resp.text
    resp = _create(compute, "2.90", hostname="one", max_count=2)
    assert resp.status_code == 400 and "single hostname" in resp.text
    assert _create(compute, min_count=0).status_code == 400
    assert _create(compute, max_count=2.5).status_code == 400


def test_personality_files_before_2_57_within_their_quotas(compute: Any) -> None:
    files = [{"path": f"/etc/f{i}", "contents": "aGk="} for i in range(6)]
    resp = _create(compute, "2.56", personality=files)
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == "Personality file limit exceeded"
    long_path = [{"path": "/" + "p" * 300, "contents": "aGk="}]
    resp = _create(compute, "2.56", personality=long_path)
    assert resp.json()["forbidden"]["message"] == "Personality file path exceeds maximum 255"
    resp = _create(compute, "2.56", personality=[{"path": "/x", "contents": "not base64!"}])
    assert resp.status_code == 400
    resp = _create(compute, "2.56", personality=files[:5])
    assert resp.status_code == 202, resp.text
    row = instances_db.get_instance(compute.state.db, resp.json()["server"]["id"])
    assert (row.request_spec or {})["injected_files"][0] == ["/etc/f0", "aGk="]
    limits = compute.as_("member").get("/v2.1/limits", headers=_mv("2.56")).json()
    assert limits["limits"]["absolute"]["maxPersonality"] == 5


def test_metadata_items_quota(compute: Any) -> None:
    too_many = {f"k{i}": "v" for i in range(129)}
    resp = _create(compute, metadata=too_many)
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == \
        "Maximum number of metadata items exceeds 128"
    sid = compute.boot()["id"]
    api = compute.as_("member")
    resp = api.put(f"/v2.1/servers/{sid}/metadata", json={"metadata": too_many})
    assert resp.status_code == 403
    resp = api.post(f"/v2.1/servers/{sid}/metadata", json={"metadata": {"a": "b"}})
    assert resp.status_code == 200


def test_disk_config_and_access_addresses(compute: Any) -> None:
    resp = _create(compute, **{"OS-DCF:diskConfig": "AUTO",
                               "accessIPv6": "0000:0000:0000:0000:0000:babe:220.12.22.2"})
    assert resp.status_code == 202, resp.text
    assert resp.json()["server"]["OS-DCF:diskConfig"] == "AUTO"
    server = compute.wait(resp.json()["server"]["id"], "ACTIVE")
    assert server["OS-DCF:diskConfig"] == "AUTO"
    assert server["accessIPv6"] == "::babe:dc0c:1602"
    api = compute.as_("member")
    updated = api.put(f"/v2.1/servers/{server['id']}", headers=_mv("2.1"),
                      json={"server": {"OS-DCF:diskConfig": "MANUAL"}}).json()["server"]
    assert updated["OS-DCF:diskConfig"] == "MANUAL"
    # Before 2.75 an update answers without the extensions' attributes.
    assert "OS-EXT-STS:vm_state" not in updated and "key_name" not in updated
    for address in updated["addresses"].values():
        assert set(address[0]) == {"version", "addr"}
    assert _create(compute, **{"OS-DCF:diskConfig": "BOTH"}).status_code == 400
    resp = _create(compute, accessIPv4="1.2.3")
    assert resp.status_code == 400 and "accessIPv4" in resp.text
    assert _create(compute, accessIPv6="1.2.3.4").status_code == 400


def test_legacy_block_device_mapping_is_converted() -> None:
    volume = "55555555-5555-4555-8555-555555555555"
    spec = create_spec({"name": "v", "flavorRef": "1", "block_device_mapping": [
        {"volume_id": volume, "device_name": "/dev/vda", "delete_on_termination": "true"}]})
    assert spec["image_ref"] == ""
    [boot] = spec["block_devices"]
    assert boot["source_type"] == "volume" and boot["boot_index"] == 0
    assert boot["delete_on_termination"] is True
    spec = create_spec({"name": "v", "flavorRef": "1", "imageRef": IMAGE_ID,
                        "block_device_mapping": [{"volume_id": volume, "device_name": "vdb"}]})
    assert spec["image_ref"] == IMAGE_ID and spec["block_devices"][0]["boot_index"] is None
    with pytest.raises(BadRequest, match="different block_device_mapping syntaxes"):
        create_spec({"name": "v", "flavorRef": "1", "block_device_mapping": [
            {"volume_id": volume}], "block_device_mapping_v2": [{"source_type": "blank"}]})
    with pytest.raises(BadRequest, match="Boot sequence"):
        create_spec({"name": "v", "flavorRef": "1", "block_device_mapping": [
            {"volume_id": volume, "device_name": "vdb"}]})


def test_server_password_is_shown_and_cleared(compute: Any) -> None:
    sid = compute.boot()["id"]
    api = compute.as_("member")
    assert api.get(f"/v2.1/servers/{sid}/os-server-password").json() == {"password": ""}
    instances_db.update_instance(compute.state.db, sid, server_password="c2VjcmV0")
    assert api.get(f"/v2.1/servers/{sid}/os-server-password").json() == {
        "password": "c2VjcmV0"}
    assert api.delete(f"/v2.1/servers/{sid}/os-server-password").status_code == 204
    assert api.get(f"/v2.1/servers/{sid}/os-server-password").json() == {"password": ""}
    assert compute.as_("other").get(f"/v2.1/servers/{sid}/os-server-password").status_code \
        == 404


def test_image_properties_and_scheduler_hints_from_2_98_and_2_100(compute: Any) -> None:
    compute.clients.image.images[IMAGE_ID].update(hw_disk_bus="scsi", os_distro="cirros",
                                                  custom_thing="x")
    body = {"server": {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42",
                       "networks": "none"},
            "os:scheduler_hints": {"rack": "r1", "zones": ["a", "b"]}}
    resp = compute.as_("member").post("/v2.1/servers", json=body, headers=_mv("2.100"))
    assert resp.status_code == 202, resp.text
    sid = resp.json()["server"]["id"]
    compute.wait(sid, "ACTIVE")
    shown = compute.as_("member").get(f"/v2.1/servers/{sid}", headers=_mv("2.100")).json()
    assert shown["server"]["image"]["properties"] == {"hw_disk_bus": "scsi",
                                                      "os_distro": "cirros"}
    assert shown["server"]["scheduler_hints"] == {"rack": ["r1"], "zones": ["a", "b"]}
    older = compute.as_("member").get(f"/v2.1/servers/{sid}", headers=_mv("2.97")).json()
    assert "properties" not in older["server"]["image"]
    assert "scheduler_hints" not in older["server"]


def test_shares_exist_from_2_97_and_need_a_capable_host(compute: Any) -> None:
    sid = compute.boot()["id"]
    api = compute.as_("member")
    assert api.get(f"/v2.1/servers/{sid}/shares", headers=_mv("2.96")).status_code == 404
    assert api.get(f"/v2.1/servers/{sid}/shares", headers=_mv("2.97")).json() == {
        "shares": []}
    share = {"share": {"share_id": "77777777-7777-4777-8777-777777777777"}}
    resp = api.post(f"/v2.1/servers/{sid}/shares", json=share, headers=_mv("2.97"))
    assert resp.status_code == 409 and "vm_state active" in resp.text
    resp = api.get(f"/v2.1/servers/{sid}/shares/x", headers=_mv("2.97"))
    assert resp.status_code == 404


def test_spice_direct_from_2_99_is_unavailable(compute: Any) -> None:
    sid = compute.boot()["id"]
    body = {"remote_console": {"protocol": "spice", "type": "spice-direct"}}
    api = compute.as_("member")
    resp = api.post(f"/v2.1/servers/{sid}/remote-consoles", json=body, headers=_mv("2.98"))
    assert resp.status_code == 400 and "type" in resp.text
    resp = api.post(f"/v2.1/servers/{sid}/remote-consoles", json=body, headers=_mv("2.99"))
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == "Unavailable console type spice-direct."
    # From 2.99 a token's query takes no parameters.
    admin = compute.as_("admin")
    assert admin.get("/v2.1/os-console-auth-tokens/nothing?x=1",
                     headers=_mv("2.98")).status_code == 404
    assert admin.get("/v2.1/os-console-auth-tokens/nothing?x=1",
                     headers=_mv("2.99")).status_code == 400


def test_list_by_ip(compute: Any) -> None:
    one, two = compute.boot(name="one"), compute.boot(name="two")
    addr = one["addresses"]["private"][0]["addr"]
    found = [s["id"] for s in _servers(compute, f"?ip={addr}")]
    assert one["id"] in found
    assert two["id"] not in found or two["addresses"]["private"][0]["addr"].startswith(addr)
    assert _servers(compute, "?ip=192.168.77.") == []


def test_progress_only_while_moving_and_tenant_filter_needs_all_tenants(compute: Any) -> None:
    server = compute.boot()
    assert server["progress"] == 100
    api = compute.as_("member")
    assert api.post(f"/v2.1/servers/{server['id']}/action", json={"os-stop": None},
                    headers=MV).status_code == 202
    assert "progress" not in compute.wait(server["id"], "SHUTOFF")
    admin = compute.as_("admin")
    mine = admin.get(f"/v2.1/servers/detail?tenant_id={PROJECT}", headers=MV).json()
    assert server["id"] not in [s["id"] for s in mine["servers"]]
    every = admin.get(f"/v2.1/servers/detail?all_tenants=1&tenant_id={PROJECT}",
                      headers=MV).json()
    assert [s["id"] for s in every["servers"]] == [server["id"]]
