"""Start-up recovery: servers left in every transitional state (as a crash leaves them, rows
written directly) are resumed to their final state, or put in ERROR with a fault, when the
scheduler and the agent start; nothing they held is leaked, and the owner can delete them."""

from __future__ import annotations

import time
import uuid as uuidlib
from typing import Any

import pytest
from sqlalchemy import update

from nimbus.compute.db import attachments as bdms_db
from nimbus.compute.db import instances as dbapi
from nimbus.compute.db.fake_guests import GuestRecords
from nimbus.compute.db.models import Instance
from nimbus.compute.drivers import fake
from nimbus.compute.manager.claims import resources_of
from nimbus.compute.manager.flavors import snapshot
from nimbus.compute.rpcapi import SchedulerAPI
from nimbus.compute.states import PowerState, TaskState, VmState
from nimbus.conf.settings import load
from tests.support.personas import project_of, user_of
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

COVERS = [("compute", "scheduler and agent recovery at start-up: every transitional state "
                      "resumed or failed with a fault, nothing leaked"),
          ("compute", "RPC handlers drop redelivered messages for servers that moved on")]

HOST = "node"
IMAGE_KEYS = ("id", "name", "status", "disk_format", "container_format", "min_disk",
              "min_ram", "size", "checksum", "os_hash_value")


@pytest.fixture
def compute(make_compute: Any) -> Compute:
    made: Compute = make_compute(workers=False)
    return made


def _spec(compute: Compute, *, with_image: bool = True) -> dict[str, Any]:
    flavor = snapshot(compute.state.flavors.get("42"))
    image = compute.clients.image.get_image(IMAGE_ID)
    return {"flavor": flavor, "image": {k: image.get(k) for k in IMAGE_KEYS} if with_image
            else None, "project_id": project_of("member"), "user_id": user_of("member"),
            "force_host": None}


def _row(compute: Compute, vm_state: str, task_state: str | None, host: str | None = HOST,
         keep_spec: bool = True, **values: Any) -> str:
    """A server written as a crash leaves it: straight into the table, no state machine."""
    spec = _spec(compute)
    uuid = str(uuidlib.uuid4())
    row = {"uuid": uuid, "name": "vm", "project_id": project_of("member"),
           "user_id": user_of("member"), "flavor_id": "42", "flavor": spec["flavor"],
           "image_ref": IMAGE_ID, "vm_state": vm_state, "task_state": task_state,
           "host": host, "node": host, "security_groups": [{"name": "default"}],
           "requested_networks": [{"net_id": NETWORK_ID, "net_name": "private",
                                   "port_id": None, "fixed_ip": None, "tag": None}],
           "request_spec": spec if keep_spec else None, **values}
    with compute.state.db.writer() as s:
        s.add(Instance(**row))
    return uuid


def _port(compute: Compute, device_id: str, owner: str = "compute:nova") -> dict[str, Any]:
    return compute.clients.network.create_port({
        "network_id": NETWORK_ID, "project_id": project_of("member"), "device_id": device_id,
        "device_owner": owner, "binding:host_id": HOST})


def _guest(compute: Compute, uuid: str, power: int = PowerState.RUNNING) -> None:
    GuestRecords(compute.state.db, HOST).put(uuid, {"name": "g", "power": power, "vcpus": 1,
                                                    "ram": 512, "disk": 1, "volumes": {},
                                                    "ports": []})


def _scheduler(compute: Compute) -> Any:
    return next(w for w in compute.cloud.runtimes["compute"].workers
                if getattr(w, "topic", "") == "scheduler").endpoint


def _start(compute: Compute) -> None:
    """Start the workers as the cloud does, and wait for their recovery (done behind)."""
    compute.cloud.start_workers({"scheduler", "compute-agent"})
    for worker in [*compute.state.agents, _scheduler(compute)]:
        assert worker.recovered.wait(30)


def _rp(compute: Compute) -> str:
    found = compute.clients.placement.find_provider(HOST)
    assert found is not None
    return str(found["uuid"])


def _expected_allocation(compute: Compute) -> dict[str, Any]:
    wanted = {rc: n for rc, n in resources_of(_spec(compute)["flavor"]).items() if n > 0}
    return {_rp(compute): {"resources": wanted}}


def _server(compute: Compute, uuid: str) -> Instance:
    row = dbapi.find_instance(compute.state.db, uuid)
    assert row is not None
    return row


def _ports_of(compute: Compute, uuid: str) -> list[dict[str, Any]]:
    return compute.clients.network.list_ports(device_id=uuid)


def _assert_released(compute: Compute, uuid: str) -> None:
    assert _ports_of(compute, uuid) == []
    assert uuid not in compute.clients.placement.allocations


# -- the scheduler ---------------------------------------------------------------------------

def test_a_server_waiting_for_a_host_is_scheduled_and_built(compute: Compute) -> None:
    uuid = _row(compute, VmState.BUILDING, TaskState.SCHEDULING, host=None)
    # Claimed before the crash on a provider that no longer fits: dropped, not added to.
    compute.clients.placement.allocations[uuid] = {"stale-rp": {"resources": {"VCPU": 9}}}
    _start(compute)
    row = compute.wait(uuid, "ACTIVE")
    assert row["OS-EXT-SRV-ATTR:host"] == HOST
    assert compute.clients.placement.allocations[uuid] == _expected_allocation(compute)
    assert len(_ports_of(compute, uuid)) == 1 and uuid in compute.guests(HOST)


def test_a_server_recorded_without_its_spec_is_built_from_its_row(compute: Compute) -> None:
    uuid = _row(compute, VmState.BUILDING, TaskState.SCHEDULING, host=None, keep_spec=False)
    _start(compute)
    compute.wait(uuid, "ACTIVE")


def test_a_server_that_fits_nowhere_goes_to_error(compute: Compute) -> None:
    spec = dict(_spec(compute), force_host="elsewhere")
    uuid = _row(compute, VmState.BUILDING, TaskState.SCHEDULING, host=None, request_spec=spec)
    compute.clients.placement.allocations[uuid] = {"stale-rp": {"resources": {"VCPU": 1}}}
    _start(compute)
    row = _server(compute, uuid)
    assert (row.vm_state, row.task_state) == (VmState.ERROR, None)
    assert row.fault and "not enough hosts" in row.fault["message"]
    _assert_released(compute, uuid)


def test_a_delete_without_a_host_is_finished(compute: Compute) -> None:
    uuid = _row(compute, VmState.BUILDING, TaskState.DELETING, host=None)
    _port(compute, uuid)
    compute.clients.placement.allocations[uuid] = {"rp": {"resources": {"VCPU": 1}}}
    _start(compute)
    assert dbapi.find_instance(compute.state.db, uuid) is None
    _assert_released(compute, uuid)


def test_a_schedule_message_again_is_dropped(compute: Compute) -> None:
    _start(compute)
    server = compute.boot()
    held = dict(compute.clients.placement.allocations)
    ports = dict(compute.clients.network.ports)
    _scheduler(compute).schedule_and_build({}, server["id"], _spec(compute))
    assert compute.clients.placement.allocations == held
    assert compute.clients.network.ports == ports


def test_a_scheduler_that_loses_a_race_puts_the_winners_claim_back(
        compute: Compute, monkeypatch: pytest.MonkeyPatch) -> None:
    _start(compute)
    uuid = _row(compute, VmState.BUILDING, TaskState.SCHEDULING, host=None)
    placement = compute.clients.placement
    claim = placement.claim

    def racing(consumer: str, allocations: Any, project: str, user: str,
               generation: int | None) -> None:
        # Another scheduler hands the server to its host meanwhile; our claim lands last.
        if dbapi.update_instance(compute.state.db, uuid, expected_task=TaskState.SCHEDULING,
                                 host=HOST, node=HOST, task_state=TaskState.NETWORKING):
            allocations = {"elsewhere": {"resources": {"VCPU": 1}}}
        claim(consumer, allocations, project, user)

    def racing_together(wanted: dict[str, dict[str, Any]]) -> None:
        for consumer, claim in wanted.items():
            racing(consumer, claim["allocations"], claim["project_id"], claim["user_id"], None)

    monkeypatch.setattr(placement, "replace_allocations", racing)
    monkeypatch.setattr(placement, "claim_new", racing_together)
    _scheduler(compute).schedule_and_build({}, uuid, _spec(compute))
    monkeypatch.undo()
    assert placement.allocations[uuid] == _expected_allocation(compute)
    assert _server(compute, uuid).task_state == TaskState.NETWORKING


# -- the agent: builds -----------------------------------------------------------------------

def test_a_build_cut_short_while_networking_is_resumed(compute: Compute) -> None:
    uuid = _row(compute, VmState.BUILDING, TaskState.NETWORKING)
    leftover = _port(compute, uuid)     # made, not yet recorded, when the agent stopped
    _start(compute)
    compute.wait(uuid, "ACTIVE")
    row = _server(compute, uuid)
    assert leftover["id"] not in compute.clients.network.ports
    assert [p["id"] for p in _ports_of(compute, uuid)] == [row.ports[0]["port_id"]]
    # Its allocation was lost with the crash: claimed again, once.
    assert compute.clients.placement.allocations[uuid] == _expected_allocation(compute)


def test_a_resumed_build_binds_the_users_own_port_again(compute: Compute) -> None:
    own = _port(compute, "", owner="")
    uuid = _row(compute, VmState.BUILDING, TaskState.NETWORKING, requested_networks=[
        {"net_id": NETWORK_ID, "net_name": "private", "port_id": own["id"], "fixed_ip": None,
         "tag": None}])
    compute.clients.network.update_port(own["id"], {"device_id": uuid,
                                                    "device_owner": "compute:nova"})
    _start(compute)
    compute.wait(uuid, "ACTIVE")
    assert compute.clients.network.ports[own["id"]]["device_id"] == uuid
    assert [p["id"] for p in _ports_of(compute, uuid)] == [own["id"]]


def test_a_build_cut_short_while_spawning_reuses_its_ports(compute: Compute) -> None:
    uuid = _row(compute, VmState.BUILDING, TaskState.SPAWNING)
    port = _port(compute, uuid)
    dbapi.update_instance(compute.state.db, uuid, ports=[{
        "port_id": port["id"], "net_id": NETWORK_ID, "net_name": "private",
        "mac": port["mac_address"], "fixed_ips": port["fixed_ips"], "status": "ACTIVE",
        "created": True, "tag": None}])
    _guest(compute, uuid, PowerState.NOSTATE)    # half made
    _start(compute)
    compute.wait(uuid, "ACTIVE")
    assert [p["id"] for p in _ports_of(compute, uuid)] == [port["id"]]
    assert compute.guests(HOST)[uuid]["power"] == PowerState.RUNNING


def test_a_build_that_cannot_be_resumed_fails_and_can_be_deleted(compute: Compute) -> None:
    uuid = _row(compute, VmState.BUILDING, TaskState.SPAWNING)
    port = _port(compute, uuid)
    dbapi.update_instance(compute.state.db, uuid, ports=[{
        "port_id": port["id"], "net_id": NETWORK_ID, "created": True}])
    compute.clients.placement.allocations[uuid] = {"rp": {"resources": {"VCPU": 1}}}
    fake.FakeDriver.spawns_again = False
    try:
        _start(compute)
    finally:
        fake.FakeDriver.spawns_again = True
    server = compute.wait(uuid, "ERROR", persona="member")
    assert "interrupted by a restart" in server["fault"]["message"]
    _assert_released(compute, uuid)
    assert compute.as_("member").delete(f"/v2.1/servers/{uuid}").status_code == 204
    compute.wait(uuid, "GONE", persona="member")


def test_a_resume_that_fails_puts_the_server_in_error(compute: Compute) -> None:
    uuid = _row(compute, VmState.BUILDING, TaskState.NETWORKING,
                metadata_items={"fake_fail": "spawn"})
    _start(compute)
    server = compute.wait(uuid, "ERROR", persona="member")
    assert "could not be resumed" in server["fault"]["message"]
    assert "asked to fail spawn" in server["fault"]["message"]
    _assert_released(compute, uuid)


# -- the agent: actions, snapshots, deletes --------------------------------------------------

@pytest.mark.parametrize(("vm_state", "task", "power", "final"), [
    (VmState.ACTIVE, TaskState.REBOOTING, PowerState.RUNNING, "ACTIVE"),
    (VmState.ACTIVE, TaskState.REBOOTING_HARD, PowerState.RUNNING, "ACTIVE"),
    (VmState.ACTIVE, TaskState.POWERING_OFF, PowerState.RUNNING, "SHUTOFF"),
    (VmState.STOPPED, TaskState.POWERING_ON, PowerState.SHUTDOWN, "ACTIVE"),
    (VmState.ACTIVE, TaskState.PAUSING, PowerState.RUNNING, "PAUSED"),
    (VmState.PAUSED, TaskState.UNPAUSING, PowerState.PAUSED, "ACTIVE"),
    (VmState.ACTIVE, TaskState.SUSPENDING, PowerState.RUNNING, "SUSPENDED"),
    (VmState.SUSPENDED, TaskState.RESUMING, PowerState.SUSPENDED, "ACTIVE"),
])
def test_an_action_cut_short_is_finished(compute: Compute, vm_state: str, task: str,
                                         power: int, final: str) -> None:
    uuid = _row(compute, vm_state, task)
    _guest(compute, uuid, power)
    _start(compute)
    compute.wait(uuid, final)


def test_an_action_that_fails_again_takes_the_state_the_host_reports(compute: Compute) -> None:
    uuid = _row(compute, VmState.ACTIVE, TaskState.POWERING_OFF,
                metadata_items={"fake_fail": "power_off"})
    _guest(compute, uuid, PowerState.RUNNING)
    gone = _row(compute, VmState.STOPPED, TaskState.POWERING_ON)     # its guest is lost
    _start(compute)
    row = _server(compute, uuid)
    assert (row.vm_state, row.task_state) == (VmState.ACTIVE, None)
    assert row.fault and "power_off" in row.fault["message"]
    lost = _server(compute, gone)
    assert (lost.vm_state, lost.task_state) == (VmState.ERROR, None)


@pytest.mark.parametrize("task", [TaskState.IMAGE_SNAPSHOT, TaskState.IMAGE_PENDING_UPLOAD,
                                  TaskState.IMAGE_UPLOADING])
def test_a_snapshot_cut_short_drops_its_unfinished_image(compute: Compute, task: str) -> None:
    image_id = str(uuidlib.uuid4())
    compute.clients.image.create_image({"id": image_id, "name": "snap"})
    compute.clients.image.images[image_id]["status"] = "saving"
    uuid = _row(compute, VmState.ACTIVE, task, snapshot_image_id=image_id)
    _guest(compute, uuid)
    _start(compute)
    row = _server(compute, uuid)
    assert (row.vm_state, row.task_state, row.snapshot_image_id) == (VmState.ACTIVE, None,
                                                                     None)
    assert image_id not in compute.clients.image.images


def test_a_snapshot_whose_upload_finished_keeps_its_image(compute: Compute) -> None:
    image_id = compute.clients.image.add(str(uuidlib.uuid4()), b"disk", "raw")
    uuid = _row(compute, VmState.ACTIVE, TaskState.IMAGE_UPLOADING, snapshot_image_id=image_id)
    _guest(compute, uuid)
    missing = _row(compute, VmState.ACTIVE, TaskState.IMAGE_SNAPSHOT,
                   snapshot_image_id=str(uuidlib.uuid4()))    # never made: nothing to drop
    _start(compute)
    assert _server(compute, uuid).task_state is None
    assert image_id in compute.clients.image.images
    assert _server(compute, missing).task_state is None


def test_a_delete_cut_short_is_finished(compute: Compute) -> None:
    volumes = compute.clients.volume
    image_id = str(uuidlib.uuid4())
    compute.clients.image.create_image({"id": image_id, "name": "snap"})   # never uploaded
    uuid = _row(compute, VmState.ACTIVE, TaskState.DELETING, snapshot_image_id=image_id)
    _guest(compute, uuid)
    port = _port(compute, uuid)
    dbapi.update_instance(compute.state.db, uuid, ports=[{"port_id": port["id"],
                                                          "net_id": NETWORK_ID,
                                                          "created": True}])
    volume = volumes.add()
    attachment = volumes.create_attachment(volume, uuid)
    bdms_db.add_attachment(compute.state.db, {"instance_uuid": uuid, "volume_id": volume,
                                              "attachment_id": attachment["id"],
                                              "device_name": "/dev/vdb"})
    compute.clients.placement.allocations[uuid] = {"rp": {"resources": {"VCPU": 1}}}
    _start(compute)
    assert dbapi.find_instance(compute.state.db, uuid) is None
    _assert_released(compute, uuid)
    assert uuid not in compute.guests(HOST)
    assert attachment["id"] not in volumes.attachments
    assert volumes.volumes[volume]["status"] == "available"
    assert image_id not in compute.clients.image.images


def test_an_attach_and_a_detach_cut_short_are_done(compute: Compute) -> None:
    volumes = compute.clients.volume
    uuid = _row(compute, VmState.ACTIVE, None)
    _guest(compute, uuid)
    attaching, detaching = volumes.add(), volumes.add()
    rows = {}
    for volume, device in ((attaching, "/dev/vdb"), (detaching, "/dev/vdc")):
        att = volumes.create_attachment(volume, uuid)
        rows[volume] = bdms_db.add_attachment(compute.state.db, {
            "instance_uuid": uuid, "volume_id": volume, "attachment_id": att["id"],
            "device_name": device})
    bdms_db.update_attachment(compute.state.db, rows[detaching].id, status="detaching")
    _start(compute)
    left = {b.volume_id: b.status for b in bdms_db.attachments_of(compute.state.db, uuid)}
    assert left == {attaching: "attached"}
    assert volumes.volumes[attaching]["status"] == "in-use"
    assert volumes.volumes[detaching]["status"] == "available"


def test_a_guest_of_no_server_is_destroyed(compute: Compute) -> None:
    orphan = str(uuidlib.uuid4())
    _guest(compute, orphan)
    _start(compute)
    assert orphan not in compute.guests(HOST)


def test_the_fake_hosts_guests_outlive_the_agent(compute: Compute) -> None:
    _start(compute)
    server = compute.boot()
    # A driver of a new process: it knows nothing but what the database holds.
    driver = fake.FakeDriver(HOST, compute.cloud.settings)
    driver.attach(GuestRecords(compute.state.db, HOST))
    assert driver.list_instances() == [server["id"]]


def test_a_fake_spawn_takes_the_time_it_is_set_to(tmp_path: Any) -> None:
    settings = load({"state_dir": str(tmp_path), "compute_fake_spawn_seconds": "0.2"})
    assert settings.compute.fake_spawn_seconds == 0.2
    driver = fake.FakeDriver("slow-host", settings)
    started = time.monotonic()
    driver.spawn({"uuid": "g", "flavor": {}, "metadata": {}}, {"id": IMAGE_ID})
    assert time.monotonic() - started >= 0.2
    assert driver.list_instances() == ["g"]


# -- messages delivered again ----------------------------------------------------------------

def _agent(compute: Compute) -> Any:
    return compute.state.agents[0]


def test_a_build_message_again_is_dropped(compute: Compute) -> None:
    _start(compute)
    server = compute.boot()
    ports = dict(compute.clients.network.ports)
    held = dict(compute.clients.placement.allocations)
    _agent(compute).build_instance({}, server["id"], _spec(compute), {})
    assert compute.clients.network.ports == ports
    assert compute.clients.placement.allocations == held
    assert compute.wait(server["id"], "ACTIVE")["OS-EXT-STS:task_state"] is None
    # For a server already gone, the message only makes sure nothing is held.
    _agent(compute).build_instance({}, str(uuidlib.uuid4()), _spec(compute), {})


def test_action_and_delete_messages_again_are_dropped(compute: Compute) -> None:
    _start(compute)
    server = compute.boot()
    agent = _agent(compute)
    agent.server_action({}, server["id"], "stop")       # no task: the stop was done already
    assert compute.wait(server["id"], "ACTIVE")
    agent.terminate_instance({}, server["id"])          # no delete was asked for
    assert compute.wait(server["id"], "ACTIVE")
    resp = compute.as_("member").post(f"/v2.1/servers/{server['id']}/action",
                                      json={"os-stop": None}, headers=MV)
    assert resp.status_code == 202
    compute.wait(server["id"], "SHUTOFF")
    agent.server_action({}, server["id"], "stop")
    assert compute.wait(server["id"], "SHUTOFF")


def test_a_delete_asked_again_is_driven_again(compute: Compute) -> None:
    uuid = _row(compute, VmState.ACTIVE, TaskState.DELETING, host="gone-host")
    _port(compute, uuid)
    _start(compute)
    assert compute.as_("member").delete(f"/v2.1/servers/{uuid}").status_code == 204
    compute.wait(uuid, "GONE", persona="member")
    assert _ports_of(compute, uuid) == []


def test_a_placed_build_whose_cast_was_lost_is_cast_again(make_compute: Any) -> None:
    """The scheduler recorded the host, then stopped before casting the build: its message
    comes again (never acknowledged), and the build is cast then, once."""
    compute: Compute = make_compute()
    server = compute.boot()
    row = dbapi.get_instance(compute.cloud.db, server["id"])
    with compute.cloud.db.writer() as s:
        s.execute(update(Instance).where(Instance.uuid == server["id"])
                  .values(vm_state="building", task_state="networking", ports=[]))
    # As if it had never been built: no port, no guest.
    for port in compute.clients.network.list_ports(device_id=server["id"]):
        compute.clients.network.delete_port(port["id"])
    GuestRecords(compute.state.db, str(row.host)).pop(server["id"])
    spec = dict(row.request_spec or {})
    scheduler = SchedulerAPI(compute.cloud.bus)
    scheduler.schedule_and_build({}, server["id"], spec)
    scheduler.schedule_and_build({}, server["id"], spec)
    done = compute.wait(server["id"], "ACTIVE")
    assert done["OS-EXT-SRV-ATTR:host"] == row.host
    # One build: one port, not two.
    assert len(compute.clients.network.list_ports(device_id=server["id"])) == 1
