"""``os-quota-sets``: an administrator sets a project's compute quotas (as ``openstack quota
set --instances N --cores N --ram N`` does), they are kept and shown (also by ``/limits``), and
reverting them brings the defaults back."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.compute.manager.quotas import DEFAULT_QUOTAS
from tests.support.personas import project_of
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

COVERS = [("compute", "os-quota-sets: update, show, detail, defaults, delete; /limits shows "
                      "the project's own limits")]

PROJECT = project_of("member")
SDK = {"OpenStack-API-Version": "compute 2.56"}     # what openstacksdk sends for quota sets


def _put(compute: Compute, body: dict[str, Any], persona: str = "admin",
         project: str = PROJECT, headers: dict[str, str] | None = None) -> Any:
    return compute.as_(persona).put(f"/v2.1/os-quota-sets/{project}",
                                    json={"quota_set": body},
                                    headers=SDK if headers is None else headers)


def test_set_show_and_revert(compute: Compute) -> None:
    resp = _put(compute, {"instances": 5, "cores": 8, "ram": 4096})
    assert resp.status_code == 200, resp.text
    got = resp.json()["quota_set"]
    assert "id" not in got
    assert (got["instances"], got["cores"], got["ram"]) == (5, 8, 4096)
    assert got["key_pairs"] == DEFAULT_QUOTAS["key_pairs"]

    shown = compute.as_("member").get(f"/v2.1/os-quota-sets/{PROJECT}", headers=SDK).json()
    assert shown["quota_set"]["id"] == PROJECT and shown["quota_set"]["instances"] == 5
    limits = compute.as_("member").get("/v2.1/limits", headers=MV).json()["limits"]["absolute"]
    assert (limits["maxTotalInstances"], limits["maxTotalCores"],
            limits["maxTotalRAMSize"]) == (5, 8, 4096)
    # Other projects and the defaults are untouched.
    other = compute.as_("admin").get(f"/v2.1/os-quota-sets/{project_of('other')}",
                                     headers=SDK).json()["quota_set"]
    assert other["instances"] == DEFAULT_QUOTAS["instances"]
    defaults = compute.as_("member").get(f"/v2.1/os-quota-sets/{PROJECT}/defaults",
                                         headers=SDK).json()["quota_set"]
    assert defaults["instances"] == DEFAULT_QUOTAS["instances"]

    assert compute.as_("admin").delete(f"/v2.1/os-quota-sets/{PROJECT}").status_code == 202
    shown = compute.as_("member").get(f"/v2.1/os-quota-sets/{PROJECT}", headers=SDK).json()
    assert shown["quota_set"]["instances"] == DEFAULT_QUOTAS["instances"]


def test_strings_of_digits_and_unlimited(compute: Compute) -> None:
    got = _put(compute, {"instances": "7", "cores": -1}).json()["quota_set"]
    assert (got["instances"], got["cores"]) == (7, -1)


def test_only_an_admin_sets_quotas(compute: Compute) -> None:
    assert _put(compute, {"instances": 50}, persona="member").status_code == 403
    resp = compute.as_("member").delete(f"/v2.1/os-quota-sets/{PROJECT}")
    assert resp.status_code == 403


@pytest.mark.parametrize("body", [
    {"instances": -2}, {"instances": 2 ** 31}, {"instances": "many"}, {"instances": 1.5},
    {"bogus": 1}, {"force": "perhaps"}, {"instances": None},
])
def test_bad_values_are_a_400(compute: Compute, body: dict[str, Any]) -> None:
    resp = _put(compute, body)
    assert resp.status_code == 400, resp.text
    assert "badRequest" in resp.json()


def test_each_version_takes_its_own_quotas(compute: Compute) -> None:
    old = _put(compute, {"floating_ips": 3, "injected_files": 2}, headers={})
    assert old.status_code == 200 and old.json()["quota_set"]["floating_ips"] == 3
    assert _put(compute, {"floating_ips": 3}, headers=SDK).status_code == 400
    assert _put(compute, {"injected_files": 3}, headers=MV).status_code == 400
    latest = _put(compute, {"instances": 3}, headers=MV).json()["quota_set"]
    assert "injected_files" not in latest and "floating_ips" not in latest


def test_a_limit_below_use_needs_force(compute: Compute) -> None:
    compute.boot()
    resp = _put(compute, {"instances": 0})
    assert resp.status_code == 400
    assert "must be greater than or equal to already used and reserved 1" in resp.text
    assert _put(compute, {"instances": 0, "force": True}).status_code == 200
    detail = compute.as_("member").get(f"/v2.1/os-quota-sets/{PROJECT}/detail",
                                       headers=SDK).json()["quota_set"]
    assert detail["instances"] == {"limit": 0, "in_use": 1, "reserved": 0}


def test_a_hostile_project_in_the_path_is_a_4xx(compute: Compute) -> None:
    for project in ("x" * 300, "a%00b"):
        for method in ("GET", "PUT", "DELETE"):
            resp = compute.as_("admin").request(method, f"/v2.1/os-quota-sets/{project}",
                                                json={"quota_set": {"instances": 1}},
                                                headers=SDK)
            assert 400 <= resp.status_code < 500, (project, method, resp.text)


def test_servers_that_raced_past_the_quota_are_taken_back(compute: Compute,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests checked at once may each see the room the other takes: the recheck after
    recording (Nova's ``recheck_quota``) refuses the later one and leaves nothing of it."""
    from nimbus.compute.manager.quotas import QuotaManager

    admin = compute.as_("admin")
    assert admin.put(f"/v2.1/os-quota-sets/{PROJECT}",
                     json={"quota_set": {"instances": 1}}).status_code == 200
    compute.boot()
    # The first check sees room (as a request racing the first server's would have).
    monkeypatch.setattr(QuotaManager, "servers_allowed",
                        lambda self, *args: args[-1])
    resp = compute.as_("member").post("/v2.1/servers", headers=MV, json={"server": {
        "name": "late", "imageRef": IMAGE_ID, "flavorRef": "42",
        "networks": [{"uuid": NETWORK_ID}]}})
    assert resp.status_code == 403 and "Quota exceeded for instances" in resp.text
    names = [s["name"] for s in compute.as_("member").get("/v2.1/servers").json()["servers"]]
    assert "late" not in names and len(names) == 1
