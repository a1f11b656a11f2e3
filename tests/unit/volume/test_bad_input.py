"""Bad requests get Cinder's 4xx fault bodies, never a 500."""

from __future__ import annotations

from typing import Any

import pytest


def test_malformed_json(vol: Any) -> None:
    resp = vol.as_("member").post("/v3/volumes", content=b"{not json",
                                  headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["code"] == 400


@pytest.mark.parametrize("size", [None, -1, 0, "abc", "#$%", 1.5, True, "-2"])
def test_bad_size_names_size(vol: Any, size: Any) -> None:
    volume = {} if size is None else {"size": size}
    resp = vol.as_("member").post("/v3/volumes", json={"volume": volume})
    assert resp.status_code == 400, resp.text
    assert "size" in resp.json()["badRequest"]["message"]


def test_size_as_numeric_string_accepted(vol: Any) -> None:
    resp = vol.as_("member").post("/v3/volumes", json={"volume": {"size": "2"}})
    assert resp.status_code == 202
    assert resp.json()["volume"]["size"] == 2


def test_missing_volume_key(vol: Any) -> None:
    resp = vol.as_("member").post("/v3/volumes", json={"size": 1})
    assert resp.status_code == 400
    assert "volume" in resp.json()["badRequest"]["message"]


@pytest.mark.parametrize("field", ["snapshot_id", "source_volid", "volume_type"])
def test_unknown_references_are_404(vol: Any, field: str) -> None:
    resp = vol.as_("member").post("/v3/volumes",
                                  json={"volume": {"size": 1, field: "does-not-exist"}})
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["code"] == 404


def test_unknown_availability_zone(vol: Any) -> None:
    resp = vol.as_("member").post("/v3/volumes",
                                  json={"volume": {"size": 1, "availability_zone": "mars"}})
    assert resp.status_code == 400


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_unknown_volume_is_404(vol: Any, method: str) -> None:
    kwargs = {"json": {"volume": {"name": "x"}}} if method == "put" else {}
    resp = getattr(vol.as_("member"), method)("/v3/volumes/no-such-volume", **kwargs)
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == "Volume no-such-volume could not be found."


def test_bad_update_body(vol: Any) -> None:
    volume_id = vol.create()["id"]
    resp = vol.as_("member").put(f"/v3/volumes/{volume_id}", json={"volume": {"name": 5}})
    assert resp.status_code == 400 and "name" in resp.json()["badRequest"]["message"]


def test_bad_metadata(vol: Any) -> None:
    resp = vol.as_("member").post("/v3/volumes",
                                  json={"volume": {"size": 1, "metadata": {"k": 1}}})
    assert resp.status_code == 400


def test_bad_list_params(vol: Any) -> None:
    api = vol.as_("member")
    assert api.get("/v3/volumes", params={"limit": "x"}).status_code == 400
    assert api.get("/v3/volumes", params={"sort": "bogus:asc"}).status_code == 400
    assert api.get("/v3/volumes", params={"marker": "nope"}).status_code == 404
    assert api.get("/v3/volumes/detail", params={"name": "nothing"}).json()["volumes"] == []


def test_quota_exceeded_is_413(vol: Any, member_project: str) -> None:
    assert vol.as_("admin").put(f"/v3/os-quota-sets/{member_project}",
                                json={"quota_set": {"gigabytes": 2}}).status_code == 200
    resp = vol.as_("member").post("/v3/volumes", json={"volume": {"size": 3}})
    assert resp.status_code == 413
    assert "overLimit" in resp.json()
