"""Volume image metadata actions, the read-only flag as Cinder shows it, detach of a volume
attached nowhere, ``offset`` on lists, and ``/volumes/`` as an empty id."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.personas import project_of

COVERS = [("volume", "volume actions: os-set/unset/show_image_metadata, the readonly flag in "
                     "metadata once set, os-detach of a volume attached nowhere; offset on "
                     "volume and snapshot lists; /volumes/ is an empty id (404)")]


def _act(vol: Any, volume_id: str, body: dict[str, Any], persona: str = "member") -> Any:
    return vol.as_(persona).post(f"/v3/volumes/{volume_id}/action", json=body)


def test_image_metadata_is_set_shown_and_unset(vol: Any) -> None:
    volume = vol.create()
    made = _act(vol, volume["id"], {"os-set_image_metadata": {"metadata": {
        "image_name": "cirros", "ramdisk_id": "disk"}}})
    assert made.status_code == 200, made.text
    assert made.json()["metadata"] == {"image_name": "cirros", "ramdisk_id": "disk"}
    shown = vol.as_("reader").get(f"/v3/volumes/{volume['id']}").json()["volume"]
    assert shown["volume_image_metadata"]["image_name"] == "cirros"
    assert _act(vol, volume["id"], {"os-unset_image_metadata": {
        "key": "ramdisk_id"}}).status_code == 200
    listed = _act(vol, volume["id"], {"os-show_image_metadata": {}}, "reader")
    assert listed.status_code == 200 and listed.json() == {"metadata": {"image_name": "cirros"}}
    missing = _act(vol, volume["id"], {"os-unset_image_metadata": {"key": "ramdisk_id"}})
    assert missing.status_code == 404, missing.text
    # A reader reads, never writes; another project does not see the volume.
    assert _act(vol, volume["id"], {"os-set_image_metadata": {"metadata": {"a": "b"}}},
                "reader").status_code == 403
    assert _act(vol, volume["id"], {"os-show_image_metadata": {}}, "other").status_code == 404


def test_readonly_shows_in_metadata_once_set(vol: Any) -> None:
    volume = vol.create()
    assert "readonly" not in volume["metadata"]
    for flag, shown in ((True, "True"), (False, "False")):
        done = _act(vol, volume["id"], {"os-update_readonly_flag": {"readonly": flag}})
        assert done.status_code == 202, done.text
        body = vol.as_("member").get(f"/v3/volumes/{volume['id']}").json()["volume"]
        assert body["metadata"]["readonly"] == shown


def test_detaching_a_volume_attached_nowhere_does_nothing(vol: Any) -> None:
    volume = vol.create()
    resp = _act(vol, volume["id"], {"os-detach": {}})
    assert resp.status_code == 202, resp.text
    assert vol.as_("member").get(f"/v3/volumes/{volume['id']}").json()["volume"][
        "status"] == "available"


def test_offset_skips_rows_of_volume_and_snapshot_lists(vol: Any) -> None:
    volumes = [vol.create(name=f"v{i}") for i in range(3)]
    api = vol.as_("member")
    page = api.get("/v3/volumes", params={"offset": 2, "limit": 3, "sort": "name:asc"})
    assert [v["name"] for v in page.json()["volumes"]] == ["v2"]
    for volume in volumes:
        made = api.post("/v3/snapshots", json={"snapshot": {"volume_id": volume["id"]}})
        assert made.status_code == 202, made.text
    snaps = api.get("/v3/snapshots", params={"offset": 2, "limit": 3}).json()["snapshots"]
    assert len(snaps) == 1
    assert api.get("/v3/snapshots", params={"offset": -1}).status_code == 400


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_volumes_with_an_empty_id_are_not_found(vol: Any, method: str) -> None:
    project = project_of("member")
    resp = getattr(vol.as_("member"), method)(f"/v3/{project}/volumes/")
    assert resp.status_code == 404, resp.text
