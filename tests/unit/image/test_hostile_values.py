"""Values from the path, the query and headers that no image could match: a 4xx, never a 5xx."""

from __future__ import annotations

from typing import Any

from tests.unit.image.conftest import create, upload

COVERS = [("image", "hostile path, query and header values (NUL, 64-bit overflow, huge "
                    "ranges)")]


def test_hostile_values_are_4xx(image_cloud: Any) -> None:
    _cloud, api = image_cloud
    member = api.as_("member")
    image = create(api)
    assert upload(api, image["id"], b"hello").status_code == 204
    url = f"/v2/images/{image['id']}"
    cases = [
        ("GET", f"{url}/file", {"Range": "bytes=0-" + "9" * 5000}, 416),
        ("GET", f"{url}/file", {"Range": "bytes=" + "9" * 5000 + "-"}, 416),
        ("GET", "/v2/images?size_min=99999999999999999999999", {}, 400),
        ("GET", "/v2/images?min_ram=-99999999999999999999999", {}, 400),
        ("GET", "/v2/images?name=a%00b", {}, 400),
        ("GET", "/v2/images/a%00b", {}, 400),
        ("PUT", f"{url}/tags/a%00b", {}, 400),
    ]
    for method, path, headers, status in cases:
        resp = member.request(method, path, headers=headers)
        assert resp.status_code == status, (method, path, resp.status_code, resp.text[:200])
    assert member.get(url).json()["tags"] == []
    assert member.get(f"{url}/file").content == b"hello"
