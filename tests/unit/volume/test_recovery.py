"""The volume agent's start: what a crash left on its host is resumed or failed, never left.

Rows are put in each transitional state as a crash would leave them, then the agent starts; each
test asserts the outcome, that nothing is leaked, and that the owner can delete what failed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.core.db.base import utcnow
from nimbus.volume import states
from nimbus.volume.agent import Reconciler, VolumeAgent, VolumeWork
from nimbus.volume.db.models import Attachment, Message, Snapshot, Volume
from nimbus.volume.drivers.fake import FakeDriver
from tests.support.personas import project_of
from tests.unit.volume.conftest import FakeCompute

COVERS = [("volume", "crash recovery at the agent's start: transitional states resumed or failed"),
          ("volume", "idempotent agent RPC handlers (redelivered messages dropped)")]

HOST = "node@fake"
POOL_HOST = "node@fake#fake"
LATEST = {"OpenStack-API-Version": "volume 3.70"}


class StubbornDriver(FakeDriver):
    """A backend whose creates cannot simply be run again."""

    resumable = False


class Crashed:
    """A cloud whose volume agent has not started yet: rows go in as a crash left them."""

    def __init__(self, cloud: Any, api: Any) -> None:
        self.cloud = cloud
        self.api = api
        self.project = project_of("member")
        # No server uses these attachments: compute, asked, says so.
        cloud.runtimes["volume"].state.attachments.compute = FakeCompute()

    def volume(self, status: str, host: str | None = POOL_HOST, **fields: Any) -> str:
        fields.setdefault("attach_status", states.DETACHED)
        with self.cloud.db.writer() as s:
            row = Volume(project_id=self.project, size=1, status=status, host=host,
                         updated_at=utcnow(), **fields)
            s.add(row)
            s.flush()
            return str(row.id)

    def snapshot(self, volume_id: str, status: str) -> str:
        with self.cloud.db.writer() as s:
            row = Snapshot(volume_id=volume_id, project_id=self.project, size=1, status=status,
                           updated_at=utcnow())
            s.add(row)
            s.flush()
            return str(row.id)

    def attachment(self, volume_id: str, status: str, instance: str = "server-1") -> str:
        with self.cloud.db.writer() as s:
            row = Attachment(volume_id=volume_id, project_id=self.project,
                             instance_uuid=instance, attach_status=status,
                             connector={"host": "node"} if status != "reserved" else {})
            s.add(row)
            s.flush()
            return str(row.id)

    def start(self) -> Reconciler:
        """Start the agent and wait for the work its reconciliation resumed."""
        self.cloud.start_workers({"volume-agent"})
        reconciler = next(w for w in self.cloud.runtimes["volume"].workers
                          if isinstance(w, Reconciler))
        reconciler.wait(timeout=10)
        return reconciler

    def row(self, model: type[Any], row_id: str) -> Any:
        with self.cloud.db.reader() as s:
            return s.get(model, row_id)

    def messages(self, resource_id: str) -> list[str]:
        with self.cloud.db.reader() as s:
            return [m.event_id for m in s.query(Message).filter_by(resource_uuid=resource_id)]

    def delete_as_owner(self, volume_id: str) -> None:
        resp = self.api.as_("member").delete(f"/v3/volumes/{volume_id}")
        assert resp.status_code == 202, resp.text
        wait_for(lambda: self.row(Volume, volume_id) is None)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition never became true")


@pytest.fixture
def crashed(make_cloud: Callable[..., Any]) -> Crashed:
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True, compute_host="node")
    return Crashed(cloud, api)


# -- volumes --------------------------------------------------------------------------------------
def test_creating_is_created_again(crashed: Crashed, caplog: pytest.LogCaptureFixture) -> None:
    volume_id = crashed.volume(states.CREATING)
    with caplog.at_level("INFO", logger="nimbus.volume"):
        crashed.start()
    row = crashed.row(Volume, volume_id)
    assert row.status == states.AVAILABLE and row.launched_at is not None
    assert row.provider_location == f"fake://volume-{volume_id}"
    lines = [r for r in caplog.records if volume_id in r.getMessage()]
    assert [r.levelname for r in lines] == ["INFO"]
    assert "creating it again" in lines[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]


def test_creating_with_no_host_is_taken_by_the_agent(crashed: Crashed) -> None:
    volume_id = crashed.volume(states.CREATING, host=None)
    crashed.start()
    row = crashed.row(Volume, volume_id)
    assert row.status == states.AVAILABLE and row.host == POOL_HOST


def test_creating_from_a_snapshot_that_is_gone_is_an_error_with_a_message(
        crashed: Crashed) -> None:
    volume_id = crashed.volume(states.CREATING, snapshot_id="00000000-0000-0000-0000-0000000000aa")
    crashed.start()
    assert crashed.row(Volume, volume_id).status == states.ERROR
    assert crashed.messages(volume_id) == ["VOLUME_VOLUME_008_102"]
    crashed.delete_as_owner(volume_id)


def test_creating_on_a_backend_that_cannot_resume_is_an_error(
        make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True, compute_host="node",
                            volume_driver=f"{__name__}:StubbornDriver")
    crashed = Crashed(cloud, api)
    volume_id = crashed.volume(states.CREATING)
    source = crashed.volume(states.AVAILABLE)
    snapshot_id = crashed.snapshot(source, states.CREATING)
    crashed.start()
    assert crashed.row(Volume, volume_id).status == states.ERROR
    assert crashed.messages(volume_id) == ["VOLUME_VOLUME_008_101"]
    assert crashed.row(Snapshot, snapshot_id).status == states.ERROR
    assert crashed.messages(snapshot_id) == ["VOLUME_VOLUME_SNAPSHOT_009_101"]
    shown = api.as_("member").get("/v3/messages", params={"resource_uuid": volume_id},
                                  headers=LATEST).json()["messages"]
    assert shown[0]["user_message"].startswith("create volume from backend storage:The volume "
                                               "service restarted")
    # The owner deletes what failed.
    crashed.delete_as_owner(volume_id)
    resp = api.as_("member").delete(f"/v3/snapshots/{snapshot_id}")
    assert resp.status_code == 202
    wait_for(lambda: crashed.row(Snapshot, snapshot_id) is None)


def test_deleting_is_deleted_with_its_snapshots(crashed: Crashed) -> None:
    volume_id = crashed.volume(states.DELETING)
    snapshot_id = crashed.snapshot(volume_id, states.DELETING)
    crashed.start()
    assert crashed.row(Volume, volume_id) is None
    assert crashed.row(Snapshot, snapshot_id) is None


def test_extending_fails_as_cinder_does_and_the_owner_can_delete_it(crashed: Crashed) -> None:
    volume_id = crashed.volume(states.EXTENDING)
    crashed.start()
    row = crashed.row(Volume, volume_id)
    assert row.status == states.ERROR_EXTENDING and row.size == 1
    assert crashed.messages(volume_id) == ["VOLUME_VOLUME_007_101"]
    crashed.delete_as_owner(volume_id)


@pytest.mark.parametrize(("status", "outcome"), [
    (states.DOWNLOADING, states.ERROR),
    (states.RESTORING_BACKUP, states.ERROR_RESTORING),
    (states.UPLOADING, states.AVAILABLE),
    (states.BACKING_UP, states.AVAILABLE),
    (states.RETYPING, states.AVAILABLE),
])
def test_other_transfers_are_failed_or_settled(crashed: Crashed, status: str,
                                               outcome: str) -> None:
    volume_id = crashed.volume(status)
    crashed.start()
    assert crashed.row(Volume, volume_id).status == outcome
    crashed.delete_as_owner(volume_id)


# -- attaching and detaching ----------------------------------------------------------------------
def test_attaching_without_attachments_goes_back_to_available(crashed: Crashed) -> None:
    volume_id = crashed.volume(states.ATTACHING, attach_status=states.DETACHED)
    crashed.start()
    row = crashed.row(Volume, volume_id)
    assert (row.status, row.attach_status) == (states.AVAILABLE, states.DETACHED)
    crashed.delete_as_owner(volume_id)


def test_an_uncompleted_connection_goes_back_to_reserved(crashed: Crashed) -> None:
    volume_id = crashed.volume(states.ATTACHING, attach_status=states.ATTACH_ATTACHING)
    attachment_id = crashed.attachment(volume_id, states.ATTACH_ATTACHING)
    crashed.start()
    assert crashed.row(Attachment, attachment_id).attach_status == states.ATTACH_RESERVED
    row = crashed.row(Volume, volume_id)
    assert (row.status, row.attach_status) == (states.RESERVED, states.ATTACH_RESERVED)
    # The consumer may still complete it, or release it; then the owner deletes the volume.
    api = crashed.api.as_("admin")
    done = api.post(f"/v3/attachments/{attachment_id}/action", json={"os-complete": None},
                    headers=LATEST)
    assert done.status_code == 204, done.text
    assert crashed.row(Volume, volume_id).status == states.IN_USE
    assert api.delete(f"/v3/attachments/{attachment_id}", headers=LATEST).status_code == 200
    crashed.delete_as_owner(volume_id)


def test_detaching_goes_back_to_in_use(crashed: Crashed) -> None:
    volume_id = crashed.volume(states.DETACHING, attach_status=states.ATTACHED)
    attached = crashed.attachment(volume_id, states.ATTACHED)
    half_detached = crashed.attachment(volume_id, states.ATTACH_DETACHING, instance="server-2")
    crashed.start()
    row = crashed.row(Volume, volume_id)
    assert (row.status, row.attach_status) == (states.IN_USE, states.ATTACHED)
    assert crashed.row(Attachment, attached).attach_status == states.ATTACHED
    assert crashed.row(Attachment, half_detached).attach_status == states.ATTACHED


def test_an_in_use_volume_keeps_its_status_when_a_second_connection_is_rolled_back(
        crashed: Crashed) -> None:
    volume_id = crashed.volume(states.IN_USE, attach_status=states.ATTACHED, multiattach=True)
    crashed.attachment(volume_id, states.ATTACHED)
    second = crashed.attachment(volume_id, states.ATTACH_ATTACHING, instance="server-2")
    crashed.start()
    assert crashed.row(Attachment, second).attach_status == states.ATTACH_RESERVED
    assert crashed.row(Volume, volume_id).status == states.IN_USE


# -- snapshots ------------------------------------------------------------------------------------
def test_snapshots_are_taken_again_or_deleted(crashed: Crashed) -> None:
    volume_id = crashed.volume(states.AVAILABLE)
    creating = crashed.snapshot(volume_id, states.CREATING)
    deleting = crashed.snapshot(volume_id, states.DELETING)
    crashed.start()
    row = crashed.row(Snapshot, creating)
    assert row.status == states.AVAILABLE and row.progress == "100%"
    assert crashed.row(Snapshot, deleting) is None
    assert crashed.row(Volume, volume_id).status == states.AVAILABLE


# -- what the reconciliation leaves alone ---------------------------------------------------------
def test_other_hosts_and_settled_volumes_are_left_alone(crashed: Crashed) -> None:
    elsewhere = crashed.volume(states.CREATING, host="other@fake#fake")
    prefix_alike = crashed.volume(states.DELETING, host="node@fake2#fake2")
    settled = {status: crashed.volume(status) for status in (
        states.AVAILABLE, states.ERROR, states.ERROR_DELETING, states.MAINTENANCE)}
    reserved = crashed.volume(states.RESERVED, attach_status=states.ATTACH_RESERVED)
    crashed.attachment(reserved, states.ATTACH_RESERVED)
    crashed.start()
    assert crashed.row(Volume, elsewhere).status == states.CREATING
    assert crashed.row(Volume, prefix_alike).status == states.DELETING
    for status, volume_id in settled.items():
        assert crashed.row(Volume, volume_id).status == status
    assert crashed.row(Volume, reserved).status == states.RESERVED


def test_a_second_pass_finds_nothing_to_do(crashed: Crashed) -> None:
    for status in (states.CREATING, states.DELETING, states.EXTENDING, states.ATTACHING):
        crashed.volume(status)
    crashed.volume(states.CREATING, host=None)
    reconciler = crashed.start()
    with crashed.cloud.db.reader() as s:
        assert {v.status for v in s.query(Volume)}.isdisjoint(states.TRANSITIONAL)
    assert reconciler.run() == 0
    assert reconciler.run(resume_only=True, changed_before=utcnow()) == 0


def test_work_waiting_in_the_pool_is_not_taken_twice(crashed: Crashed,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    ids = [crashed.volume(states.CREATING) for _ in range(3)]
    reconciler = Reconciler(VolumeWork(crashed.cloud.db, FakeDriver({"delay": 0.2}), HOST),
                            pool_size=1)
    with caplog.at_level("INFO", logger="nimbus.volume"):
        assert reconciler.run() == 3
        assert reconciler.run(resume_only=True, changed_before=utcnow()) == 0
        reconciler.wait(timeout=10)
    assert {crashed.row(Volume, v).status for v in ids} == {states.AVAILABLE}
    for volume_id in ids:
        assert len([r for r in caplog.records if volume_id in r.getMessage()]) == 1
    reconciler.stop()


def test_the_pass_after_serving_leaves_newer_work_to_its_message(crashed: Crashed) -> None:
    reconciler = crashed.start()
    cutoff = utcnow() - dt.timedelta(seconds=5)
    volume_id = crashed.volume(states.CREATING)   # changed after the cutoff
    crashed.volume(states.EXTENDING)
    assert reconciler.run(resume_only=True, changed_before=cutoff) == 0
    assert crashed.row(Volume, volume_id).status == states.CREATING


# -- work the API accepted while no agent listened ------------------------------------------------
def test_accepted_work_whose_message_was_lost_is_done_at_start(crashed: Crashed) -> None:
    """The API picked this host (its last heartbeat is recent) and cast into a queue nobody
    listened to, as the in-memory bus does after a crash: the agent's start does the work."""
    crashed.cloud.registry.report("cinder-volume", HOST, "volume")
    member = crashed.api.as_("member")
    created = member.post("/v3/volumes", json={"volume": {"size": 1, "name": "lost"}}).json()
    assert created["volume"]["status"] == states.CREATING
    doomed = crashed.volume(states.AVAILABLE)
    assert member.delete(f"/v3/volumes/{doomed}").status_code == 202
    assert crashed.row(Volume, doomed).status == states.DELETING
    crashed.start()
    assert crashed.row(Volume, created["volume"]["id"]).status == states.AVAILABLE
    assert crashed.row(Volume, doomed) is None


# -- idempotent handlers --------------------------------------------------------------------------
def test_a_message_delivered_again_is_dropped(crashed: Crashed) -> None:
    agent = VolumeAgent(crashed.cloud.db, FakeDriver({}), HOST)
    volume_id = crashed.volume(states.CREATING)
    agent.create_volume({}, volume_id)
    first = crashed.row(Volume, volume_id)
    assert first.status == states.AVAILABLE
    agent.create_volume({}, volume_id)
    agent.extend_volume({}, volume_id, 5)
    agent.delete_volume({}, volume_id)
    again = crashed.row(Volume, volume_id)
    assert (again.status, again.size, again.launched_at) == (states.AVAILABLE, 1,
                                                              first.launched_at)
    snapshot_id = crashed.snapshot(volume_id, states.AVAILABLE)
    agent.create_snapshot({}, snapshot_id)
    agent.delete_snapshot({}, snapshot_id)
    assert crashed.row(Snapshot, snapshot_id).status == states.AVAILABLE
    agent.delete_volume({}, "no-such-volume")


def test_work_already_in_hand_is_not_done_twice(crashed: Crashed) -> None:
    driver = FakeDriver({})
    work = VolumeWork(crashed.cloud.db, driver, HOST)
    agent = VolumeAgent(crashed.cloud.db, driver, HOST, work=work)
    volume_id = crashed.volume(states.CREATING)
    with work.claims.holding(volume_id, "create") as mine:
        assert mine
        agent.create_volume({}, volume_id)     # the reconciliation holds it: dropped
        assert crashed.row(Volume, volume_id).status == states.CREATING
        assert driver.volumes == {}
    agent.create_volume({}, volume_id)
    assert crashed.row(Volume, volume_id).status == states.AVAILABLE


def test_a_deletion_waits_for_the_creation_in_hand(crashed: Crashed) -> None:
    """A force delete while the backend still creates: the delete waits, then deletes; the
    creation's outcome is dropped, the volume does not come back."""
    driver = FakeDriver({"delay": 0.3})
    agent = VolumeAgent(crashed.cloud.db, driver, HOST)
    volume_id = crashed.volume(states.CREATING)
    creating = threading.Thread(target=agent.create_volume, args=({}, volume_id))
    creating.start()
    wait_for(lambda: volume_id in agent._work.claims._held)
    with crashed.cloud.db.writer() as s:
        states.VOLUME_STATUS.move(s.get(Volume, volume_id), states.DELETING)
    agent.delete_volume({}, volume_id)
    creating.join()
    assert crashed.row(Volume, volume_id) is None
    assert driver.volumes == {}


def test_a_failed_create_leaves_a_message(crashed: Crashed) -> None:
    driver = FakeDriver({"fail_names": ["doomed"]})
    agent = VolumeAgent(crashed.cloud.db, driver, HOST)
    volume_id = crashed.volume(states.CREATING, name="doomed")
    agent.create_volume({"request_id": "req-1"}, volume_id)
    assert crashed.row(Volume, volume_id).status == states.ERROR
    body = crashed.api.as_("member").get("/v3/messages", headers=LATEST).json()["messages"]
    assert [(m["resource_uuid"], m["event_id"], m["request_id"]) for m in body] == [
        (volume_id, "VOLUME_VOLUME_008_103", "req-1")]
    assert "fake failure" not in body[0]["user_message"]


# -- the fake driver's delay ----------------------------------------------------------------------
def test_the_fake_driver_takes_the_configured_time(make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True, compute_host="node",
                            volume_fake_delay=0.5)
    assert cloud.settings.volume.fake_delay == 0.5
    cloud.start_workers({"volume-agent"})
    created = api.as_("member").post("/v3/volumes", json={"volume": {"size": 1}}).json()
    volume_id = created["volume"]["id"]
    shown = api.as_("member").get(f"/v3/volumes/{volume_id}").json()["volume"]
    assert shown["status"] == states.CREATING
    crashed = Crashed(cloud, api)
    wait_for(lambda: crashed.row(Volume, volume_id).status == states.AVAILABLE)
