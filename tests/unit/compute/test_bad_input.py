"""Bad requests get Nova's fault bodies naming what was wrong, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.compute.conftest import MV
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

MISSING = "0d7c6a8c-7a4b-4c4e-9f5e-1b2c3d4e5f60"


def _create(compute: Any, headers: dict[str, str] | None = None, **server: Any) -> Any:
    body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42",
            "networks": [{"uuid": NETWORK_ID}], **server}
    return compute.as_("member").post("/v2.1/servers", json={"server": body},
                                      headers=MV if headers is None else headers)


@pytest.mark.parametrize("field,value,named", [
    ("flavorRef", "999", "Flavor 999"),
    ("imageRef", MISSING, f"Image {MISSING}"),
    ("networks", [{"uuid": MISSING}], f"Network {MISSING}"),
    ("networks", [{"port": MISSING}], MISSING),
    ("key_name", "nokey", "key_name"),
])
def test_unknown_references_are_400(compute: Any, field: str, value: Any, named: str) -> None:
    resp = _create(compute, **{field: value})
    assert resp.status_code == 400, resp.text
    assert named in resp.json()["badRequest"]["message"]


def test_inactive_image(compute: Any) -> None:
    compute.clients.image.images[IMAGE_ID]["status"] = "queued"
    resp = _create(compute)
    assert resp.status_code == 400 and "not active" in resp.text


def test_networks_required_from_2_37(compute: Any) -> None:
    body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42"}
    resp = compute.as_("member").post("/v2.1/servers", json={"server": body}, headers=MV)
    assert resp.status_code == 400 and "networks" in resp.text
    old = compute.as_("member").post("/v2.1/servers", json={"server": body})
    assert old.status_code == 202  # before 2.37 the only usable network is picked
    assert compute.as_("member").post("/v2.1/servers", json={
        "server": dict(body, networks="auto")}).status_code == 400  # "auto" is 2.37+


@pytest.mark.parametrize("server", [
    {"imageRef": IMAGE_ID, "flavorRef": "42", "networks": "none"},
    {"name": "", "imageRef": IMAGE_ID, "flavorRef": "42", "networks": "none"},
    {"name": "x", "imageRef": IMAGE_ID, "networks": "none"},
    {"name": "x", "imageRef": IMAGE_ID, "flavorRef": "42", "networks": "none", "bogus": 1},
    {"name": "x", "imageRef": IMAGE_ID, "flavorRef": "42", "networks": "none",
     "user_data": "not base64!"},
    {"name": "x", "imageRef": IMAGE_ID, "flavorRef": "42", "networks": "none",
     "metadata": {"k": 1}},
])
def test_schema_errors(compute: Any, server: dict[str, Any]) -> None:
    resp = compute.as_("member").post("/v2.1/servers", json={"server": server}, headers=MV)
    assert resp.status_code == 400, resp.text
    assert "badRequest" in resp.json()


def test_malformed_json(compute: Any) -> None:
    resp = compute.as_("member").post("/v2.1/servers", content=b'{"server": ',
                                      headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and "badRequest" in resp.json()
    resp = compute.as_("member").post("/v2.1/servers", json=["not", "an", "object"])
    assert resp.status_code == 400


def test_unknown_server_is_404(compute: Any) -> None:
    resp = compute.as_("member").get(f"/v2.1/servers/{MISSING}")
    assert resp.status_code == 404
    assert resp.json()["itemNotFound"]["message"] == f"Instance {MISSING} could not be found."
    assert compute.as_("member").delete(f"/v2.1/servers/{MISSING}").status_code == 404


def test_bad_status_filter_and_marker(compute: Any) -> None:
    # An unknown status matches nothing before 2.38 and is refused from it (as Nova).
    assert compute.as_("member").get("/v2.1/servers?status=WEIRD").json()["servers"] == []
    assert compute.as_("member").get("/v2.1/servers?status=WEIRD", headers={
        "OpenStack-API-Version": "compute 2.38"}).status_code == 400
    assert compute.as_("member").get(f"/v2.1/servers?marker={MISSING}").status_code == 400
    assert compute.as_("member").get("/v2.1/servers?limit=abc").status_code == 400


def test_bad_volume_attachment_body(compute: Any) -> None:
    sid = compute.boot()["id"]
    api = compute.as_("member")
    url = f"/v2.1/servers/{sid}/os-volume_attachments"
    assert api.post(url, json={"volumeAttachment": {}}).status_code == 400
    assert api.post(url, json={"nope": {}}).status_code == 400
    resp = api.delete(f"{url}/{MISSING}")
    assert resp.status_code == 404 and MISSING in resp.text
