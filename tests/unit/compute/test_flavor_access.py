"""Private flavors: the access list, granting and revoking it, and who sees (and boots) them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.personas import OTHER_PROJECT, PROJECT
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID

COVERS = [("compute", "flavor access: private flavors, os-flavor-access, addTenantAccess, "
                      "removeTenantAccess; visibility in list, show and server create")]

V26 = {"OpenStack-API-Version": "compute 2.6"}


def _private(compute: Compute, flavorid: str = "secret") -> None:
    resp = compute.as_("admin").post("/v2.1/flavors", json={"flavor": {
        "name": flavorid, "ram": 64, "vcpus": 1, "disk": 0, "id": flavorid,
        "os-flavor-access:is_public": False}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["flavor"]["os-flavor-access:is_public"] is False


def _grant(compute: Compute, flavorid: str, project: str, action: str = "addTenantAccess",
           headers: dict[str, str] = MV) -> Any:
    return compute.as_("admin").post(f"/v2.1/flavors/{flavorid}/action",
                                     json={action: {"tenant": project}}, headers=headers)


def _listed(compute: Compute, persona: str, query: str = "") -> set[str]:
    resp = compute.as_(persona).get(f"/v2.1/flavors{query}")
    assert resp.status_code == 200, resp.text
    return {f["id"] for f in resp.json()["flavors"]}


def test_access_list_grant_and_revoke(compute: Compute) -> None:
    _private(compute)
    admin = compute.as_("admin")
    assert admin.get("/v2.1/flavors/secret/os-flavor-access").json() == {"flavor_access": []}
    resp = _grant(compute, "secret", PROJECT)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"flavor_access": [{"flavor_id": "secret", "tenant_id": PROJECT}]}
    again = _grant(compute, "secret", PROJECT)
    assert again.status_code == 409
    assert again.json()["conflictingRequest"]["message"] == (
        f"Flavor access already exists for flavor secret and project {PROJECT} combination.")
    _grant(compute, "secret", OTHER_PROJECT)
    listed = admin.get("/v2.1/flavors/secret/os-flavor-access").json()["flavor_access"]
    assert [a["tenant_id"] for a in listed] == [PROJECT, OTHER_PROJECT]

    resp = _grant(compute, "secret", OTHER_PROJECT, "removeTenantAccess")
    assert resp.json() == {"flavor_access": [{"flavor_id": "secret", "tenant_id": PROJECT}]}
    gone = _grant(compute, "secret", OTHER_PROJECT, "removeTenantAccess")
    assert gone.status_code == 404
    assert gone.json()["itemNotFound"]["message"] == (
        f"Flavor access not found for secret / {OTHER_PROJECT} combination.")

    public = admin.get("/v2.1/flavors/42/os-flavor-access")
    assert public.status_code == 404
    assert public.json()["itemNotFound"]["message"] == \
        "Access list not available for public flavors."
    # From 2.7 a public flavor takes no grant; before, it did (meaning nothing).
    assert _grant(compute, "42", PROJECT).status_code == 409
    assert _grant(compute, "42", PROJECT, headers=V26).status_code == 200
    assert _grant(compute, "nope", PROJECT).status_code == 404
    assert admin.get("/v2.1/flavors/nope/os-flavor-access").status_code == 404
    assert compute.as_("admin").post("/v2.1/flavors/secret/action",
                                     json={"addTenantAccess": {}}).status_code == 400
    assert compute.as_("admin").post("/v2.1/flavors/secret/action",
                                     json={"resize": {}}).status_code == 400


def test_who_sees_a_private_flavor(compute: Compute) -> None:
    _private(compute)
    _grant(compute, "secret", PROJECT)
    assert "secret" in _listed(compute, "member")
    assert "secret" in _listed(compute, "reader")
    assert "secret" not in _listed(compute, "other")
    # An admin sees public flavors (and their own project's) unless asked for all.
    assert "secret" not in _listed(compute, "admin")
    assert "secret" in _listed(compute, "admin", "?is_public=none")
    assert _listed(compute, "admin", "?is_public=false") == {"secret"}
    # A member's is_public is ignored: always the public flavors and the granted ones.
    assert "secret" in _listed(compute, "member", "?is_public=false")
    assert compute.as_("member").get("/v2.1/flavors/secret").status_code == 200
    assert compute.as_("other").get("/v2.1/flavors/secret").status_code == 404
    assert compute.as_("admin").get("/v2.1/flavors/secret").status_code == 200
    assert compute.as_("member").get("/v2.1/flavors/secret/os-extra_specs").status_code == 200
    assert compute.as_("other").get("/v2.1/flavors/secret/os-extra_specs").status_code == 404


def test_only_granted_projects_boot_a_private_flavor(compute: Compute) -> None:
    _private(compute)
    _grant(compute, "secret", PROJECT)
    server = compute.boot(flavorRef="secret")
    assert server["flavor"]["original_name"] == "secret"
    refused = compute.as_("other").post("/v2.1/servers", headers=MV, json={"server": {
        "name": "x", "imageRef": IMAGE_ID, "flavorRef": "secret", "networks": "none"}})
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"] == "Flavor secret could not be found."
    _grant(compute, "secret", PROJECT, "removeTenantAccess")
    again = compute.as_("member").post("/v2.1/servers", headers=MV, json={"server": {
        "name": "x", "imageRef": IMAGE_ID, "flavorRef": "secret", "networks": "none"}})
    assert again.status_code == 400


def test_deleting_a_flavor_forgets_its_grants(compute: Compute) -> None:
    _private(compute)
    _grant(compute, "secret", PROJECT)
    assert compute.as_("admin").delete("/v2.1/flavors/secret").status_code == 202
    _private(compute)
    assert compute.as_("admin").get("/v2.1/flavors/secret/os-flavor-access").json() == {
        "flavor_access": []}


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_manage_access(compute: Compute, persona: str) -> None:
    _private(compute)
    api = compute.as_(persona)
    assert api.get("/v2.1/flavors/secret/os-flavor-access").status_code == 403
    for action in ("addTenantAccess", "removeTenantAccess"):
        resp = api.post("/v2.1/flavors/secret/action", json={action: {"tenant": PROJECT}})
        assert resp.status_code == 403
