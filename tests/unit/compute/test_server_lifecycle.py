"""Server actions of several steps through the API, the scheduler and the agents with the fake
driver: rebuild, resize (confirm and revert), cold and live migration, rescue, shelve and
unshelve, passwords, crash dumps, console output, remote consoles, diagnostics, backups."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID

COVERS = [("compute", "rebuild, resize confirm/revert, migrate, live migrate, rescue, shelve/"
                      "unshelve, changePassword, crash dump, resetState (fake driver)"),
          ("compute", "console output, remote consoles and their tokens, diagnostics, "
                      "createBackup rotation, os-migrations")]

OTHER_IMAGE = "44444444-4444-4444-8444-444444444444"


def act(compute: Compute, server_id: str, body: dict[str, Any], persona: str = "member",
        status: int = 202, headers: dict[str, str] | None = None) -> Any:
    resp = compute.as_(persona).post(f"/v2.1/servers/{server_id}/action", json=body,
                                     headers=headers or MV)
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def guest(compute: Compute, server: dict[str, Any]) -> dict[str, Any]:
    host = server["OS-EXT-SRV-ATTR:host"]
    return compute.guests(host)[server["id"]]


def show(compute: Compute, server_id: str) -> dict[str, Any]:
    resp = compute.as_("admin").get(f"/v2.1/servers/{server_id}", headers=MV)
    assert resp.status_code == 200, resp.text
    return resp.json()["server"]  # type: ignore[no-any-return]


def test_rebuild_gives_a_new_image_and_keeps_the_server(compute: Compute) -> None:
    compute.clients.image.add(OTHER_IMAGE, b"\0" * 1024, "raw", name="other")
    server = compute.boot()
    ports = show(compute, server["id"])["addresses"]
    body = act(compute, server["id"], {"rebuild": {"imageRef": OTHER_IMAGE, "name": "again",
                                                   "metadata": {"k": "v"}}})
    assert body["server"]["status"] == "REBUILD" and body["server"]["adminPass"]
    done = compute.wait(server["id"], "ACTIVE")
    assert done["image"]["id"] == OTHER_IMAGE and done["name"] == "again"
    assert done["metadata"] == {"k": "v"} and done["addresses"] == ports
    assert guest(compute, done)["image"] == OTHER_IMAGE
    # A stopped server stays stopped.
    act(compute, server["id"], {"os-stop": None})
    compute.wait(server["id"], "SHUTOFF")
    act(compute, server["id"], {"rebuild": {"imageRef": IMAGE_ID}})
    assert compute.wait(server["id"], "SHUTOFF")["image"]["id"] == IMAGE_ID
    # Before 2.75 the answer is the plain server, without the extended attributes.
    old = act(compute, server["id"], {"rebuild": {"imageRef": IMAGE_ID}},
              headers={"OpenStack-API-Version": "compute 2.74"})["server"]
    assert "OS-EXT-STS:vm_state" not in old and "security_groups" not in old
    assert "key_name" in old and "server_groups" in old and "user_data" in old
    assert all(set(a) == {"version", "addr"} for nets in old["addresses"].values() for a in nets)
    compute.wait(server["id"], "SHUTOFF")
    plain = act(compute, server["id"], {"rebuild": {"imageRef": IMAGE_ID}},
                headers={"OpenStack-API-Version": "compute 2.1"})["server"]
    assert "key_name" not in plain and "user_data" not in plain
    compute.wait(server["id"], "SHUTOFF")
    full = act(compute, server["id"], {"rebuild": {"imageRef": IMAGE_ID,
                                                   "OS-DCF:diskConfig": "AUTO"}},
               headers={"OpenStack-API-Version": "compute 2.75"})["server"]
    assert "OS-EXT-STS:vm_state" in full and "user_data" in full
    assert full["OS-DCF:diskConfig"] == "AUTO"
    assert "OS-EXT-SRV-ATTR:user_data" not in full
    compute.wait(server["id"], "SHUTOFF")
    # An image nobody can see is a 400.
    act(compute, server["id"], {"rebuild": {"imageRef": "5" * 8 + "-5555-4555-8555-" + "5" * 12}},
        status=400)


def test_resize_confirm_and_revert(compute: Compute) -> None:
    server = compute.boot()
    act(compute, server["id"], {"resize": {"flavorRef": "84", "OS-DCF:diskConfig": "AUTO"}})
    resized = compute.wait(server["id"], "VERIFY_RESIZE")
    assert resized["flavor"]["original_name"] == "m1.micro"
    assert resized["OS-DCF:diskConfig"] == "AUTO"
    assert guest(compute, resized)["ram"] == 128
    listed = compute.as_("admin").get("/v2.1/os-migrations", headers=MV).json()["migrations"]
    assert [(m["migration_type"], m["status"]) for m in listed] == [("resize", "finished")]
    act(compute, server["id"], {"confirmResize": None}, status=204)
    confirmed = compute.wait(server["id"], "ACTIVE")
    assert confirmed["flavor"]["original_name"] == "m1.micro"
    allocations = compute.clients.placement.allocations
    assert set(allocations) == {server["id"]}, "the migration gave back the source's share"

    act(compute, server["id"], {"resize": {"flavorRef": "1"}})
    compute.wait(server["id"], "VERIFY_RESIZE")
    act(compute, server["id"], {"revertResize": None})
    reverted = compute.wait(server["id"], "ACTIVE")
    assert reverted["flavor"]["original_name"] == "m1.micro"
    assert guest(compute, reverted)["ram"] == 128
    assert set(allocations) == {server["id"]}
    statuses = [m["status"] for m in compute.as_("admin").get(
        "/v2.1/os-migrations", headers=MV).json()["migrations"]]
    assert statuses == ["reverted", "confirmed"]


def test_resize_refusals(compute: Compute) -> None:
    server = compute.boot()
    act(compute, server["id"], {"resize": {"flavorRef": "42"}}, status=400)   # same flavor
    act(compute, server["id"], {"resize": {"flavorRef": "nope"}}, status=400)
    act(compute, server["id"], {"confirmResize": None}, status=409)
    # Growing past the project's RAM quota (64 MB used, 128 MB asked for, 100 allowed).
    project = show(compute, server["id"])["tenant_id"]
    resp = compute.as_("admin").put(f"/v2.1/os-quota-sets/{project}",
                                    json={"quota_set": {"ram": 100}}, headers=MV)
    assert resp.status_code == 200, resp.text
    act(compute, server["id"], {"resize": {"flavorRef": "84"}}, status=403)
    compute.as_("admin").put(f"/v2.1/os-quota-sets/{project}",
                             json={"quota_set": {"ram": -1}}, headers=MV)
    act(compute, server["id"], {"pause": None})
    compute.wait(server["id"], "PAUSED")
    act(compute, server["id"], {"resize": {"flavorRef": "84"}}, status=409)


def test_migrate_and_live_migrate_between_hosts(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    server = compute.boot()
    first = show(compute, server["id"])["OS-EXT-SRV-ATTR:host"]
    act(compute, server["id"], {"migrate": None}, persona="admin")
    moved = compute.wait(server["id"], "VERIFY_RESIZE")
    assert moved["OS-EXT-SRV-ATTR:host"] != first
    act(compute, server["id"], {"confirmResize": None}, persona="admin", status=204)
    second = compute.wait(server["id"], "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    assert server["id"] not in compute.guests(first)
    assert server["id"] in compute.guests(second)

    act(compute, server["id"], {"os-migrateLive": {"host": first, "block_migration": "auto"}},
        persona="admin")
    back = compute.wait(server["id"], "ACTIVE")
    assert back["OS-EXT-SRV-ATTR:host"] == first and server["id"] in compute.guests(first)
    kinds = [m["migration_type"] for m in compute.as_("admin").get(
        "/v2.1/os-migrations", headers=MV).json()["migrations"]]
    assert kinds == ["live-migration", "migration"]
    # Members may not move servers between hosts.
    act(compute, server["id"], {"migrate": None}, status=403)


def test_rescue_and_unrescue(compute: Compute) -> None:
    server = compute.boot()
    api = compute.as_("member")
    kept = compute.clients.volume.add()
    assert api.post(f"/v2.1/servers/{server['id']}/os-volume_attachments",
                    json={"volumeAttachment": {"volumeId": kept}}).status_code == 200
    compute.wait_for(lambda: compute.clients.volume.volumes[kept]["status"] == "in-use")
    body = act(compute, server["id"], {"rescue": {"adminPass": "s3cret"}}, status=200)
    assert body == {"adminPass": "s3cret"}
    rescued = compute.wait(server["id"], "RESCUE")
    assert guest(compute, rescued)["rescued"]
    act(compute, server["id"], {"rescue": None}, status=409)
    # Volumes neither come nor go while the guest runs from its rescue disk.
    vol = compute.clients.volume.add()
    assert api.post(f"/v2.1/servers/{server['id']}/os-volume_attachments",
                    json={"volumeAttachment": {"volumeId": vol}}).status_code == 409
    assert api.delete(f"/v2.1/servers/{server['id']}/os-volume_attachments/{kept}"
                      ).status_code == 409
    act(compute, server["id"], {"unrescue": None})
    assert "rescued" not in guest(compute, compute.wait(server["id"], "ACTIVE"))


def test_shelve_offload_and_unshelve(compute: Compute) -> None:
    server = compute.boot()
    act(compute, server["id"], {"shelve": None})
    shelved = compute.wait(server["id"], "SHELVED_OFFLOADED")
    assert shelved["OS-EXT-SRV-ATTR:host"] is None
    assert server["id"] not in compute.clients.placement.allocations
    images = [i for i in compute.clients.image.images.values()
              if i.get("instance_uuid") == server["id"]]
    assert len(images) == 1 and images[0]["status"] == "active"
    act(compute, server["id"], {"unshelve": None})
    back = compute.wait(server["id"], "ACTIVE")
    assert back["OS-EXT-SRV-ATTR:host"] and server["id"] in compute.clients.placement.allocations
    assert images[0]["id"] not in compute.clients.image.images


def test_unshelve_to_a_named_host(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    server = compute.boot()
    first = show(compute, server["id"])["OS-EXT-SRV-ATTR:host"]
    target = "node-2" if first == "node-1" else "node-1"
    act(compute, server["id"], {"shelve": None})
    compute.wait(server["id"], "SHELVED_OFFLOADED")
    v291 = {"OpenStack-API-Version": "compute 2.91"}
    act(compute, server["id"], {"unshelve": {"host": "nowhere"}}, persona="admin",
        headers=v291, status=400)
    act(compute, server["id"], {"unshelve": {"host": target}}, persona="admin", headers=v291)
    assert compute.wait(server["id"], "ACTIVE")["OS-EXT-SRV-ATTR:host"] == target


def test_password_crash_dump_and_reset_state(compute: Compute) -> None:
    server = compute.boot()
    act(compute, server["id"], {"changePassword": {"adminPass": "n3w"}})
    done = compute.wait(server["id"], "ACTIVE")
    assert guest(compute, done)["password_changes"] == 1
    act(compute, server["id"], {"trigger_crash_dump": None},
        headers={"OpenStack-API-Version": "compute 2.16"}, status=400)
    act(compute, server["id"], {"trigger_crash_dump": None})
    compute.wait_for(lambda: guest(compute, done).get("crash_dumps") == 1)
    act(compute, server["id"], {"os-resetState": {"state": "error"}}, status=403)
    act(compute, server["id"], {"os-resetState": {"state": "error"}}, persona="admin")
    assert show(compute, server["id"])["status"] == "ERROR"


def test_console_output_and_remote_consoles(compute: Compute) -> None:
    server = compute.boot()
    out = act(compute, server["id"], {"os-getConsoleOutput": {"length": 2}}, status=200)
    # As Nova counts: the empty piece after the final newline is the second line.
    assert out["output"].endswith("login: \n") and out["output"].count("\n") == 1
    full = act(compute, server["id"], {"os-getConsoleOutput": {}}, status=200)["output"]
    assert server["id"] in full
    resp = compute.as_("member").post(
        f"/v2.1/servers/{server['id']}/remote-consoles",
        json={"remote_console": {"protocol": "vnc", "type": "novnc"}}, headers=MV)
    assert resp.status_code == 200, resp.text
    console = resp.json()["remote_console"]
    assert console["type"] == "novnc" and "token%3D" in console["url"]
    token = console["url"].rsplit("token%3D", 1)[1]
    shown = compute.as_("admin").get(f"/v2.1/os-console-auth-tokens/{token}", headers=MV)
    assert shown.status_code == 200 and shown.json()["console"]["instance_uuid"] == server["id"]
    assert compute.as_("member").get(f"/v2.1/os-console-auth-tokens/{token}",
                                     headers=MV).status_code == 403
    assert compute.as_("admin").get("/v2.1/os-console-auth-tokens/nope",
                                    headers=MV).status_code == 404
    legacy = act(compute, server["id"], {"os-getVNCConsole": {"type": "novnc"}}, status=200)
    assert legacy["console"]["type"] == "novnc"
    bad = compute.as_("member").post(
        f"/v2.1/servers/{server['id']}/remote-consoles",
        json={"remote_console": {"protocol": "vnc", "type": "serial"}}, headers=MV)
    assert bad.status_code == 400


def test_diagnostics_are_for_admins(compute: Compute) -> None:
    server = compute.boot()
    url = f"/v2.1/servers/{server['id']}/diagnostics"
    assert compute.as_("member").get(url, headers=MV).status_code == 403
    new = compute.as_("admin").get(url, headers=MV).json()
    assert new["state"] == "running" and new["num_cpus"] == 1
    old = compute.as_("admin").get(url, headers={"OpenStack-API-Version": "compute 2.1"})
    assert "cpu0_time" in old.json()


def test_create_backup_rotates(compute: Compute) -> None:
    server = compute.boot()
    made = []
    for i in range(3):
        body = act(compute, server["id"], {"createBackup": {
            "name": f"b{i}", "backup_type": "daily", "rotation": 2}})
        made.append(body["image_id"])
        compute.wait(server["id"], "ACTIVE")
    kept = {i["id"] for i in compute.clients.image.images.values()
            if i.get("backup_type") == "daily"}
    assert kept == set(made[1:])


@pytest.mark.parametrize("persona,status", [("other", 404), ("reader", 403)])
def test_other_projects_and_readers_cannot_act(compute: Compute, persona: str,
                                                status: int) -> None:
    server = compute.boot()
    for body in ({"resize": {"flavorRef": "84"}}, {"rebuild": {"imageRef": IMAGE_ID}},
                 {"rescue": None}, {"shelve": None}, {"changePassword": {"adminPass": "x"}},
                 {"os-getConsoleOutput": {}}, {"createBackup": {
                     "name": "b", "backup_type": "daily", "rotation": 1}}):
        act(compute, server["id"], body, persona=persona, status=status)
    assert show(compute, server["id"])["status"] == "ACTIVE"
