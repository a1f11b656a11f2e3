"""``os-services``: list, enable/disable (with a reason), force down, delete, per microversion;
what the scheduler makes of it, and that it outlives a restart."""

from __future__ import annotations

import time
from typing import Any

import pytest

from nimbus.compute.manager.hosts import HostManager
from nimbus.compute.scheduler.host_states import MAX_AGE
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "os-services: enable, disable, disable-log-reason, force-down, update "
                      "by id (2.53), delete; persisted and honoured by the scheduler")]

V21 = {"OpenStack-API-Version": "compute 2.1"}
V211 = {"OpenStack-API-Version": "compute 2.11"}
V252 = {"OpenStack-API-Version": "compute 2.52"}


def _services(compute: Compute, headers: dict[str, str] = MV, **query: str) -> list[Any]:
    resp = compute.as_("admin").get("/v2.1/os-services", params=query, headers=headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["services"])


def _compute_service(compute: Compute, host: str, headers: dict[str, str] = MV) -> Any:
    return next(s for s in _services(compute, headers, host=host, binary="nova-compute"))


def test_list_shapes(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    old = _compute_service(compute, "node-1", V21)
    assert isinstance(old["id"], int) and "forced_down" not in old
    assert set(old) == {"id", "binary", "host", "zone", "status", "state", "updated_at",
                        "disabled_reason"}
    new = _compute_service(compute, "node-1")
    assert isinstance(new["id"], str) and len(new["id"]) == 36 and new["forced_down"] is False
    assert new["zone"] == "nova" and new["status"] == "enabled" and new["state"] == "up"
    scheduler = _services(compute, binary="nova-scheduler")[0]
    assert scheduler["zone"] == "internal"
    assert _services(compute, host="nowhere") == []


def test_actions_before_253(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    admin = compute.as_("admin")
    body = {"host": "node-1", "binary": "nova-compute"}
    resp = admin.put("/v2.1/os-services/disable", json=body, headers=V21)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"service": {"host": "node-1", "binary": "nova-compute",
                                       "status": "disabled"}}
    resp = admin.put("/v2.1/os-services/disable-log-reason",
                     json={**body, "disabled_reason": "maintenance"}, headers=V21)
    assert resp.json()["service"]["disabled_reason"] == "maintenance"
    shown = _compute_service(compute, "node-1", V21)
    assert shown["status"] == "disabled" and shown["disabled_reason"] == "maintenance"
    assert admin.put("/v2.1/os-services/disable-log-reason", json=body,
                     headers=V21).status_code == 400
    resp = admin.put("/v2.1/os-services/enable", json=body, headers=V21)
    assert resp.json()["service"]["status"] == "enabled"
    assert _compute_service(compute, "node-1", V21)["disabled_reason"] is None

    # force-down exists from 2.11.
    assert admin.put("/v2.1/os-services/force-down", json={**body, "forced_down": True},
                     headers=V21).status_code == 400
    resp = admin.put("/v2.1/os-services/force-down", json={**body, "forced_down": True},
                     headers=V211)
    assert resp.json() == {"service": {"host": "node-1", "binary": "nova-compute",
                                       "forced_down": True}}
    shown = _compute_service(compute, "node-1", V211)
    assert shown["forced_down"] is True and shown["state"] == "down"
    admin.put("/v2.1/os-services/force-down", json={**body, "forced_down": "false"},
              headers=V211)
    assert _compute_service(compute, "node-1", V211)["state"] == "up"

    assert admin.put("/v2.1/os-services/reboot", json=body, headers=V21).status_code == 404
    unknown = admin.put("/v2.1/os-services/disable", headers=V21,
                        json={"host": "nowhere", "binary": "nova-compute"})
    assert unknown.status_code == 404
    scheduler = admin.put("/v2.1/os-services/disable", headers=V21,
                          json={"host": "node", "binary": "nova-scheduler"})
    assert scheduler.status_code == 400


def test_update_by_uuid_from_253(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    admin = compute.as_("admin")
    service = _compute_service(compute, "node-2")
    path = f"/v2.1/os-services/{service['id']}"
    resp = admin.put(path, json={"status": "disabled", "disabled_reason": "bad disk"},
                     headers=MV)
    assert resp.status_code == 200, resp.text
    shown = resp.json()["service"]
    assert shown["id"] == service["id"] and shown["status"] == "disabled"
    assert shown["disabled_reason"] == "bad disk" and shown["forced_down"] is False
    resp = admin.put(path, json={"forced_down": True}, headers=MV)
    assert resp.json()["service"]["forced_down"] is True
    resp = admin.put(path, json={"status": "enabled", "forced_down": False}, headers=MV)
    assert resp.json()["service"]["status"] == "enabled"
    assert resp.json()["service"]["state"] == "up"
    for bad in ({}, {"disabled_reason": "x"}, {"status": "enabled", "disabled_reason": "x"},
                {"status": "sleeping"}):
        assert admin.put(path, json=bad, headers=MV).status_code == 400, bad
    assert admin.put("/v2.1/os-services/not-a-uuid", json={"status": "enabled"},
                     headers=MV).status_code == 400
    forged = service["id"][:-1] + ("0" if service["id"][-1] != "0" else "1")
    assert admin.put(f"/v2.1/os-services/{forged}", json={"status": "enabled"},
                     headers=MV).status_code == 404
    scheduler = _services(compute, binary="nova-scheduler")[0]
    assert admin.put(f"/v2.1/os-services/{scheduler['id']}", json={"status": "disabled"},
                     headers=MV).status_code == 400


def test_scheduler_skips_disabled_and_forced_down_hosts(make_compute: Any) -> None:
    compute = make_compute(hosts=3)
    admin = compute.as_("admin")
    ids = {h: _compute_service(compute, h)["id"] for h in ("node-1", "node-2", "node-3")}
    admin.put(f"/v2.1/os-services/{ids['node-1']}", json={"status": "disabled"}, headers=MV)
    admin.put(f"/v2.1/os-services/{ids['node-2']}", json={"forced_down": True}, headers=MV)
    hosts = compute.state.hosts
    assert not hosts.is_enabled("node-1") and not hosts.is_enabled("node-2")
    # The scheduler reads the hosts again once its view is older than this.
    time.sleep(MAX_AGE + 0.1)
    assert hosts.is_enabled("node-3") and not hosts.is_enabled("nowhere")
    for _ in range(3):
        server = compute.boot()
        shown = admin.get(f"/v2.1/servers/{server['id']}", headers=MV).json()["server"]
        assert shown["OS-EXT-SRV-ATTR:host"] == "node-3"
    admin.put(f"/v2.1/os-services/{ids['node-3']}", json={"status": "disabled"}, headers=MV)
    time.sleep(MAX_AGE + 0.1)
    failed = compute.boot(wait="ERROR")
    assert "No valid host" in failed["fault"]["message"]
    # A disabled host's agent still serves the servers it has: they are deleted through it.
    compute.as_("member").delete(f"/v2.1/servers/{server['id']}")
    compute.wait(server["id"], "GONE")


def test_disabled_outlives_a_restart(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    admin = compute.as_("admin")
    service = _compute_service(compute, "node-1")
    admin.put(f"/v2.1/os-services/{service['id']}",
              json={"status": "disabled", "disabled_reason": "r", "forced_down": True},
              headers=MV)
    # What a restarted agent does first: report in again. What the service reads is the
    # database's, whichever process reads it.
    compute.cloud.registry.report("nova-compute", "node-1")
    again = HostManager(compute.cloud.registry, compute.state.db).find("nova-compute", "node-1")
    assert again is not None and again.disabled and again.disabled_reason == "r"
    assert again.forced_down and not again.enabled


def test_delete(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    admin = compute.as_("admin")
    placement = compute.clients.placement
    compute.wait_for(lambda: placement.find_provider("node-2") is not None)
    agg = admin.post("/v2.1/os-aggregates", json={"aggregate": {"name": "a"}}).json()
    admin.post(f"/v2.1/os-aggregates/{agg['aggregate']['id']}/action",
               json={"add_host": {"host": "node-2"}})
    server = compute.boot()
    busy = admin.get(f"/v2.1/servers/{server['id']}", headers=MV).json()["server"][
        "OS-EXT-SRV-ATTR:host"]
    idle = "node-1" if busy == "node-2" else "node-2"
    busy_service = _compute_service(compute, busy)
    refused = admin.delete(f"/v2.1/os-services/{busy_service['id']}", headers=MV)
    assert refused.status_code == 409
    assert "hosting instances" in refused.json()["conflictingRequest"]["message"]

    # Agents heartbeat: stop them so that the deleted service stays deleted.
    for agent in compute.state.agents:
        agent.stop()
    compute.cloud.registry.stop()
    idle_service = _compute_service(compute, idle)
    assert admin.delete(f"/v2.1/os-services/{idle_service['id']}", headers=MV).status_code == 204
    assert placement.find_provider(idle) is None
    assert _services(compute, host=idle) == []
    shown = admin.get(f"/v2.1/os-aggregates/{agg['aggregate']['id']}").json()["aggregate"]
    assert idle not in shown["hosts"]
    assert admin.delete(f"/v2.1/os-services/{idle_service['id']}",
                        headers=MV).status_code == 404

    # Before 2.53 a service is named by its integer id.
    by_number = _compute_service(compute, busy, V252)
    assert admin.delete("/v2.1/os-services/abc", headers=V252).status_code == 400
    # A superscript digit is a digit to str.isdigit() but no integer: still a 400.
    assert admin.delete("/v2.1/os-services/\u00b3", headers=V252).status_code == 400
    assert admin.delete("/v2.1/os-services/abc", headers=MV).status_code == 400
    assert admin.delete(f"/v2.1/os-services/{by_number['id']}",
                        headers=V252).status_code == 409


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_see_and_change_services(compute: Compute, persona: str) -> None:
    api = compute.as_(persona)
    service = _compute_service(compute, "node")
    assert api.get("/v2.1/os-services").status_code == 403
    assert api.put(f"/v2.1/os-services/{service['id']}", json={"status": "disabled"},
                   headers=MV).status_code == 403
    assert api.put("/v2.1/os-services/disable", json={"host": "node", "binary": "nova-compute"},
                   headers=V21).status_code == 403
    assert api.delete(f"/v2.1/os-services/{service['id']}", headers=MV).status_code == 403
    assert _compute_service(compute, "node")["status"] == "enabled"
