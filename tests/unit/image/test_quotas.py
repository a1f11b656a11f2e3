"""Per-project image quotas (Glance's unified limits): count, stored bytes, staged bytes,
uploads at once; limits from identity over the settings' defaults; the per-upload size cap."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.image.manager import quotas
from nimbus.image.manager.quotas import IdentityLimits, StaticLimits
from tests.support.personas import PROJECT
from tests.unit.image.conftest import create, upload, wait_for

COVERS = [
    ("image", "quota: image_count_total"),
    ("image", "quota: image_size_total"),
    ("image", "quota: image_stage_total"),
    ("image", "quota: image_count_uploading"),
    ("image", "unified limits from the identity service"),
    ("image", "upload size cap"),
]

OCTETS = {"Content-Type": "application/octet-stream"}
MiB = 1024 * 1024


@pytest.fixture
def cloud_api(make_cloud: Any) -> tuple[Any, Any, StaticLimits]:
    cloud, api = make_cloud(["image"], prefix="/image")
    limits = cloud.runtimes["image"].state.quotas.limits
    assert isinstance(limits, StaticLimits)
    return cloud, api, limits


def _fault(resp: Any, resource: str) -> None:
    assert resp.status_code == 413, resp.text
    assert resource in resp.text


def test_defaults_come_from_settings(make_cloud: Any) -> None:
    cloud, _api = make_cloud(["image"], prefix="/image",
                             image_count_total=7, image_size_total="3")
    limits = cloud.runtimes["image"].state.quotas.limits.for_project(PROJECT)
    assert limits == {"image_count_total": 7, "image_size_total": 3,
                      "image_stage_total": quotas.DEFAULTS["image_stage_total"],
                      "image_count_uploading": quotas.DEFAULTS["image_count_uploading"]}


def test_image_count_total(cloud_api: Any) -> None:
    _cloud, api, limits = cloud_api
    limits.overrides[PROJECT] = {"image_count_total": 1}
    first = create(api)
    _fault(api.as_("member").post("/v2/images", json={"name": "second"}), "image_count_total")
    # other projects have their own count; admins creating for the project are held to it too
    assert api.as_("other").post("/v2/images", json={"name": "x"}).status_code == 201
    resp = api.as_("admin").post("/v2/images", json={"name": "x", "owner": PROJECT})
    _fault(resp, "image_count_total")
    assert api.as_("member").delete(f"/v2/images/{first['id']}").status_code == 204
    assert api.as_("member").post("/v2/images", json={"name": "second"}).status_code == 201


def test_image_size_total_lets_the_crossing_upload_finish(cloud_api: Any) -> None:
    _cloud, api, limits = cloud_api
    limits.overrides[PROJECT] = {"image_size_total": 1}
    one, two, three = (create(api) for _ in range(3))
    assert upload(api, one["id"], b"x" * MiB).status_code == 204
    # usage (1 MiB) is not over the limit yet, and the new size is unknown until it arrives
    assert upload(api, two["id"], b"x" * MiB).status_code == 204
    resp = upload(api, three["id"], b"x" * MiB)
    _fault(resp, "image_size_total")
    assert "1 MiB" in resp.text
    assert api.as_("member").get(f"/v2/images/{three['id']}").json()["status"] == "queued"
    limits.overrides[PROJECT] = {"image_size_total": 2}
    assert upload(api, three["id"], b"x" * MiB).status_code == 204


def test_stage_total_and_uploading_count(cloud_api: Any) -> None:
    _cloud, api, limits = cloud_api
    member = api.as_("member")
    limits.overrides[PROJECT] = {"image_count_uploading": 1}
    first, second, third = (create(api) for _ in range(3))
    assert member.put(f"/v2/images/{first['id']}/stage", content=b"a" * MiB,
                      headers=OCTETS).status_code == 204
    _fault(member.put(f"/v2/images/{second['id']}/stage", content=b"b",
                      headers=OCTETS), "image_count_uploading")
    _fault(upload(api, third["id"], b"c"), "image_count_uploading")
    # glance-direct counts the image once, when staged: its import is not refused
    url = f"/v2/images/{first['id']}"
    assert member.post(f"{url}/import",
                       json={"method": {"name": "glance-direct"}}).status_code == 202
    assert wait_for(member, url, lambda i: i["status"] == "active")["status"] == "active"
    assert upload(api, third["id"], b"c").status_code == 204
    # staged bytes have their own limit
    limits.overrides[PROJECT] = {"image_stage_total": 0}
    assert member.put(f"/v2/images/{second['id']}/stage", content=b"b",
                      headers=OCTETS).status_code == 204
    fourth = create(api)
    _fault(member.put(f"/v2/images/{fourth['id']}/stage", content=b"d", headers=OCTETS),
           "image_stage_total")


def test_unlimited_is_minus_one(cloud_api: Any) -> None:
    _cloud, api, limits = cloud_api
    limits.overrides[PROJECT] = {name: -1 for name in quotas.RESOURCES}
    for _ in range(3):
        assert upload(api, create(api)["id"], b"x").status_code == 204


def test_upload_size_cap(make_cloud: Any) -> None:
    _cloud, api = make_cloud(["image"], prefix="/image", image_size_cap=10)
    image = create(api)
    resp = upload(api, image["id"], b"x" * 11)
    assert resp.status_code == 413
    assert "10 bytes" in resp.text
    assert api.as_("member").get(f"/v2/images/{image['id']}").json()["status"] == "queued"
    assert upload(api, image["id"], b"x" * 10).status_code == 204


class FakeIdentity:
    """The identity client's unified-limit calls, counted."""

    def __init__(self) -> None:
        self.registered: dict[str, int] = {"image_count_total": 5}
        self.projects: dict[str, dict[str, int]] = {}
        self.calls: list[str] = []

    def service_id(self, service_type: str) -> str | None:
        self.calls.append("service")
        return "svc-image" if service_type == "image" else None

    def registered_limits(self, service_id: str, region: str | None) -> dict[str, int]:
        self.calls.append("registered")
        return dict(self.registered)

    def project_limits(self, service_id: str, region: str | None,
                       project_id: str) -> dict[str, int]:
        self.calls.append("project")
        return dict(self.projects.get(project_id, {}))

    def register_limits(self, service_id: str, region: str | None,
                        defaults: dict[str, int]) -> list[dict[str, Any]]:
        self.registered.update(defaults)
        return [{"resource_name": k} for k in defaults]


def test_identity_limits_layering_and_cache() -> None:
    now = [0.0]
    fake = FakeIdentity()
    fake.projects["p1"] = {"image_size_total": 2}
    limits = IdentityLimits(fake, "RegionOne", dict(quotas.DEFAULTS), cache_seconds=30,
                            clock=lambda: now[0])
    got = limits.for_project("p1")
    assert got["image_size_total"] == 2                     # the project's own limit
    assert got["image_count_total"] == 5                    # the registered default
    assert got["image_count_uploading"] == quotas.DEFAULTS["image_count_uploading"]
    limits.for_project("p1")
    # registered limits are cached; a project's limits are read on every check
    assert fake.calls.count("registered") == 1 and fake.calls.count("project") == 2
    fake.registered["image_count_total"] = 9
    now[0] = 31.0
    assert limits.for_project("p2")["image_count_total"] == 9


def test_identity_limits_register_missing_defaults_and_fall_back() -> None:
    fake = FakeIdentity()
    limits = IdentityLimits(fake, None, {**quotas.DEFAULTS, "image_count_total": 1})
    assert limits.register_defaults() == ["image_count_uploading", "image_size_total",
                                          "image_stage_total"]
    assert fake.registered["image_count_total"] == 5        # never overwritten

    class Down(FakeIdentity):
        def service_id(self, service_type: str) -> str | None:
            raise ConnectionError("identity is down")

    fallback = IdentityLimits(Down(), None, {**quotas.DEFAULTS, "image_count_total": 3})
    assert fallback.for_project("p")["image_count_total"] == 3
