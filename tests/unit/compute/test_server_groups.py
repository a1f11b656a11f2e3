"""``os-server-groups`` and the scheduler honouring them: each policy over three fake hosts,
who sees which group, the shapes of each microversion, and members placed at the same time."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute.db import instances as instances_db
from nimbus.compute.scheduler.manager import SchedulerManager
from nimbus.compute.states import TaskState
from tests.support.personas import project_of, user_of
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID

COVERS = [("compute", "os-server-groups: create (each policy, rules), list (all_projects, "
                      "limit/offset), show, delete; microversions 2.1/2.13/2.15/2.64/2.71/2.75; "
                      "persona policy; server create with a group hint; members on delete"),
          ("compute", "scheduler: affinity, anti-affinity (max_server_per_host), soft-affinity "
                      "and soft-anti-affinity over several hosts; concurrent members of one "
                      "anti-affinity group")]

V264 = {"OpenStack-API-Version": "compute 2.64"}
V215 = {"OpenStack-API-Version": "compute 2.15"}
V213 = {"OpenStack-API-Version": "compute 2.13"}
V21 = {"OpenStack-API-Version": "compute 2.1"}
GROUPS = "/v2.1/os-server-groups"


def _create(compute: Compute, policy: str, persona: str = "member",
            rules: dict[str, Any] | None = None, name: str = "g") -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "policy": policy}
    if rules is not None:
        body["rules"] = rules
    resp = compute.as_(persona).post(GROUPS, json={"server_group": body}, headers=V264)
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["server_group"])


def _boot_in(compute: Compute, group: dict[str, Any], wait: str | None = "ACTIVE",
             **server: Any) -> dict[str, Any]:
    body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42", "networks": "none",
            **server}
    resp = compute.as_("member").post("/v2.1/servers", headers=MV, json={
        "server": body, "os:scheduler_hints": {"group": group["id"]}})
    assert resp.status_code == 202, resp.text
    created = resp.json()["server"]
    return compute.wait(created["id"], wait) if wait else dict(created)


def _host(compute: Compute, server_id: str) -> str:
    row = instances_db.find_instance(compute.state.db, server_id)
    assert row is not None and row.host
    return str(row.host)


@pytest.fixture
def three(make_compute: Callable[..., Compute]) -> Compute:
    return make_compute(hosts=3)


# -- the API ---------------------------------------------------------------------------------

@pytest.mark.parametrize("policy", ["affinity", "anti-affinity", "soft-affinity",
                                    "soft-anti-affinity"])
def test_create_show_list_delete_each_policy(compute: Compute, policy: str) -> None:
    group = _create(compute, policy)
    assert group["policy"] == policy and group["rules"] == {} and group["members"] == []
    assert (group["project_id"], group["user_id"]) == (project_of("member"), user_of("member"))
    assert "policies" not in group and "metadata" not in group
    shown = compute.as_("member").get(f"{GROUPS}/{group['id']}", headers=V264).json()
    assert shown["server_group"] == group
    listed = compute.as_("member").get(GROUPS, headers=V264).json()["server_groups"]
    assert [g["id"] for g in listed] == [group["id"]]
    assert compute.as_("member").delete(f"{GROUPS}/{group['id']}").status_code == 204
    assert compute.as_("member").get(f"{GROUPS}/{group['id']}").status_code == 404
    assert compute.as_("member").delete(f"{GROUPS}/{group['id']}").status_code == 404


def test_shapes_by_microversion(compute: Compute) -> None:
    api = compute.as_("member")
    old = api.post(GROUPS, headers=V21, json={"server_group": {
        "name": "old", "policies": ["anti-affinity"]}})
    assert old.status_code == 200, old.text
    body = old.json()["server_group"]
    assert body["policies"] == ["anti-affinity"] and body["metadata"] == {}
    assert "project_id" not in body and "policy" not in body
    shown = api.get(f"{GROUPS}/{body['id']}", headers=V213).json()["server_group"]
    assert shown["project_id"] == project_of("member") and shown["policies"] == ["anti-affinity"]
    # The soft policies came in 2.15; one policy, in a list, until 2.64.
    soft = {"server_group": {"name": "s", "policies": ["soft-affinity"]}}
    assert api.post(GROUPS, headers=V213, json=soft).status_code == 400
    assert api.post(GROUPS, headers=V215, json=soft).status_code == 200
    two = {"server_group": {"name": "s", "policies": ["affinity", "anti-affinity"]}}
    assert api.post(GROUPS, headers=V215, json=two).status_code == 400
    assert api.post(GROUPS, headers=V264, json=soft).status_code == 400
    new = api.get(f"{GROUPS}/{body['id']}", headers=V264).json()["server_group"]
    assert new["policy"] == "anti-affinity" and new["rules"] == {}


def test_rules_belong_to_anti_affinity(compute: Compute) -> None:
    group = _create(compute, "anti-affinity", rules={"max_server_per_host": "3"})
    assert group["rules"] == {"max_server_per_host": 3}
    api = compute.as_("member")
    for body in ({"name": "a", "policy": "affinity", "rules": {"max_server_per_host": 2}},
                 {"name": "a", "policy": "anti-affinity", "rules": {"max_server_per_host": 0}},
                 {"name": "a", "policy": "anti-affinity", "rules": {"other": 1}},
                 {"name": "a", "policy": "sideways"}, {"name": "", "policy": "affinity"}):
        resp = api.post(GROUPS, headers=V264, json={"server_group": body})
        assert resp.status_code == 400, body
    refused = api.post(GROUPS, headers=V264, json={"server_group": {
        "name": "a", "policy": "affinity", "rules": {"max_server_per_host": 2}}})
    assert "Only anti-affinity policy supports rules." in refused.text


def test_list_all_projects_limit_and_offset(compute: Compute) -> None:
    mine = [_create(compute, "affinity", name=f"m{i}")["id"] for i in range(3)]
    theirs = _create(compute, "affinity", persona="other")["id"]
    member, admin = compute.as_("member"), compute.as_("admin")

    def ids(api: Any, query: str = "", headers: dict[str, str] = V264) -> list[str]:
        resp = api.get(f"{GROUPS}{query}", headers=headers)
        assert resp.status_code == 200, resp.text
        return [g["id"] for g in resp.json()["server_groups"]]

    assert ids(member) == mine
    # A member's all_projects is ignored, as Nova does; an admin's lists every project's.
    assert ids(member, "?all_projects=True") == mine
    assert ids(admin, "?all_projects=True") == [*mine, theirs]
    assert ids(admin) == []     # the admin's own project has none
    assert ids(member, "?limit=2") == mine[:2]
    assert ids(member, "?limit=2&offset=2") == mine[2:]
    assert ids(member, "?offset=5") == []
    assert member.get(f"{GROUPS}?limit=-1", headers=V264).status_code == 400
    # Unknown parameters: ignored before 2.75, refused from it.
    assert ids(member, "?foo=1") == mine
    refused = member.get(f"{GROUPS}?foo=1", headers={"OpenStack-API-Version": "compute 2.75"})
    assert refused.status_code == 400 and "foo" in refused.text


def test_personas(compute: Compute) -> None:
    group = _create(compute, "anti-affinity")
    path = f"{GROUPS}/{group['id']}"
    # A reader reads but neither creates nor deletes.
    assert compute.as_("reader").get(path, headers=V264).status_code == 200
    assert [g["id"] for g in compute.as_("reader").get(GROUPS).json()["server_groups"]] \
        == [group["id"]]
    body = {"server_group": {"name": "r", "policy": "affinity"}}
    assert compute.as_("reader").post(GROUPS, headers=V264, json=body).status_code == 403
    assert compute.as_("reader").delete(path).status_code == 403
    # Another project's group does not exist for a member of another project.
    assert compute.as_("other").get(path).status_code == 404
    assert compute.as_("other").delete(path).status_code == 404
    assert compute.as_("other").get(GROUPS).json()["server_groups"] == []
    # An administrator sees and deletes any.
    assert compute.as_("admin").get(path, headers=V264).json()["server_group"]["id"] \
        == group["id"]
    assert compute.as_("admin").delete(path).status_code == 204


def test_quota_reports_server_groups(compute: Compute) -> None:
    _create(compute, "affinity")
    _create(compute, "affinity")
    detail = compute.as_("member").get(f"/v2.1/os-quota-sets/{project_of('member')}/detail",
                                       headers=MV).json()["quota_set"]
    assert detail["server_groups"]["in_use"] == 2
    assert "server_group_members" in detail


# -- servers in groups -----------------------------------------------------------------------

def test_group_hint_must_name_a_visible_group(compute: Compute) -> None:
    theirs = _create(compute, "affinity", persona="other")
    missing = {"id": "99999999-9999-4999-8999-999999999999"}
    for group in (theirs, missing):
        resp = compute.as_("member").post("/v2.1/servers", headers=MV, json={
            "server": {"name": "vm", "imageRef": "11111111-1111-4111-8111-111111111111",
                       "flavorRef": "42", "networks": "none"},
            "os:scheduler_hints": {"group": group["id"]}})
        assert resp.status_code == 400, resp.text
        assert f"Instance group {group['id']} could not be found." in resp.text
    bad = compute.as_("member").post("/v2.1/servers", headers=MV, json={
        "server": {"name": "vm", "imageRef": "11111111-1111-4111-8111-111111111111",
                   "flavorRef": "42", "networks": "none"},
        "os:scheduler_hints": {"group": "not-a-uuid"}})
    assert bad.status_code == 400
    assert compute.as_("member").get("/v2.1/servers", headers=MV).json()["servers"] == []


def test_members_server_groups_field_and_delete(compute: Compute) -> None:
    group = _create(compute, "affinity")
    server = _boot_in(compute, group)
    shown = compute.as_("member").get(f"{GROUPS}/{group['id']}", headers=V264).json()
    assert shown["server_group"]["members"] == [server["id"]]
    assert server["server_groups"] == [group["id"]]     # 2.71+
    older = compute.as_("member").get(f"/v2.1/servers/{server['id']}",
                                      headers={"OpenStack-API-Version": "compute 2.70"})
    assert "server_groups" not in older.json()["server"]
    assert compute.as_("member").delete(f"/v2.1/servers/{server['id']}").status_code == 204
    compute.wait(server["id"], "GONE")
    shown = compute.as_("member").get(f"{GROUPS}/{group['id']}", headers=V264).json()
    assert shown["server_group"]["members"] == []


def test_deleting_a_group_leaves_its_members_running(compute: Compute) -> None:
    group = _create(compute, "anti-affinity")
    server = _boot_in(compute, group)
    assert compute.as_("member").delete(f"{GROUPS}/{group['id']}").status_code == 204
    after = compute.as_("member").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
    assert after["server"]["status"] == "ACTIVE" and after["server"]["server_groups"] == []


# -- the scheduler ---------------------------------------------------------------------------

def test_affinity_keeps_members_together(three: Compute) -> None:
    group = _create(three, "affinity")
    hosts = {_host(three, _boot_in(three, group)["id"]) for _ in range(3)}
    assert len(hosts) == 1


def test_anti_affinity_spreads_members_then_refuses(three: Compute) -> None:
    group = _create(three, "anti-affinity")
    hosts = [_host(three, _boot_in(three, group)["id"]) for _ in range(3)]
    assert sorted(hosts) == ["node-1", "node-2", "node-3"]
    fourth = _boot_in(three, group, wait="ERROR")
    assert fourth["fault"]["message"].startswith("No valid host was found.")
    admin = three.as_("admin").get(f"/v2.1/servers/{fourth['id']}", headers=MV).json()
    assert "ServerGroupAntiAffinityFilter removed 3 of 3 hosts: already runs 1 member(s) of " \
           f"anti-affinity group {group['id']} (at most 1 per host)" \
           in admin["server"]["fault"]["details"]


def test_max_server_per_host(three: Compute) -> None:
    group = _create(three, "anti-affinity", rules={"max_server_per_host": 2})
    hosts = Counter(_host(three, _boot_in(three, group)["id"]) for _ in range(6))
    assert sorted(hosts.values()) == [2, 2, 2]
    seventh = _boot_in(three, group, wait="ERROR")
    admin = three.as_("admin").get(f"/v2.1/servers/{seventh['id']}", headers=MV).json()
    assert "(at most 2 per host)" in admin["server"]["fault"]["details"]


def test_soft_affinity_prefers_the_members_host(three: Compute) -> None:
    group = _create(three, "soft-affinity")
    hosts = {_host(three, _boot_in(three, group)["id"]) for _ in range(3)}
    assert len(hosts) == 1


def test_soft_affinity_goes_elsewhere_when_the_members_host_is_disabled(
        three: Compute) -> None:
    group = _create(three, "soft-affinity")
    first = _host(three, _boot_in(three, group)["id"])
    three.cloud.registry.set_disabled("nova-compute", first, True)
    # The scheduler reads the services again once its view is a second old; not waiting.
    _scheduler(three).host_states.mark_stale()
    second = _host(three, _boot_in(three, group)["id"])
    assert second != first


def test_soft_anti_affinity_spreads_but_never_refuses(three: Compute) -> None:
    group = _create(three, "soft-anti-affinity")
    hosts = Counter(_host(three, _boot_in(three, group)["id"]) for _ in range(5))
    assert sorted(hosts) == ["node-1", "node-2", "node-3"]
    assert max(hosts.values()) == 2


def _scheduler(compute: Compute) -> SchedulerManager:
    endpoint = next(w for w in compute.cloud.runtimes["compute"].workers
                    if getattr(w, "topic", "") == "scheduler").endpoint
    assert isinstance(endpoint, SchedulerManager)
    return endpoint


def test_members_created_at_once_still_spread(three: Compute) -> None:
    group = _create(three, "anti-affinity")
    created: list[str] = []

    def create() -> None:
        created.append(_boot_in(three, group, wait=None)["id"])

    threads = [threading.Thread(target=create) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    hosts = [_host(three, three.wait(s, "ACTIVE")["id"]) for s in created]
    assert sorted(hosts) == ["node-1", "node-2", "node-3"]


def test_a_member_that_loses_its_host_to_another_scheduler_chooses_again(
        make_compute: Callable[..., Compute], monkeypatch: pytest.MonkeyPatch) -> None:
    """Two schedulers (two processes, say) place two members of one anti-affinity group at
    the same moment, both choosing node-1: the host is recorded under the group's lock, the
    second sees the first's member there and chooses again."""
    compute = make_compute(hosts=3)
    group = _create(compute, "anti-affinity")
    first = _boot_in(compute, group)
    taken = _host(compute, first["id"])
    # The second server waits for a host; another scheduler, whose view of the group is from
    # before the first member was placed, handles it.
    other = SchedulerManager(compute.state.db, compute.clients.placement, compute.state.hosts,
                             compute.state.compute_rpc)
    other.recovered.set()
    # This cloud's own scheduler lets the second server wait, as if the message went to the
    # other scheduler.
    monkeypatch.setattr(_scheduler(compute), "schedule_and_build", lambda *a, **k: None)
    second = _boot_in(compute, group, wait=None)
    ranked = other.chooser.ranked
    calls: list[int] = []

    def stale_first(view: Any, spec: dict[str, Any], everyone: bool) -> list[Any]:
        calls.append(1)
        if len(calls) == 1:     # the stale choice: the first member's host
            stale = dict(spec, instance_group=dict(spec["instance_group"], hosts={}))
            return sorted(ranked(view, stale, True), key=lambda h: h.host != taken)
        return ranked(view, spec, everyone)

    monkeypatch.setattr(other.chooser, "ranked", stale_first)
    row = instances_db.find_instance(compute.state.db, second["id"])
    assert row is not None and row.task_state == TaskState.SCHEDULING
    other.schedule_and_build({}, second["id"], dict(row.request_spec or {}))
    assert len(calls) == 2
    compute.wait(second["id"], "ACTIVE")
    placed = _host(compute, second["id"])
    assert placed != taken
    held = compute.clients.placement.allocations[second["id"]]
    provider = compute.clients.placement.find_provider(placed)
    assert provider is not None and list(held) == [provider["uuid"]]
