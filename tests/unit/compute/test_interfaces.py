"""``os-interface`` attach and detach: ports made by compute are deleted on detach, ports the
user brought are unbound and kept."""

from __future__ import annotations

from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import NETWORK_ID, PROJECT

COVERS = [("compute", "os-interface attach/detach (new port on a network, user's own port)")]


def _ports(compute: Compute, server_id: str) -> list[str]:
    resp = compute.as_("member").get(f"/v2.1/servers/{server_id}/os-interface", headers=MV)
    return [i["port_id"] for i in resp.json()["interfaceAttachments"]]


def test_attach_and_detach_a_new_port(compute: Compute) -> None:
    server = compute.boot()
    url = f"/v2.1/servers/{server['id']}/os-interface"
    resp = compute.as_("member").post(url, json={"interfaceAttachment": {
        "net_id": NETWORK_ID, "tag": "second"}}, headers=MV)
    assert resp.status_code == 200, resp.text
    attached = resp.json()["interfaceAttachment"]
    assert attached["tag"] == "second" and attached["port_state"]
    assert attached["port_id"] in _ports(compute, server["id"])
    assert len(_ports(compute, server["id"])) == 2
    shown = compute.as_("member").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
    assert len(shown["server"]["addresses"]["private"]) == 2

    assert compute.as_("member").delete(f"{url}/{attached['port_id']}",
                                        headers=MV).status_code == 202
    compute.wait_for(lambda: len(_ports(compute, server["id"])) == 1)
    assert attached["port_id"] not in compute.clients.network.ports
    assert compute.as_("member").delete(f"{url}/{attached['port_id']}",
                                        headers=MV).status_code == 404


def test_a_users_port_is_unbound_not_deleted(compute: Compute) -> None:
    server = compute.boot()
    port = compute.clients.network.create_port({"network_id": NETWORK_ID,
                                                "project_id": PROJECT})
    url = f"/v2.1/servers/{server['id']}/os-interface"
    resp = compute.as_("member").post(url, json={"interfaceAttachment": {
        "port_id": port["id"]}}, headers=MV)
    assert resp.status_code == 200, resp.text
    assert compute.clients.network.ports[port["id"]]["device_id"] == server["id"]
    # Both a port and a network: refused.
    both = compute.as_("member").post(url, json={"interfaceAttachment": {
        "port_id": port["id"], "net_id": NETWORK_ID}}, headers=MV)
    assert both.status_code == 400
    compute.as_("member").delete(f"{url}/{port['id']}", headers=MV)
    compute.wait_for(lambda: port["id"] not in _ports(compute, server["id"]))
    assert compute.clients.network.ports[port["id"]]["device_id"] == ""


def test_other_projects_and_readers(compute: Compute) -> None:
    server = compute.boot()
    url = f"/v2.1/servers/{server['id']}/os-interface"
    body = {"interfaceAttachment": {"net_id": NETWORK_ID}}
    assert compute.as_("other").post(url, json=body, headers=MV).status_code == 404
    assert compute.as_("reader").post(url, json=body, headers=MV).status_code == 403
    port = _ports(compute, server["id"])[0]
    assert compute.as_("reader").delete(f"{url}/{port}", headers=MV).status_code == 403
