"""Volume lifecycle, listing, update and deletion through the API and the agent."""

from __future__ import annotations

from typing import Any

from tests.support.personas import project_of


def test_create_goes_through_agent_to_available(vol: Any) -> None:
    created = vol.create(wait=False, name="data", description="d", metadata={"k": "v"})
    assert created["status"] in ("creating", "available")
    assert created["size"] == 1 and created["name"] == "data"
    body = vol.wait(created["id"], "available", "member")
    assert body["volume_type"] == "__DEFAULT__"
    assert body["availability_zone"] == "nova"
    assert body["bootable"] == "false" and body["encrypted"] is False
    assert body["attachments"] == [] and body["metadata"] == {"k": "v"}
    assert body["os-vol-tenant-attr:tenant_id"] == project_of("member")
    assert "os-vol-host-attr:host" not in body
    admin_view = vol.as_("admin").get(f"/v3/volumes/{created['id']}").json()["volume"]
    assert admin_view["os-vol-host-attr:host"].endswith("@fake#fake")
    assert body["links"][0]["rel"] == "self"


def test_project_id_in_path_is_equivalent(vol: Any) -> None:
    created = vol.create()
    project = project_of("member")
    resp = vol.as_("member").get(f"/v3/{project}/volumes/{created['id']}")
    assert resp.status_code == 200
    resp = vol.as_("member").get(f"/v3/{project}/volumes/detail")
    assert [v["id"] for v in resp.json()["volumes"]] == [created["id"]]


def test_other_project_in_path_is_refused(vol: Any) -> None:
    resp = vol.as_("member").get(f"/v3/{project_of('other')}/volumes")
    assert resp.status_code == 403
    assert resp.json()["forbidden"]["code"] == 403


def test_no_agent_means_error_status(make_cloud: Any) -> None:
    _, api = make_cloud(["volume"], prefix="/volume")
    resp = api.as_("member").post("/v3/volumes", json={"volume": {"size": 1}})
    assert resp.status_code == 202
    assert resp.json()["volume"]["status"] == "error"
    assert api.as_("member").delete(f"/v3/volumes/{resp.json()['volume']['id']}").status_code == 202


def test_list_filters_and_summary_shape(vol: Any) -> None:
    a = vol.create(name="alpha", metadata={"tier": "gold"})
    b = vol.create(name="beta")
    listing = vol.as_("member").get("/v3/volumes").json()["volumes"]
    assert {v["id"] for v in listing} == {a["id"], b["id"]}
    assert set(listing[0]) == {"id", "name", "links"}
    by_name = vol.as_("member").get("/v3/volumes/detail", params={"name": "alpha"}).json()
    assert [v["id"] for v in by_name["volumes"]] == [a["id"]]
    by_meta = vol.as_("member").get("/v3/volumes/detail",
                                    params={"metadata": "{'tier': 'gold'}"}).json()
    assert [v["id"] for v in by_meta["volumes"]] == [a["id"]]
    by_status = vol.as_("member").get("/v3/volumes", params={"status": "creating"}).json()
    assert by_status["volumes"] == []
    bad_status = vol.as_("member").get("/v3/volumes/detail", params={"status": "bogus"})
    assert bad_status.status_code == 200 and bad_status.json()["volumes"] == []


def test_pagination_links(vol: Any) -> None:
    ids = {vol.create(name=f"v{i}")["id"] for i in range(3)}
    first = vol.as_("member").get("/v3/volumes/detail", params={"limit": 2}).json()
    assert len(first["volumes"]) == 2
    link = first["volumes_links"][0]
    assert link["rel"] == "next" and "marker=" in link["href"]
    marker = first["volumes"][-1]["id"]
    rest = vol.as_("member").get("/v3/volumes/detail",
                                 params={"limit": 2, "marker": marker}).json()
    assert len(rest["volumes"]) == 1
    assert {v["id"] for v in first["volumes"] + rest["volumes"]} == ids
    assert "volumes_links" not in rest


def test_all_tenants_for_admin_only(vol: Any) -> None:
    mine = vol.create()
    theirs = vol.create("other")
    everything = vol.as_("admin").get("/v3/volumes", params={"all_tenants": "1"}).json()
    assert {mine["id"], theirs["id"]} <= {v["id"] for v in everything["volumes"]}
    member = vol.as_("member").get("/v3/volumes", params={"all_tenants": "1"}).json()
    assert [v["id"] for v in member["volumes"]] == [mine["id"]]


def test_update(vol: Any) -> None:
    created = vol.create()
    resp = vol.as_("member").put(f"/v3/volumes/{created['id']}",
                                 json={"volume": {"name": "renamed", "description": "x",
                                                  "metadata": {"a": "b"}}})
    assert resp.status_code == 200, resp.text
    body = resp.json()["volume"]
    assert (body["name"], body["description"], body["metadata"]) == ("renamed", "x", {"a": "b"})


def test_delete_goes_through_agent(vol: Any) -> None:
    created = vol.create()
    resp = vol.as_("member").delete(f"/v3/volumes/{created['id']}")
    assert resp.status_code == 202
    vol.wait(created["id"], "deleted", "member")


def test_metadata_crud(vol: Any) -> None:
    vid = vol.create(metadata={"a": "1"})["id"]
    member = vol.as_("member")
    resp = member.post(f"/v3/volumes/{vid}/metadata", json={"metadata": {"b": "2"}})
    assert resp.json()["metadata"] == {"a": "1", "b": "2"}
    resp = member.put(f"/v3/volumes/{vid}/metadata/b", json={"meta": {"b": "3"}})
    assert resp.json() == {"meta": {"b": "3"}}
    assert member.get(f"/v3/volumes/{vid}/metadata/b").json() == {"meta": {"b": "3"}}
    assert member.delete(f"/v3/volumes/{vid}/metadata/b").status_code == 200
    assert member.get(f"/v3/volumes/{vid}/metadata/b").status_code == 404
    resp = member.put(f"/v3/volumes/{vid}/metadata", json={"metadata": {"z": "9"}})
    assert member.get(f"/v3/volumes/{vid}/metadata").json() == {"metadata": {"z": "9"}}


def test_extend_bootable_readonly(vol: Any) -> None:
    vid = vol.create()["id"]
    member = vol.as_("member")
    assert member.post(f"/v3/volumes/{vid}/action",
                       json={"os-extend": {"new_size": 3}}).status_code == 202
    assert vol.wait(vid, "available", "member")["size"] == 3
    resp = member.post(f"/v3/volumes/{vid}/action", json={"os-extend": {"new_size": 2}})
    assert resp.status_code == 400
    assert member.post(f"/v3/volumes/{vid}/action",
                       json={"os-set_bootable": {"bootable": True}}).status_code == 200
    assert member.post(f"/v3/volumes/{vid}/action",
                       json={"os-update_readonly_flag": {"readonly": True}}).status_code == 202
    body = member.get(f"/v3/volumes/{vid}").json()["volume"]
    assert body["bootable"] == "true" and body["metadata"]["readonly"] == "True"


def test_summary(vol: Any) -> None:
    vol.create(size=2)
    vol.create(size=3)
    body = vol.as_("member").get("/v3/volumes/summary").json()["volume-summary"]
    assert body == {"total_size": 5, "total_count": 2}
