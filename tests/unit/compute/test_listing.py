"""Server, flavor, keypair and instance-action lists keep Nova's rules: the marker must exist,
a full page has a next link, sort keys and tag filters work as Nova's do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute.db.models import Instance, InstanceAction, InstanceTag
from tests.support.paging import walk
from tests.support.personas import project_of, token_for, user_of

MV = {"OpenStack-API-Version": "compute 2.96"}
MISSING = "0d7c6a8c-7a4b-4c4e-9f5e-1b2c3d4e5f60"
BASE = dt.datetime(2024, 1, 1)


def _server(i: int, **extra: Any) -> Instance:
    values: dict[str, Any] = {
        "uuid": f"00000000-0000-4000-8000-{i:012d}", "name": f"vm-{(i * 7) % 10}-{i}",
        "project_id": project_of("member"), "user_id": user_of("member"), "flavor_id": "42",
        "flavor": {}, "vm_state": "active", "host": f"host-{i % 3}",
        "created_at": BASE + dt.timedelta(seconds=i // 2), **extra}
    return Instance(**values)


@pytest.fixture
def listed(make_cloud: Callable[..., Any]) -> Any:
    """A compute API with ten servers (tagged by parity), each with one action."""
    cloud, api = make_cloud(["compute"], prefix="/compute", bootstrap=True)
    with cloud.db.writer() as s:
        for i in range(10):
            tags = ["even" if i % 2 == 0 else "odd", *(["three"] if i % 3 == 0 else [])]
            s.add(_server(i, tags=tags))
            s.flush()
            s.add_all([InstanceTag(instance_uuid=_server(i).uuid, tag=t) for t in tags])
            s.add(InstanceAction(instance_uuid=_server(i).uuid, action="create",
                                 request_id=f"req-{i}"))
    return api


def test_unknown_markers_are_400(listed: Any) -> None:
    member = listed.as_("member")
    for path in ("/v2.1/servers", "/v2.1/servers/detail", "/v2.1/flavors",
                 "/v2.1/flavors/detail", "/v2.1/os-keypairs"):
        resp = member.get(f"{path}?marker={MISSING}", headers=MV)
        assert resp.status_code == 400, path
        assert resp.json()["badRequest"]["message"] == f"marker [{MISSING}] not found"
    resp = member.get(f"/v2.1/servers/{_server(0).uuid}/os-instance-actions?marker={MISSING}",
                      headers=MV)
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == f"Marker {MISSING} could not be found."


def test_a_full_page_has_a_next_link(listed: Any) -> None:
    member = listed.as_("member")
    full = member.get("/v2.1/servers?limit=5&name=vm").json()
    link = full["servers_links"][0]
    assert link["rel"] == "next"
    # Nova keeps the request's own parameters, with the last item as the marker.
    assert "name=vm" in link["href"] and "limit=5" in link["href"]
    assert link["href"].endswith(f"marker={full['servers'][-1]['id']}")
    assert "servers_links" not in member.get("/v2.1/servers?limit=11").json()
    assert member.get("/v2.1/servers?limit=0").json() == {"servers": []}


def test_the_most_a_page_holds(make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["compute"], prefix="/compute", bootstrap=True, compute_max_limit=4)
    with cloud.db.writer() as s:
        s.add_all([_server(i) for i in range(10)])
    member = api.as_("member")
    page = member.get("/v2.1/servers").json()
    assert len(page["servers"]) == 4 and page["servers_links"]
    assert len(member.get("/v2.1/servers?limit=100").json()["servers"]) == 4
    everything = walk(lambda url: api.client.get(url, headers={"X-Auth-Token":
                                                                token_for("member")}),
                      "/compute/v2.1/servers", "servers")
    assert len({s["id"] for s in everything}) == 10


@pytest.mark.parametrize("sort", ["sort_key=display_name&sort_dir=asc",
                                  "sort_key=display_name&sort_key=uuid&sort_dir=desc",
                                  "sort_key=created_at&sort_dir=asc", "sort_key=vm_state"])
def test_sorted_pages_follow_the_sort(listed: Any, sort: str) -> None:
    member = listed.as_("member")
    whole = member.get(f"/v2.1/servers/detail?{sort}").json()["servers"]
    paged = walk(lambda url: listed.client.get(url, headers={"X-Auth-Token":
                                                              token_for("member")}),
                 f"/compute/v2.1/servers/detail?limit=3&{sort}", "servers")
    assert [s["id"] for s in paged] == [s["id"] for s in whole]
    assert len(whole) == 10
    if "display_name&sort_dir=asc" in sort:
        assert [s["name"] for s in whole] == sorted(s["name"] for s in whole)


def test_sort_keys_as_nova_treats_them(listed: Any) -> None:
    member = listed.as_("member")
    resp = member.get("/v2.1/servers?sort_key=host")
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["message"] == "Only administrators can sort servers by host"
    admin = listed.as_("admin")
    hosts = admin.get("/v2.1/servers/detail?all_tenants=1&sort_key=host&sort_dir=asc",
                      headers=MV).json()["servers"]
    assert [s["OS-EXT-SRV-ATTR:host"] for s in hosts] == sorted(
        s["OS-EXT-SRV-ATTR:host"] for s in hosts)
    # Keys Nova accepts but ignores, and ones it does not know.
    assert member.get("/v2.1/servers?sort_key=vcpus").status_code == 200
    assert member.get("/v2.1/servers?sort_key=bogus").status_code == 400
    assert member.get("/v2.1/servers?sort_key=uuid&sort_dir=sideways").status_code == 400


def test_tag_filters(listed: Any) -> None:
    member = listed.as_("member")

    def names(query: str) -> set[int]:
        servers = member.get(f"/v2.1/servers?{query}", headers=MV).json()["servers"]
        return {int(s["name"].rsplit("-", 1)[1]) for s in servers}

    assert names("tags=even") == {0, 2, 4, 6, 8}
    assert names("tags=even,three") == {0, 6}
    assert names("tags-any=odd,three") == {1, 3, 5, 6, 7, 9, 0}
    assert names("not-tags=even,three") == {1, 2, 3, 4, 5, 7, 8, 9}
    assert names("not-tags-any=odd,three") == {2, 4, 8}
    # Before 2.26 the tag filters do not exist.
    old = member.get("/v2.1/servers?tags=even").json()["servers"]
    assert len(old) == 10


def test_tags_written_through_the_api_filter(listed: Any) -> None:
    member = listed.as_("member")
    sid = _server(1).uuid
    assert member.put(f"/v2.1/servers/{sid}/tags", json={"tags": ["blue", "odd"]},
                      headers=MV).status_code == 200
    found = member.get("/v2.1/servers?tags=blue", headers=MV).json()["servers"]
    assert [s["id"] for s in found] == [sid]
    assert member.delete(f"/v2.1/servers/{sid}/tags/blue", headers=MV).status_code == 204
    assert member.get("/v2.1/servers?tags=blue", headers=MV).json()["servers"] == []


def test_instance_actions_page_from_2_58(listed: Any) -> None:
    member = listed.as_("member")
    path = f"/v2.1/servers/{_server(0).uuid}/os-instance-actions"
    old = member.get(f"{path}?limit=0").json()
    assert len(old["instanceActions"]) == 1 and "links" not in old
    assert member.get(f"{path}?limit=0", headers=MV).json() == {"instanceActions": []}
    page = member.get(f"{path}?limit=1", headers=MV).json()
    assert page["links"][0]["rel"] == "next"
    since = member.get(f"{path}?changes-since=2999-01-01T00:00:00Z", headers=MV).json()
    assert since == {"instanceActions": []}
    assert member.get(f"{path}?changes-since=yesterday", headers=MV).status_code == 400
