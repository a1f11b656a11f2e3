"""Quota sets as the clients send them: ``openstack quota set --volumes N --gigabytes N
--snapshots N <project>`` (openstacksdk's block-storage QuotaSet), and python-cinderclient's
body, which names the project again and may ask for validation against usage."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from openstack.block_storage.v3 import quota_set as sdk_quota_set

from tests.support.personas import project_of

COVERS = [("volume", "quota set as openstack quota set and cinderclient send it")]


def _sdk_request(project: str, **limits: int) -> tuple[str, dict[str, Any]]:
    """The URL and body openstacksdk sends for ``update_quota_set(project, **limits)``."""
    with warnings.catch_warnings():
        # The SDK warns about its own internals; what matters here is what it sends.
        warnings.simplefilter("ignore")
        resource = sdk_quota_set.QuotaSet.new(project_id=project, **limits)
        request = resource._prepare_request(requires_id=False, prepend_key=True)
    return request.url, request.body


def test_openstack_quota_set_is_accepted(vol: Any, member_project: str) -> None:
    url, body = _sdk_request(member_project, volumes=7, gigabytes=70, snapshots=3)
    assert sdk_quota_set.QuotaSet.commit_method == "PUT"
    resp = vol.as_("admin").put(f"/v3{url}", json=body)
    assert resp.status_code == 200, resp.text
    answered = resp.json()["quota_set"]
    assert (answered["volumes"], answered["gigabytes"], answered["snapshots"]) == (7, 70, 3)
    shown = vol.as_("member").get(f"/v3/os-quota-sets/{member_project}").json()["quota_set"]
    assert (shown["volumes"], shown["gigabytes"], shown["snapshots"]) == (7, 70, 3)
    # With the project in the path too, as the catalog's endpoint has it.
    resp = vol.as_("admin").put(f"/v3/{project_of('admin')}{url}", json=body)
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("extra", [
    {"backups": 2, "backup_gigabytes": 20, "groups": 4, "per_volume_gigabytes": 10},
    {"volumes___DEFAULT__": 2, "gigabytes___DEFAULT__": 5, "snapshots___DEFAULT__": 1},
])
def test_every_option_of_the_cli_is_accepted(vol: Any, member_project: str,
                                             extra: dict[str, int]) -> None:
    url, body = _sdk_request(member_project, **extra)
    resp = vol.as_("admin").put(f"/v3{url}", json=body)
    assert resp.status_code == 200, resp.text


def test_cinderclient_body_with_tenant_id(vol: Any, member_project: str) -> None:
    body = {"quota_set": {"tenant_id": member_project, "volumes": "5", "snapshots": 2}}
    resp = vol.as_("admin").put(f"/v3/os-quota-sets/{member_project}", json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["quota_set"]["volumes"] == 5


def test_validation_against_usage_when_asked(vol: Any, member_project: str) -> None:
    vol.create(size=2)
    vol.create(size=2)
    admin = vol.as_("admin")
    url = f"/v3/os-quota-sets/{member_project}"
    refused = admin.put(url, params={"skip_validation": "False"},
                        json={"quota_set": {"volumes": 1}})
    assert refused.status_code == 400
    assert "Current usage is 2" in refused.json()["badRequest"]["message"]
    assert admin.put(url, params={"skip_validation": "False"},
                     json={"quota_set": {"volumes": 2, "gigabytes": -1}}).status_code == 200
    # Cinder's default skips the check.
    assert admin.put(url, json={"quota_set": {"volumes": 1}}).status_code == 200


def test_members_may_not_set_quotas(vol: Any, member_project: str) -> None:
    url, body = _sdk_request(member_project, volumes=100)
    assert vol.as_("member").put(f"/v3{url}", json=body).status_code == 403


@pytest.mark.parametrize("body", [
    {"quota_set": {"volumes": "many"}},
    {"quota_set": {"volumes": -2}},
    {"quota_set": {"volumes": 2 ** 31}},
    {"quota_set": {"unknown_key": 1}},
])
def test_bad_limits_are_400(vol: Any, member_project: str, body: dict[str, Any]) -> None:
    resp = vol.as_("admin").put(f"/v3/os-quota-sets/{member_project}", json=body)
    assert resp.status_code == 400, resp.text
