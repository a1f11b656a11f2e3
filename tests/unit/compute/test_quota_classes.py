"""``os-quota-class-sets`` and the per-user side of ``os-quota-sets``: the ``default`` class
sets every project's defaults, each microversion shows its own set of quotas, and a user's
limits stay within what the project has to give."""

from __future__ import annotations

from typing import Any

from tests.support.personas import project_of
from tests.unit.compute.conftest import Compute

COVERS = [("compute", "os-quota-class-sets: show, update (shapes by microversion); "
                      "os-quota-sets per user: show, detail, update, delete")]

PROJECT = project_of("member")
CLASS = "/v2.1/os-quota-class-sets/default"


def _mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def test_class_shapes_by_microversion(make_compute: Any) -> None:
    compute: Compute = make_compute(workers=False)
    admin = compute.as_("admin")
    old = admin.get(CLASS, headers=_mv("2.1")).json()["quota_class_set"]
    assert old["id"] == "default" and "floating_ips" in old and "injected_files" in old
    assert "server_groups" not in old
    mid = admin.get(CLASS, headers=_mv("2.50")).json()["quota_class_set"]
    assert "floating_ips" not in mid and "injected_files" in mid and "server_groups" in mid
    new = admin.get(CLASS, headers=_mv("2.57")).json()["quota_class_set"]
    assert set(new) == {"id", "instances", "cores", "ram", "key_pairs", "metadata_items",
                        "server_groups", "server_group_members"}
    resp = admin.put(CLASS, json={"quota_class_set": {"floating_ips": 3}}, headers=_mv("2.50"))
    assert resp.status_code == 400
    assert compute.as_("member").get(CLASS, headers=_mv("2.57")).status_code == 403


def test_default_class_is_every_projects_default(make_compute: Any) -> None:
    compute: Compute = make_compute(workers=False)
    admin = compute.as_("admin")
    resp = admin.put(CLASS, json={"quota_class_set": {"instances": 31, "cores": "40"}},
                     headers=_mv("2.57"))
    assert resp.status_code == 200, resp.text
    body = resp.json()["quota_class_set"]
    assert "id" not in body and (body["instances"], body["cores"]) == (31, 40)
    defaults = admin.get(f"/v2.1/os-quota-sets/{PROJECT}/defaults").json()["quota_set"]
    assert defaults["instances"] == 31
    shown = compute.as_("member").get(f"/v2.1/os-quota-sets/{PROJECT}").json()["quota_set"]
    assert (shown["instances"], shown["cores"]) == (31, 40)
    other = admin.get("/v2.1/os-quota-class-sets/other", headers=_mv("2.57")).json()
    assert other["quota_class_set"]["instances"] == 10
    assert admin.put(CLASS, json={"quota_class_set": {"ram": "99999999999999"}},
                     headers=_mv("2.57")).status_code == 400


def test_user_quotas_within_the_project(make_compute: Any) -> None:
    compute: Compute = make_compute(workers=False)
    admin = compute.as_("admin")
    users = f"/v2.1/os-quota-sets/{PROJECT}?user_id=u-member"
    assert admin.put(f"/v2.1/os-quota-sets/{PROJECT}",
                     json={"quota_set": {"instances": 4}}).status_code == 200
    resp = admin.put(users, json={"quota_set": {"instances": 5}})
    assert resp.status_code == 400
    assert "less than or equal to 4" in resp.json()["badRequest"]["message"]
    assert admin.put(users, json={"quota_set": {"instances": 3}}).json()["quota_set"][
        "instances"] == 3
    detail = admin.get(f"/v2.1/os-quota-sets/{PROJECT}/detail?user_id=u-member").json()
    assert detail["quota_set"]["instances"] == {"limit": 3, "in_use": 0, "reserved": 0}
    # The project may not go below what its users were given, unless forced.
    resp = admin.put(f"/v2.1/os-quota-sets/{PROJECT}", json={"quota_set": {"instances": 2}})
    assert resp.status_code == 400
    assert admin.delete(f"/v2.1/os-quota-sets/{PROJECT}").status_code == 202
    assert admin.get(users).json()["quota_set"]["instances"] == 10
    unknown = admin.get(f"/v2.1/os-quota-sets/{PROJECT}?bogus=1", headers=_mv("2.75"))
    assert unknown.status_code == 400
    assert admin.get(f"/v2.1/os-quota-sets/{PROJECT}?bogus=1",
                     headers=_mv("2.74")).status_code == 200
