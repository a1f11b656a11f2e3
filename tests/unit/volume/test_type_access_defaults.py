"""Private volume types (``os-volume-type-access``): seen and used only by admins and the
projects given them; and each project's own default type (``/default-types``, 3.62)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.personas import project_of

COVERS = [("volume", "private volume types: is_public, os-volume-type-access list, "
                     "addProjectAccess/removeProjectAccess, visibility and use"),
          ("volume", "default volume types (3.62): set, show, list, unset; used for volumes "
                     "made without a type")]

MV = {"OpenStack-API-Version": "volume 3.62"}


def _type(vol: Any, name: str, public: bool = True) -> str:
    resp = vol.as_("admin").post("/v3/types", json={"volume_type": {
        "name": name, "os-volume-type-access:is_public": public}})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["volume_type"]["id"])


def _grant(vol: Any, type_id: str, persona: str, action: str = "addProjectAccess",
           by: str = "admin") -> Any:
    return vol.as_(by).post(f"/v3/types/{type_id}/action",
                            json={action: {"project": project_of(persona)}})


def _names(vol: Any, persona: str, **params: str) -> set[str]:
    resp = vol.as_(persona).get("/v3/types", params=params)
    assert resp.status_code == 200, resp.text
    return {t["name"] for t in resp.json()["volume_types"]}


def test_a_private_type_is_for_the_projects_given_it(vol: Any) -> None:
    type_id = _type(vol, "secret", public=False)
    member = vol.as_("member")
    assert member.get(f"/v3/types/{type_id}").status_code == 404
    refused = member.post("/v3/volumes", json={"volume": {"size": 1, "volume_type": type_id}})
    assert refused.status_code == 404
    assert refused.json()["itemNotFound"]["message"] == f"Volume type {type_id} could not be found."
    assert "secret" not in _names(vol, "member")
    assert _grant(vol, type_id, "member").status_code == 202
    assert member.get(f"/v3/types/{type_id}").json()["volume_type"]["is_public"] is False
    assert "secret" in _names(vol, "member") and "secret" not in _names(vol, "other")
    made = vol.create(volume_type="secret")
    assert made["volume_type"] == "secret"
    # The other project still cannot see or use it.
    assert vol.as_("other").get(f"/v3/types/{type_id}").status_code == 404
    assert vol.as_("other").post("/v3/volumes", json={"volume": {
        "size": 1, "volume_type": "secret"}}).status_code == 404
    access = vol.as_("admin").get(f"/v3/types/{type_id}/os-volume-type-access").json()
    assert access == {"volume_type_access": [{"volume_type_id": type_id,
                                              "project_id": project_of("member")}]}
    assert _grant(vol, type_id, "member", "removeProjectAccess").status_code == 202
    assert member.get(f"/v3/types/{type_id}").status_code == 404
    assert vol.as_("admin").get(f"/v3/types/{type_id}/os-volume-type-access").json() == {
        "volume_type_access": []}


def test_listing_follows_is_public_as_cinder(vol: Any) -> None:
    _type(vol, "open")
    _type(vol, "closed", public=False)
    # Admins too see the public types unless they ask: false for private ones, none for all.
    assert "closed" not in _names(vol, "admin") and "open" in _names(vol, "admin")
    assert _names(vol, "admin", is_public="false") == {"closed"}
    assert {"open", "closed"} <= _names(vol, "admin", is_public="None")
    # A non-admin's is_public is ignored.
    assert "closed" not in _names(vol, "member", is_public="false")
    assert vol.as_("admin").get("/v3/types", params={"is_public": "maybe"}).status_code == 400


def test_access_faults(vol: Any) -> None:
    admin = vol.as_("admin")
    public = _type(vol, "open")
    private = _type(vol, "closed", public=False)
    listed = admin.get(f"/v3/types/{public}/os-volume-type-access")
    assert listed.status_code == 404 and "public volume types" in listed.text
    on_public = _grant(vol, public, "member")
    assert on_public.status_code == 400 and "not applicable to public volume type" in (
        on_public.text)
    assert _grant(vol, private, "member").status_code == 202
    twice = _grant(vol, private, "member")
    assert twice.status_code == 409 and "already exists" in twice.text
    gone = _grant(vol, private, "other", "removeProjectAccess")
    assert gone.status_code == 404
    assert f"{private} / {project_of('other')} combination" in gone.text
    assert _grant(vol, "no-such", "member").status_code == 404
    for body in ({"addProjectAccess": {}}, {"addProjectAccess": {"project": ""}},
                 {"addProjectAccess": {"project": "p", "x": 1}}, {"somethingElse": {}},
                 {"addProjectAccess": {"project": "p"}, "removeProjectAccess": {"project": "p"}}):
        assert admin.post(f"/v3/types/{private}/action", json=body).status_code == 400
    # The type's access goes with it.
    assert admin.delete(f"/v3/types/{private}").status_code == 202
    assert admin.get(f"/v3/types/{private}/os-volume-type-access").status_code == 404


def test_the_access_field_needs_its_policy(vol: Any) -> None:
    type_id = _type(vol, "open")
    shown = vol.as_("member").get(f"/v3/types/{type_id}").json()["volume_type"]
    assert shown["os-volume-type-access:is_public"] is True and "qos_specs_id" not in shown
    read = vol.as_("reader").get(f"/v3/types/{type_id}").json()["volume_type"]
    assert "os-volume-type-access:is_public" not in read
    assert vol.as_("admin").get(f"/v3/types/{type_id}").json()["volume_type"][
        "qos_specs_id"] is None


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 202), ("member", 403), ("reader", 403), ("other", 403),
])
def test_access_protection(vol: Any, persona: str, expected: int) -> None:
    type_id = _type(vol, "closed", public=False)
    assert _grant(vol, type_id, "member", by=persona).status_code == expected
    listed = vol.as_(persona).get(f"/v3/types/{type_id}/os-volume-type-access")
    assert listed.status_code == (200 if persona == "admin" else 403)
    removed = _grant(vol, type_id, "member", "removeProjectAccess", by=persona)
    assert removed.status_code == expected


def test_project_default_type(vol: Any) -> None:
    admin = vol.as_("admin")
    project = project_of("member")
    type_id = _type(vol, "gold")
    assert admin.get(f"/v3/default-types/{project}", headers=MV).status_code == 404
    resp = admin.put(f"/v3/default-types/{project}", headers=MV,
                     json={"default_type": {"volume_type": "gold"}})
    assert resp.status_code == 200
    assert resp.json() == {"default_type": {"project_id": project, "volume_type_id": type_id}}
    assert admin.get(f"/v3/default-types/{project}", headers=MV).json() == resp.json()
    assert admin.get("/v3/default-types", headers=MV).json() == {"default_types": [
        {"project_id": project, "volume_type_id": type_id}]}
    # The project's volumes made without a type get it; another project's get the cloud's.
    assert vol.create()["volume_type"] == "gold"
    assert vol.create("other")["volume_type"] == "__DEFAULT__"
    assert vol.as_("member").get("/v3/types/default").json()["volume_type"]["name"] == "gold"
    # A project's default cannot be deleted.
    blocked = admin.delete(f"/v3/types/{type_id}")
    assert blocked.status_code == 400 and "is a default volume type" in blocked.text
    assert admin.delete(f"/v3/default-types/{project}", headers=MV).status_code == 204
    assert admin.delete(f"/v3/default-types/{project}", headers=MV).status_code == 204
    assert admin.get("/v3/default-types", headers=MV).json() == {"default_types": []}
    assert vol.create()["volume_type"] == "__DEFAULT__"


def test_default_type_faults(vol: Any) -> None:
    admin = vol.as_("admin")
    project = project_of("member")
    unknown = admin.put(f"/v3/default-types/{project}", headers=MV,
                        json={"default_type": {"volume_type": "no-such"}})
    assert unknown.status_code == 400 and "no-such could not be found" in unknown.text
    for body in ({}, {"default_type": {}}, {"default_type": {"volume_type": ""}},
                 {"default_type": {"volume_type": "x", "other": 1}}):
        assert admin.put(f"/v3/default-types/{project}", headers=MV,
                         json=body).status_code == 400
    missing = admin.get(f"/v3/default-types/{project}", headers=MV)
    assert missing.status_code == 404
    assert f"Default type for project {project} not found." in missing.text
    # Before 3.62 there is no such resource.
    old = {"OpenStack-API-Version": "volume 3.61"}
    assert admin.get("/v3/default-types", headers=old).status_code == 404


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 200), ("member", 403), ("reader", 403), ("other", 403),
])
def test_default_type_protection(vol: Any, persona: str, expected: int) -> None:
    _type(vol, "gold")
    client = vol.as_(persona)
    project = project_of("member")
    assert client.put(f"/v3/default-types/{project}", headers=MV,
                      json={"default_type": {"volume_type": "gold"}}).status_code == expected
    assert client.get(f"/v3/default-types/{project}", headers=MV).status_code == (
        200 if persona == "admin" else 403)
    assert client.get("/v3/default-types", headers=MV).status_code == expected
    assert client.delete(f"/v3/default-types/{project}", headers=MV).status_code == (
        204 if persona == "admin" else 403)
