"""``os-server-external-events``: Neutron's ``network-changed`` refreshes a server's addresses;
each event answers with its own code, and only admins and service users may send them."""

from __future__ import annotations

import uuid

import pytest

from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "os-server-external-events (network-changed refreshes addresses; "
                      "200/207/404/422 per event)")]

URL = "/v2.1/os-server-external-events"


def _floating(server: dict[str, object]) -> list[str]:
    addresses = server["addresses"]
    assert isinstance(addresses, dict)
    return [a["addr"] for entries in addresses.values() for a in entries
            if a["OS-EXT-IPS:type"] == "floating"]


def test_network_changed_shows_and_hides_a_floating_ip(compute: Compute) -> None:
    server = compute.boot()
    port_id = compute.clients.network.list_ports(device_id=server["id"])[0]["id"]
    fip = compute.clients.network.add_floatingip(port_id, "172.24.4.7")
    event = {"name": "network-changed", "server_uuid": server["id"], "tag": port_id}
    resp = compute.as_("admin").post(URL, json={"events": [event]}, headers=MV)
    assert resp.status_code == 200, resp.text
    assert resp.json()["events"] == [dict(event, code=200, status="completed")]
    shown = compute.as_("member").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
    assert _floating(shown["server"]) == ["172.24.4.7"]
    entry = [a for a in shown["server"]["addresses"]["private"]
             if a["OS-EXT-IPS:type"] == "floating"][0]
    assert entry["version"] == 4 and entry["OS-EXT-IPS-MAC:mac_addr"]

    compute.clients.network.delete_floatingip(fip)
    assert compute.as_("admin").post(URL, json={"events": [event]}, headers=MV).status_code == 200
    shown = compute.as_("member").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
    assert _floating(shown["server"]) == []


def test_each_event_has_its_own_code(compute: Compute) -> None:
    server = compute.boot()
    unknown = str(uuid.uuid4())
    events = [{"name": "network-vif-plugged", "server_uuid": server["id"], "tag": "p"},
              {"name": "network-changed", "server_uuid": unknown}]
    resp = compute.as_("admin").post(URL, json={"events": events}, headers=MV)
    assert resp.status_code == 207, resp.text
    assert [e["code"] for e in resp.json()["events"]] == [200, 404]
    assert resp.json()["events"][1]["status"] == "failed"

    resp = compute.as_("admin").post(URL, json={"events": events[1:]}, headers=MV)
    assert resp.status_code == 404
    assert "itemNotFound" in resp.json()


def test_a_server_without_a_host_is_a_422(compute: Compute) -> None:
    # No host fits a flavor this big, so the server never gets one.
    resp = compute.as_("admin").post("/v2.1/flavors", json={"flavor": {
        "name": "huge", "ram": 10**7, "vcpus": 1, "disk": 1, "id": "huge"}}, headers=MV)
    assert resp.status_code == 200, resp.text
    compute.without_quota_limits()
    server = compute.boot(wait=None, flavorRef="huge")
    event = {"name": "network-changed", "server_uuid": server["id"]}
    compute.wait(server["id"], "ERROR")
    resp = compute.as_("admin").post(URL, json={"events": [event]}, headers=MV)
    assert resp.status_code == 207
    assert resp.json()["events"][0]["code"] == 422


@pytest.mark.parametrize("body", [
    {"events": []},
    {"events": [{"name": "no-such-event", "server_uuid": str(uuid.uuid4())}]},
    {"events": [{"name": "network-changed"}]},
    {"events": [{"name": "network-changed", "server_uuid": "x", "extra": 1}]},
])
def test_malformed_events_are_a_400(compute: Compute, body: dict[str, object]) -> None:
    resp = compute.as_("admin").post(URL, json=body, headers=MV)
    assert resp.status_code == 400, resp.text


def test_volume_extended_exists_from_2_51(compute: Compute) -> None:
    server = compute.boot()
    event = {"name": "volume-extended", "server_uuid": server["id"], "tag": "v"}
    old = compute.as_("admin").post(URL, json={"events": [event]},
                                    headers={"OpenStack-API-Version": "compute 2.50"})
    assert old.status_code == 400
    assert compute.as_("admin").post(URL, json={"events": [event]},
                                     headers=MV).status_code == 200


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_and_services_send_events(compute: Compute, persona: str) -> None:
    server = compute.boot()
    event = {"name": "network-changed", "server_uuid": server["id"]}
    resp = compute.as_(persona).post(URL, json={"events": [event]}, headers=MV)
    assert resp.status_code == 403, resp.text


def _attached(compute: Compute, **server: object) -> tuple[str, str]:
    sid = compute.boot(**server)["id"]
    vol = compute.clients.volume.add()
    resp = compute.as_("member").post(f"/v2.1/servers/{sid}/os-volume_attachments",
                                      json={"volumeAttachment": {"volumeId": vol}}, headers=MV)
    assert resp.status_code == 200, resp.text
    compute.wait_for(lambda: compute.clients.volume.volumes[vol]["status"] == "in-use")
    return sid, vol


@pytest.mark.parametrize("fails", [False, True])
def test_volume_extended_grows_the_volume_in_the_guest(compute: Compute, fails: bool) -> None:
    sid, vol = _attached(compute, metadata={"fake_fail": "extend_volume"} if fails else {})
    # Cinder left it extending: compute grows it to extend_new_size and answers.
    compute.clients.volume.volumes[vol].update(status="extending", size=1,
                                               metadata={"extend_new_size": 3})
    event = {"name": "volume-extended", "server_uuid": sid, "tag": vol}
    resp = compute.as_("admin").post(URL, json={"events": [event]}, headers=MV)
    assert resp.status_code == 200, resp.text
    compute.wait_for(lambda: any(c.startswith("complete-extend")
                                 for c in compute.clients.volume.calls))
    assert f"complete-extend:{fails}" in compute.clients.volume.calls
    shown = compute.guests()[sid]["volumes"]["/dev/vdb"].get("size_bytes")
    assert shown == (None if fails else 3 * 1024 ** 3)
    actions = compute.as_("member").get(f"/v2.1/servers/{sid}/os-instance-actions",
                                        headers=MV).json()["instanceActions"]
    assert actions[0]["action"] == "extend_volume"


def test_volume_extended_for_a_grown_volume_only_shows_it(compute: Compute) -> None:
    sid, vol = _attached(compute)
    compute.clients.volume.volumes[vol].update(size=2, metadata={})
    event = {"name": "volume-extended", "server_uuid": sid, "tag": vol}
    assert compute.as_("admin").post(URL, json={"events": [event]},
                                     headers=MV).status_code == 200
    compute.wait_for(lambda: compute.guests()[sid]["volumes"]["/dev/vdb"].get("size_bytes")
                     == 2 * 1024 ** 3)
    assert not any(c.startswith("complete-extend") for c in compute.clients.volume.calls)
