"""What a stopped image service left half-done, as the next start finds it: rows are put in each
transitional state (as a crash leaves them), the workers start, and every image and task ends
resumed to its final state or failed visibly, with nothing left in a store."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.image import states
from nimbus.image.constants import HASH_ALGO, LEGACY_IMPORT_TASK, LOCATION_TASK
from nimbus.image.db import locations as loc
from nimbus.image.db.models import Image, ImageTask
from nimbus.image.manager.import_worker import INTERRUPTED
from tests.unit.image.conftest import create, upload, wait_for

COVERS = [("image", "crash recovery: imports, uploads, stages and deletes left half-done")]

OCTETS = {"Content-Type": "application/octet-stream"}
PAYLOAD = b"served over http" * 100


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/image.raw"
    server.shutdown()
    server.server_close()


# -- making leftovers ------------------------------------------------------------------------

def _state(cloud: Any) -> Any:
    return cloud.runtimes["image"].state


def _accept_only(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests are accepted and recorded, but no worker takes them up: the process "stops"
    right after answering."""
    state = _state(cloud)
    monkeypatch.setattr(state.importer.worker, "submit", lambda *_args: None)
    monkeypatch.setattr(state.importer.worker.pool, "submit", lambda *_args: None)
    monkeypatch.setattr(state.location_import.pool, "submit", lambda *_args: None)


def _crash(cloud: Any, monkeypatch: pytest.MonkeyPatch, processing: bool = True) -> None:
    """Everything written so far is from before this start; the workers pick up again."""
    monkeypatch.undo()
    state = _state(cloud)
    if processing:
        with cloud.db.writer() as session:
            session.execute(update(ImageTask).where(ImageTask.status == states.PENDING)
                            .values(status=states.PROCESSING))
    past = state.recovery.started - dt.timedelta(minutes=5)
    with cloud.db.writer() as session:
        session.execute(update(Image).values(updated_at=past))
        session.execute(update(ImageTask).values(updated_at=past))


def _task(cloud: Any, image_id: str) -> dict[str, Any]:
    tasks = _state(cloud).tasks.for_image(image_id)
    return tasks[-1]  # type: ignore[no-any-return]


def _settled(api: Any, image_id: str) -> dict[str, Any]:
    return wait_for(api.as_("admin"), f"/v2/images/{image_id}",
                    lambda i: i["status"] in ("active", "queued") and
                    not i.get("os_glance_import_task"))


def _task_done(cloud: Any, image_id: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 10
    while _task(cloud, image_id)["status"] not in ("success", "failure"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return _task(cloud, image_id)


def _store_files(cloud: Any) -> list[str]:
    root = Path(cloud.settings.state_dir)
    return sorted(p.name for sub in ("images", "images-staging")
                  for p in (root / sub).iterdir())


def _partial(cloud: Any, image_id: str, where: str = "images") -> Path:
    """Bytes a write cut off left in a store (the file store's temporary name)."""
    path = Path(cloud.settings.state_dir) / where / f".{image_id}.0123.part"
    path.write_bytes(b"half")
    return path


# -- imports -------------------------------------------------------------------------------

def test_glance_direct_with_staged_data_is_resumed(image_cloud: Any,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    cloud, api = image_cloud
    member = api.as_("member")
    image = create(api)
    url = f"/v2/images/{image['id']}"
    assert member.put(f"{url}/stage", content=b"staged bytes", headers=OCTETS).status_code == 204
    _accept_only(cloud, monkeypatch)
    assert member.post(f"{url}/import", json={"method": {"name": "glance-direct"}}
                       ).status_code == 202
    assert member.get(url).json()["status"] == "importing"
    _crash(cloud, monkeypatch)
    partial = _partial(cloud, image["id"])
    caplog.set_level(logging.INFO)
    cloud.start_workers({"api"})
    shown = _settled(api, image["id"])
    assert shown["status"] == "active"
    assert shown["checksum"] == hashlib.md5(b"staged bytes").hexdigest()  # noqa: S324
    assert member.get(f"{url}/file").content == b"staged bytes"
    assert _task_done(cloud, image["id"])["status"] == "success"
    assert not partial.exists()
    assert _store_files(cloud) == [image["id"]]  # the store's copy; staging emptied
    lines = [r.getMessage() for r in caplog.records if image["id"] in r.getMessage()]
    assert any("resumed" in line for line in lines)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_glance_direct_without_staged_data_fails(image_cloud: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = image_cloud
    member = api.as_("member")
    image = create(api)
    url = f"/v2/images/{image['id']}"
    assert member.put(f"{url}/stage", content=b"staged", headers=OCTETS).status_code == 204
    _accept_only(cloud, monkeypatch)
    assert member.post(f"{url}/import", json={"method": {"name": "glance-direct"}}
                       ).status_code == 202
    _crash(cloud, monkeypatch, processing=False)
    for path in (Path(cloud.settings.state_dir) / "images-staging").iterdir():
        path.unlink()  # the staging area was lost with the host
    partial = _partial(cloud, image["id"])
    cloud.start_workers({"api"})
    shown = member.get(url).json()
    assert shown["status"] == "queued" and not shown.get("os_glance_import_task")
    task = _task(cloud, image["id"])
    assert task["status"] == "failure"
    assert task["message"].startswith(INTERRUPTED) and "staged data is gone" in task["message"]
    assert not partial.exists() and _store_files(cloud) == []
    # The image can be used again.
    assert upload(api, image["id"], b"again").status_code == 204
    assert member.get(url).json()["status"] == "active"


def test_web_download_is_fetched_again(make_cloud: Callable[..., Any], http_url: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = make_cloud(["image"], prefix="/image", image_web_download_allow="127.0.0.1")
    member = api.as_("member")
    image = create(api)
    url = f"/v2/images/{image['id']}"
    _accept_only(cloud, monkeypatch)
    assert member.post(f"{url}/import", json={"method": {"name": "web-download",
                                                         "uri": http_url}}).status_code == 202
    _crash(cloud, monkeypatch)
    staged = _partial(cloud, image["id"], "images-staging")  # a fetch cut off
    cloud.start_workers({"api"})
    assert _settled(api, image["id"])["status"] == "active"
    assert member.get(f"{url}/file").content == PAYLOAD
    assert _task_done(cloud, image["id"])["status"] == "success"
    assert not staged.exists() and _store_files(cloud) == [image["id"]]


def test_web_download_no_longer_allowed_fails(make_cloud: Callable[..., Any], http_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = make_cloud(["image"], prefix="/image", image_web_download_allow="127.0.0.1")
    member = api.as_("member")
    image = create(api)
    _accept_only(cloud, monkeypatch)
    assert member.post(f"/v2/images/{image['id']}/import", json={"method": {
        "name": "web-download", "uri": http_url}}).status_code == 202
    _crash(cloud, monkeypatch)
    # The next start runs with an allow-list that no longer names the host.
    _state(cloud).importer.worker.allowed = []
    cloud.start_workers({"api"})
    assert member.get(f"/v2/images/{image['id']}").json()["status"] == "queued"
    task = _task(cloud, image["id"])
    assert task["status"] == "failure" and task["message"].startswith(INTERRUPTED)


STORES = {"image_stores": "fast:fake,slow:fake"}


def _copying(make_cloud: Callable[..., Any],
             monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, dict[str, Any]]:
    cloud, api = make_cloud(["image"], prefix="/image", **STORES)
    image = create(api)
    assert api.as_("member").put(f"/v2/images/{image['id']}/file", content=b"payload",
                                 headers={**OCTETS, "X-Image-Meta-Store": "fast"}
                                 ).status_code == 204
    _accept_only(cloud, monkeypatch)
    assert api.as_("admin").post(f"/v2/images/{image['id']}/import", json={
        "method": {"name": "copy-image"}, "stores": ["slow"]}).status_code == 202
    _crash(cloud, monkeypatch)
    # The copy had started writing to the slow store.
    slow = _state(cloud).stores.get("slow").driver
    slow.blobs[f"fake://{image['id']}/half"] = b"pay"
    return cloud, api, image


def test_copy_image_is_resumed(make_cloud: Callable[..., Any],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api, image = _copying(make_cloud, monkeypatch)
    cloud.start_workers({"api"})
    shown = wait_for(api.as_("admin"), f"/v2/images/{image['id']}",
                     lambda i: i.get("stores") == "fast,slow" and
                     i.get("os_glance_importing_to_stores") == "")
    assert shown["status"] == "active" and shown["os_glance_failed_import"] == ""
    assert _task_done(cloud, image["id"])["status"] == "success"
    slow = _state(cloud).stores.get("slow").driver
    assert list(slow.blobs.values()) == [b"payload"]


def test_copy_image_without_a_source_fails_and_stays_active(
        make_cloud: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api, image = _copying(make_cloud, monkeypatch)
    _state(cloud).stores.get("fast").driver.blobs.clear()  # the source copy is gone
    cloud.start_workers({"api"})
    shown = api.as_("admin").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "active" and shown["stores"] == "fast"
    assert not shown.get("os_glance_import_task")
    task = _task(cloud, image["id"])
    assert task["status"] == "failure" and "no data left to copy" in task["message"]
    assert _state(cloud).stores.get("slow").driver.blobs == {}


def test_a_task_whose_image_is_gone_fails(image_cloud: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = image_cloud
    image = create(api)
    url = f"/v2/images/{image['id']}"
    assert api.as_("member").put(f"{url}/stage", content=b"s", headers=OCTETS).status_code == 204
    _accept_only(cloud, monkeypatch)
    assert api.as_("member").post(f"{url}/import", json={"method": {"name": "glance-direct"}}
                                  ).status_code == 202
    task_id = _task(cloud, image["id"])["id"]
    assert api.as_("member").delete(url).status_code == 204
    _crash(cloud, monkeypatch)
    cloud.start_workers({"api"})
    task = _state(cloud).tasks.get(RequestContext.admin(), task_id)
    assert task["status"] == "failure" and "deleted" in task["message"]


def test_location_read_is_resumed(make_cloud: Callable[..., Any], http_url: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = make_cloud(["image"], prefix="/image", image_web_download_allow="127.0.0.1")
    image = create(api)
    headers = {"OpenStack-API-Version": "image 2.17"}
    _accept_only(cloud, monkeypatch)
    resp = api.as_("member").post(f"/v2/images/{image['id']}/locations", headers=headers,
                                  json={"url": http_url})
    assert resp.status_code == 202, resp.text
    assert _task(cloud, image["id"])["type"] == LOCATION_TASK
    _crash(cloud, monkeypatch)
    cloud.start_workers({"api"})
    assert _task_done(cloud, image["id"])["status"] == "success"
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "active"
    assert shown["os_hash_value"] == hashlib.new(HASH_ALGO, PAYLOAD).hexdigest()


def test_location_read_whose_location_is_gone_fails(make_cloud: Callable[..., Any],
                                                    http_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = make_cloud(["image"], prefix="/image", image_web_download_allow="127.0.0.1")
    image = create(api)
    _accept_only(cloud, monkeypatch)
    assert api.as_("member").post(f"/v2/images/{image['id']}/locations", json={
        "url": http_url}, headers={"OpenStack-API-Version": "image 2.17"}).status_code == 202
    _crash(cloud, monkeypatch)
    with cloud.db.writer() as session:
        for entry in loc.listing(session, image["id"]):
            loc.remove_entry(session, image["id"], entry)
    cloud.start_workers({"api"})
    assert api.as_("member").get(f"/v2/images/{image['id']}").json()["status"] == "queued"
    task = _task(cloud, image["id"])
    assert task["status"] == "failure" and "interrupted" in task["message"]


def test_legacy_import_tasks(make_cloud: Callable[..., Any], http_url: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = make_cloud(["image"], prefix="/image", image_web_download_allow="127.0.0.1")
    admin = api.as_("admin")
    body = {"type": "import", "input": {"import_from": http_url, "import_from_format": "raw",
                                        "image_properties": {"name": "legacy", **{
                                            "disk_format": "raw",
                                            "container_format": "bare"}}}}
    _accept_only(cloud, monkeypatch)
    never_started = admin.post("/v2/tasks", json=body).json()
    started = admin.post("/v2/tasks", json=body).json()
    monkeypatch.undo()
    _state(cloud).tasks.set_status(started["id"], states.PROCESSING)
    _crash(cloud, monkeypatch, processing=False)
    cloud.start_workers({"api"})
    ctx = RequestContext.admin()
    failed = _state(cloud).tasks.get(ctx, started["id"])
    assert failed["status"] == "failure" and "interrupted" in failed["message"]
    done = wait_for(admin, f"/v2/tasks/{never_started['id']}",
                    lambda t: t["status"] in ("success", "failure"))
    assert done["status"] == "success", done
    image = admin.get(f"/v2/images/{done['result']['image_id']}").json()
    assert image["status"] == "active" and image["name"] == "legacy"


# -- uploads, stages, imports without a task, deletes ---------------------------------------

def _left(cloud: Any, image_id: str, status: str, **values: Any) -> None:
    """Put the image in ``status`` as a stopped process would have left it."""
    past = utcnow() - dt.timedelta(minutes=5)
    with cloud.db.writer() as session:
        session.execute(update(Image).where(Image.id == image_id)
                        .values(status=status, updated_at=past, **values))


def test_upload_cut_off_goes_back_to_queued(image_cloud: Any) -> None:
    cloud, api = image_cloud
    image = create(api)
    _left(cloud, image["id"], states.SAVING)
    partial = _partial(cloud, image["id"])
    whole = Path(cloud.settings.state_dir) / "images" / image["id"]
    whole.write_bytes(b"written, never recorded")
    cloud.start_workers({"api"})
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "queued" and shown["size"] is None
    assert not partial.exists() and not whole.exists()
    assert upload(api, image["id"], b"again").status_code == 204


def test_stage_cut_off_goes_back_to_queued_and_staged_images_wait(image_cloud: Any) -> None:
    cloud, api = image_cloud
    cut, staged = create(api), create(api)
    assert api.as_("member").put(f"/v2/images/{staged['id']}/stage", content=b"ok",
                                 headers=OCTETS).status_code == 204
    _left(cloud, cut["id"], states.UPLOADING)
    _left(cloud, staged["id"], states.UPLOADING)
    partial = _partial(cloud, cut["id"], "images-staging")
    cloud.start_workers({"api"})
    member = api.as_("member")
    assert member.get(f"/v2/images/{cut['id']}").json()["status"] == "queued"
    assert not partial.exists()
    # Staged data waiting for its import is a resting state, not a leftover.
    assert member.get(f"/v2/images/{staged['id']}").json()["status"] == "uploading"
    assert member.post(f"/v2/images/{staged['id']}/import",
                       json={"method": {"name": "glance-direct"}}).status_code == 202
    assert _settled(api, staged["id"])["status"] == "active"


def test_importing_without_a_task_goes_back_to_queued(image_cloud: Any) -> None:
    cloud, api = image_cloud
    image = create(api)
    assert upload(api, image["id"], b"half imported").status_code == 204
    stored = Path(cloud.settings.state_dir) / "images" / image["id"]
    assert stored.exists()
    _left(cloud, image["id"], states.IMPORTING)
    cloud.start_workers({"api"})
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "queued" and shown["size"] is None and shown["checksum"] is None
    assert "stores" not in shown or not shown["stores"]
    assert not stored.exists() and _store_files(cloud) == []


def test_pending_delete_is_finished(image_cloud: Any) -> None:
    cloud, api = image_cloud
    image = create(api)
    assert upload(api, image["id"], b"to be deleted").status_code == 204
    _left(cloud, image["id"], states.PENDING_DELETE)
    cloud.start_workers({"api"})
    assert api.as_("admin").get(f"/v2/images/{image['id']}").status_code == 404
    assert _store_files(cloud) == []


def test_rows_this_process_touched_are_left_alone(image_cloud: Any) -> None:
    cloud, api = image_cloud
    image = create(api)
    # An upload this process serves right now: moved to saving after the start.
    with cloud.db.writer() as session:
        session.execute(update(Image).where(Image.id == image["id"])
                        .values(status=states.SAVING,
                                updated_at=_state(cloud).recovery.started))
    cloud.start_workers({"api"})
    assert api.as_("admin").get(f"/v2/images/{image['id']}").json()["status"] == "saving"


def test_a_row_left_in_the_second_this_process_started_is_taken(image_cloud: Any) -> None:
    cloud, api = image_cloud
    image = create(api)
    # Times are kept to the second: the stopped process wrote it in the second this one began.
    with cloud.db.writer() as session:
        session.execute(update(Image).where(Image.id == image["id"])
                        .values(status=states.SAVING,
                                updated_at=_state(cloud).recovery.started
                                - dt.timedelta(seconds=1)))
    cloud.start_workers({"api"})
    assert api.as_("admin").get(f"/v2/images/{image['id']}").json()["status"] == "queued"


def test_reconcile_is_idempotent(image_cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = image_cloud
    image = create(api)
    _left(cloud, image["id"], states.SAVING)
    state = _state(cloud)
    first = state.recovery.reconcile()
    assert first[image["id"]].startswith("back to queued")
    assert state.recovery.reconcile() == {}
    assert api.as_("admin").get(f"/v2/images/{image['id']}").json()["status"] == "queued"


def test_no_reconcile_outside_the_api_role(image_cloud: Any) -> None:
    cloud, api = image_cloud
    image = create(api)
    _left(cloud, image["id"], states.SAVING)
    cloud.start_workers({"scheduler"})
    assert api.as_("admin").get(f"/v2/images/{image['id']}").json()["status"] == "saving"


def test_unknown_task_types_fail(image_cloud: Any) -> None:
    cloud, _api = image_cloud
    state = _state(cloud)
    task = state.tasks.create(RequestContext.admin(), LEGACY_IMPORT_TASK + "-odd", {}, None)
    past = state.recovery.started - dt.timedelta(minutes=5)
    with cloud.db.writer() as session:
        session.execute(update(ImageTask).values(updated_at=past))
    assert state.recovery.reconcile()[task["id"]].startswith("failed")
    assert state.tasks.get(RequestContext.admin(), task["id"])["status"] == "failure"


def test_a_resumed_import_is_handed_over_once(image_cloud: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cloud, api = image_cloud
    image = create(api)
    url = f"/v2/images/{image['id']}"
    assert api.as_("member").put(f"{url}/stage", content=b"s", headers=OCTETS).status_code == 204
    _accept_only(cloud, monkeypatch)
    assert api.as_("member").post(f"{url}/import", json={"method": {"name": "glance-direct"}}
                                  ).status_code == 202
    _crash(cloud, monkeypatch)
    handed: list[Any] = []
    pool = _state(cloud).importer.worker.pool
    monkeypatch.setattr(pool, "submit", lambda *args: handed.append(args))
    recovery = _state(cloud).recovery
    assert list(recovery.reconcile().values()) == ["resumed"]
    assert recovery.reconcile() == {}
    assert len(handed) == 1
    # The image waits for its resumed import; the image pass left it alone.
    assert api.as_("member").get(url).json()["status"] == "importing"
