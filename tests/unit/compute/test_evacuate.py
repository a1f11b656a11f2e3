"""Evacuate: a server whose host's compute service is down is rebuilt on another host (the
scheduler's choice, or the one named), keeping its id, ports and volumes, with a migration of
type ``evacuation``; its old host destroys what is left of it when its agent starts again."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.compute.agent.recovery import recover
from nimbus.compute.db import server_migrations as migrations
from nimbus.compute.db.fake_guests import GuestRecords
from nimbus.compute.states import PowerState
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "evacuate from a down host: scheduler or named host, microversion "
                      "rules (2.14, 2.29, 2.68, 2.95), evacuation migrations, cleanup of the "
                      "source when it comes back")]

HOSTS = ("node-1", "node-2")


def version(v: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {v}"}


@pytest.fixture
def compute(make_compute: Any) -> Compute:
    made: Compute = make_compute(hosts=2)
    return made


def host_of(compute: Compute, server_id: str) -> str:
    shown = compute.as_("admin").get(f"/v2.1/servers/{server_id}", headers=MV).json()
    return str(shown["server"]["OS-EXT-SRV-ATTR:host"])


def other(host: str) -> str:
    return next(h for h in HOSTS if h != host)


def force_down(compute: Compute, host: str, down: bool = True) -> None:
    admin = compute.as_("admin")
    services = admin.get(f"/v2.1/os-services?host={host}&binary=nova-compute",
                         headers=MV).json()["services"]
    resp = admin.put(f"/v2.1/os-services/{services[0]['id']}", json={"forced_down": down},
                     headers=MV)
    assert resp.status_code == 200, resp.text


def evacuate(compute: Compute, server_id: str, body: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, persona: str = "admin") -> Any:
    return compute.as_(persona).post(f"/v2.1/servers/{server_id}/action",
                                     json={"evacuate": body or {}},
                                     headers=headers or version("2.94"))


def down_server(compute: Compute) -> tuple[dict[str, Any], str]:
    server = compute.boot()
    source = host_of(compute, server["id"])
    force_down(compute, source)
    return server, source


def test_a_server_is_rebuilt_elsewhere_with_its_ports(compute: Compute) -> None:
    server, source = down_server(compute)
    before = compute.as_("admin").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
    resp = evacuate(compute, server["id"])
    assert resp.status_code == 200, resp.text
    assert not resp.content     # nothing from 2.14
    done = compute.wait(server["id"], "ACTIVE")
    assert done["OS-EXT-SRV-ATTR:host"] == other(source)
    assert done["addresses"] == before["server"]["addresses"]
    port = compute.clients.network.list_ports(device_id=server["id"])[0]
    assert port["binding:host_id"] == other(source)
    guest = compute.guests(other(source))[server["id"]]
    assert guest["power"] == PowerState.RUNNING
    [migration] = migrations.list_migrations(compute.state.db, instance_uuid=server["id"])
    assert (migration.migration_type, migration.status) == ("evacuation", "done")
    assert (migration.source_compute, migration.dest_compute) == (source, other(source))
    listed = compute.as_("admin").get("/v2.1/os-migrations", headers=MV).json()["migrations"]
    assert [m["migration_type"] for m in listed] == ["evacuation"]
    # Nova's instance type ids: the flavor's own integer id.
    assert isinstance(listed[0]["old_instance_type_id"], int)
    actions = compute.as_("admin").get(f"/v2.1/servers/{server['id']}/os-instance-actions",
                                       headers=MV).json()["instanceActions"]
    assert actions[0]["action"] == "evacuate"
    # The allocation followed it.
    rp = compute.clients.placement.find_provider(other(source))
    assert rp is not None
    assert set(compute.clients.placement.allocations[server["id"]]) == {rp["uuid"]}

    # Back up, the old host destroys its copy of the guest and closes the migration.
    assert server["id"] in compute.guests(source)
    force_down(compute, source, down=False)
    agent = next(a for a in compute.state.agents if a.host == source)
    recover(agent.work)
    assert server["id"] not in compute.guests(source)
    assert server["id"] in compute.guests(other(source))
    found = migrations.find_migration(compute.state.db, migration.uuid)
    assert found is not None and found.status == "completed"


def test_from_295_the_server_ends_stopped(compute: Compute) -> None:
    server, source = down_server(compute)
    assert evacuate(compute, server["id"], {"host": other(source)},
                    headers=version("2.95")).status_code == 200
    done = compute.wait(server["id"], "SHUTOFF")
    assert done["OS-EXT-SRV-ATTR:host"] == other(source)
    assert compute.guests(other(source))[server["id"]]["power"] == PowerState.SHUTDOWN


def test_a_stopped_server_stays_stopped(compute: Compute) -> None:
    server = compute.boot()
    compute.as_("member").post(f"/v2.1/servers/{server['id']}/action",
                               json={"os-stop": None}, headers=MV)
    compute.wait(server["id"], "SHUTOFF")
    source = host_of(compute, server["id"])
    force_down(compute, source)
    assert evacuate(compute, server["id"]).status_code == 200
    assert compute.wait(server["id"], "SHUTOFF")["OS-EXT-SRV-ATTR:host"] == other(source)


def test_only_from_a_host_that_is_down(compute: Compute) -> None:
    server = compute.boot()
    source = host_of(compute, server["id"])
    resp = evacuate(compute, server["id"])
    assert resp.status_code == 400 and "still in use" in resp.text
    force_down(compute, source)
    assert evacuate(compute, server["id"], {"host": source}).status_code == 400
    assert evacuate(compute, server["id"], {"host": "nowhere"}).status_code == 404
    assert evacuate(compute, server["id"], persona="member").status_code == 403
    assert evacuate(compute, server["id"], {"host": "bad host!"}).status_code == 400


@pytest.mark.parametrize(("mv", "body", "status"), [
    ("2.1", {}, 400),                                       # onSharedStorage required
    ("2.1", {"onSharedStorage": True, "adminPass": "x"}, 400),
    ("2.14", {"onSharedStorage": False}, 400),              # gone at 2.14
    ("2.14", {"force": True, "host": "node-2"}, 400),       # not yet
    ("2.29", {"force": True}, 400),                         # forced to no host
    ("2.68", {"force": False}, 400),                        # gone again at 2.68
])
def test_microversion_rules(compute: Compute, mv: str, body: dict[str, Any],
                            status: int) -> None:
    server, _ = down_server(compute)
    resp = evacuate(compute, server["id"], body, headers=version(mv))
    assert resp.status_code == status, resp.text


def test_before_214_the_answer_has_the_password(compute: Compute) -> None:
    server, _ = down_server(compute)
    resp = evacuate(compute, server["id"], {"onSharedStorage": "false", "adminPass": "pw"},
                    headers=version("2.13"))
    assert resp.status_code == 200 and resp.json() == {"adminPass": "pw"}
    compute.wait(server["id"], "ACTIVE")


def test_forced_to_a_named_host(compute: Compute) -> None:
    server, source = down_server(compute)
    resp = evacuate(compute, server["id"], {"host": other(source), "force": True},
                    headers=version("2.29"))
    assert resp.status_code == 200, resp.text
    assert compute.wait(server["id"], "ACTIVE")["OS-EXT-SRV-ATTR:host"] == other(source)


def test_with_nowhere_to_go_the_server_is_in_error(compute: Compute) -> None:
    server, source = down_server(compute)
    force_down(compute, other(source))
    # The scheduler's view of the hosts may be a moment old: read it again now.
    scheduler = next(w.endpoint for w in compute.cloud.runtimes["compute"].workers
                     if getattr(w, "topic", "") == "scheduler")
    scheduler.host_states.mark_stale()
    assert evacuate(compute, server["id"]).status_code == 200
    failed = compute.wait(server["id"], "ERROR")
    assert failed["OS-EXT-SRV-ATTR:host"] == source
    assert "No valid host" in failed["fault"]["message"]
    [migration] = migrations.list_migrations(compute.state.db, instance_uuid=server["id"])
    assert migration.status == "error"
    # Its guest is still where it was: nothing to clean up there.
    assert server["id"] in GuestRecords(compute.state.db, source).all()


def test_which_states_may_be_evacuated(compute: Compute) -> None:
    paused = compute.boot()
    compute.as_("member").post(f"/v2.1/servers/{paused['id']}/action", json={"pause": None},
                               headers=MV)
    compute.wait(paused["id"], "PAUSED")
    source = host_of(compute, paused["id"])
    force_down(compute, source)
    assert evacuate(compute, paused["id"]).status_code == 409
    # A server in ERROR comes back running.
    compute.as_("admin").post(f"/v2.1/servers/{paused['id']}/action",
                              json={"os-resetState": {"state": "error"}}, headers=MV)
    assert evacuate(compute, paused["id"]).status_code == 200
    back = compute.wait(paused["id"], "ACTIVE")
    assert back["OS-EXT-SRV-ATTR:host"] == other(source)
    assert compute.guests(other(source))[paused["id"]]["power"] == PowerState.RUNNING
