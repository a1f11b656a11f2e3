"""Version discovery and microversion negotiation."""

from __future__ import annotations

from typing import Any


def test_root_lists_v3(vol: Any) -> None:
    resp = vol.as_("admin").get("/", headers={"X-Auth-Token": ""})
    assert resp.status_code == 300
    (v3,) = resp.json()["versions"]
    assert v3["id"] == "v3.0" and v3["status"] == "CURRENT"
    assert v3["min_version"] == "3.0" and v3["version"] == "3.71"
    assert v3["links"][1]["href"].endswith("/volume/v3/")


def test_v3_document(vol: Any) -> None:
    resp = vol.api.as_(None).get("/v3")
    assert resp.status_code == 200
    assert resp.json()["versions"][0]["version"] == "3.71"


def test_microversion_header_echoed(vol: Any) -> None:
    resp = vol.as_("member").get("/v3/volumes", headers={"OpenStack-API-Version": "volume 3.50"})
    assert resp.status_code == 200
    assert resp.headers["OpenStack-API-Version"] == "volume 3.50"


def test_microversion_out_of_range(vol: Any) -> None:
    resp = vol.as_("member").get("/v3/volumes", headers={"OpenStack-API-Version": "volume 3.99"})
    assert resp.status_code == 406
    assert "notAcceptable" in resp.json()


def test_unknown_path_is_cinder_fault(vol: Any) -> None:
    resp = vol.as_("member").get("/v3/nothing-here/at/all")
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["code"] == 404
