"""Who may do what: admin, member, reader and another project's member, per resource."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.compute.conftest import MV
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

SERVER = {"server": {"name": "p", "imageRef": IMAGE_ID, "flavorRef": "42",
                     "networks": [{"uuid": NETWORK_ID}]}}


@pytest.mark.parametrize("persona,status", [("admin", 202), ("member", 202), ("reader", 403),
                                            ("other", 400)])
def test_create_server(compute: Any, persona: str, status: int) -> None:
    # "other" may create servers, but not on a private network of another project.
    compute.clients.network.networks[NETWORK_ID]["shared"] = False
    resp = compute.as_(persona).post("/v2.1/servers", json=SERVER, headers=MV)
    assert resp.status_code == status, resp.text


@pytest.mark.parametrize("persona,status", [("admin", 200), ("member", 200), ("reader", 200),
                                            ("other", 404)])
def test_show_server(compute: Any, persona: str, status: int) -> None:
    sid = compute.boot()["id"]
    assert compute.as_(persona).get(f"/v2.1/servers/{sid}").status_code == status


def test_list_is_per_project(compute: Any) -> None:
    compute.boot()
    assert len(compute.as_("reader").get("/v2.1/servers").json()["servers"]) == 1
    assert compute.as_("other").get("/v2.1/servers").json()["servers"] == []


@pytest.mark.parametrize("persona,status", [("reader", 403), ("other", 404), ("admin", 204)])
def test_delete_server(compute: Any, persona: str, status: int) -> None:
    sid = compute.boot()["id"]
    resp = compute.as_(persona).delete(f"/v2.1/servers/{sid}")
    assert resp.status_code == status
    if status != 204:
        assert compute.as_("member").get(f"/v2.1/servers/{sid}").status_code == 200


@pytest.mark.parametrize("persona,status", [("reader", 403), ("other", 404), ("admin", 202)])
def test_server_action(compute: Any, persona: str, status: int) -> None:
    sid = compute.boot()["id"]
    resp = compute.as_(persona).post(f"/v2.1/servers/{sid}/action", json={"os-stop": None})
    assert resp.status_code == status


@pytest.mark.parametrize("persona,status", [("reader", 403), ("other", 404)])
def test_volume_attach(compute: Any, persona: str, status: int) -> None:
    sid = compute.boot()["id"]
    vol = compute.clients.volume.add()
    resp = compute.as_(persona).post(f"/v2.1/servers/{sid}/os-volume_attachments",
                                     json={"volumeAttachment": {"volumeId": vol}})
    assert resp.status_code == status
    listing = compute.as_(persona).get(f"/v2.1/servers/{sid}/os-volume_attachments")
    assert listing.status_code == (200 if persona == "reader" else 404)


@pytest.mark.parametrize("persona,status", [("admin", 200), ("member", 403), ("reader", 403),
                                            ("other", 403)])
def test_flavor_create(make_compute: Any, persona: str, status: int) -> None:
    compute = make_compute(workers=False)
    body = {"flavor": {"name": f"f-{persona}", "ram": 64, "vcpus": 1, "disk": 0}}
    assert compute.as_(persona).post("/v2.1/flavors", json=body).status_code == status


@pytest.mark.parametrize("persona", ["admin", "member", "reader", "other"])
def test_flavor_read_for_all(make_compute: Any, persona: str) -> None:
    compute = make_compute(workers=False)
    assert compute.as_(persona).get("/v2.1/flavors/1").status_code == 200
    assert compute.as_(persona).delete("/v2.1/flavors/1").status_code == (
        202 if persona == "admin" else 403)


def test_unauthenticated(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    resp = compute.api.as_(None).get("/v2.1/servers")
    assert resp.status_code == 401 and "unauthorized" in resp.json()
