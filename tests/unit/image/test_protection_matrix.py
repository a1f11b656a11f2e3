"""Every image API route against every persona: admin, member and reader of the owning project,
and a member of another project. Each persona acts on fresh resources owned by the member's
project (a private image, a public metadef namespace), so one persona's writes never change what
the next one finds. Another project's private image is a 404, a reader's write a 403, and the
admin-only APIs (tasks, cache, stores, store detail, metadef writes) a 403 for everyone else.

The table must name every route the service serves: a new route fails ``test_every_route_is_in
_the_table`` until its expectations are written down here.
"""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.image.service import router
from tests.unit.image.conftest import PATCH, RAW, upload

COVERS = [("image", "protection: every route x admin/member/reader/other project")]

PERSONAS = ("admin", "member", "reader", "other")
OCTETS = {"Content-Type": "application/octet-stream"}
NS = "/v2/metadefs/namespaces/{ns}"
ANY_ID = "11111111-2222-3333-4444-555555555555"


def _all(code: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, code)


OWNED_READ = {"admin": 200, "member": 200, "reader": 200, "other": 404}
OWNED_WRITE_204 = {"admin": 204, "member": 204, "reader": 403, "other": 404}
ADMIN_ONLY_200 = {"admin": 200, "member": 403, "reader": 403, "other": 403}
ADMIN_ONLY_201 = {"admin": 201, "member": 403, "reader": 403, "other": 403}
ADMIN_ONLY_204 = {"admin": 204, "member": 403, "reader": 403, "other": 403}

# "METHOD path" -> (request: method, path template, keyword args), expected status by persona.
MATRIX: dict[str, tuple[tuple[str, str, dict[str, Any]], dict[str, int]]] = {
    "GET /": (("GET", "/", {}), _all(300)),
    "GET /versions": (("GET", "/versions", {}), _all(200)),
    "GET /v2/schemas/{name}": (("GET", "/v2/schemas/image", {}), _all(200)),
    "GET /v2/schemas/metadefs/{name}": (("GET", "/v2/schemas/metadefs/namespace", {}),
                                        _all(200)),
    "GET /v2/info/import": (("GET", "/v2/info/import", {}), _all(200)),
    "GET /v2/info/stores": (("GET", "/v2/info/stores", {}), _all(200)),
    "GET /v2/info/stores/detail": (("GET", "/v2/info/stores/detail", {}), ADMIN_ONLY_200),
    "POST /v2/images": (("POST", "/v2/images", {"json": {"name": "n", **RAW}}),
                        {"admin": 201, "member": 201, "reader": 403, "other": 201}),
    "GET /v2/images": (("GET", "/v2/images", {}), _all(200)),
    "PATCH /v2/images/": (("PATCH", "/v2/images/", {}), _all(404)),
    "DELETE /v2/images/": (("DELETE", "/v2/images/", {}), _all(404)),
    "GET /v2/images/": (("GET", "/v2/images/", {}), _all(404)),
    "GET /v2/images/{image_id}": (("GET", "/v2/images/{active}", {}), OWNED_READ),
    "PATCH /v2/images/{image_id}": (
        ("PATCH", "/v2/images/{active}", {
            "json": [{"op": "replace", "path": "/name", "value": "x"}], "headers": PATCH}),
        {"admin": 200, "member": 200, "reader": 403, "other": 404}),
    "DELETE /v2/images/{image_id}": (("DELETE", "/v2/images/{active}", {}), OWNED_WRITE_204),
    "POST /v2/images/{image_id}/actions/deactivate": (
        ("POST", "/v2/images/{active}/actions/deactivate", {}), OWNED_WRITE_204),
    "POST /v2/images/{image_id}/actions/reactivate": (
        ("POST", "/v2/images/{active}/actions/reactivate", {}), OWNED_WRITE_204),
    "PUT /v2/images/{image_id}/tags/{tag}": (("PUT", "/v2/images/{active}/tags/t", {}),
                                             OWNED_WRITE_204),
    "DELETE /v2/images/{image_id}/tags/{tag}": (("DELETE", "/v2/images/{active}/tags/old", {}),
                                                OWNED_WRITE_204),
    "PUT /v2/images/{image_id}/file": (
        ("PUT", "/v2/images/{queued}/file", {"content": b"data", "headers": OCTETS}),
        OWNED_WRITE_204),
    "PUT /v2/images/{image_id}/stage": (
        ("PUT", "/v2/images/{queued}/stage", {"content": b"data", "headers": OCTETS}),
        OWNED_WRITE_204),
    "POST /v2/images/{image_id}/import": (
        ("POST", "/v2/images/{staged}/import", {"json": {"method": {"name": "glance-direct"}}}),
        {"admin": 202, "member": 202, "reader": 403, "other": 404}),
    "GET /v2/images/{image_id}/file": (("GET", "/v2/images/{active}/file", {}),
                                       {"admin": 200, "member": 200, "reader": 403,
                                        "other": 404}),
    "GET /v2/images/{image_id}/members": (("GET", "/v2/images/{shared}/members", {}),
                                          OWNED_READ),
    "POST /v2/images/{image_id}/members": (
        ("POST", "/v2/images/{shared}/members", {"json": {"member": "d" * 32}}),
        {"admin": 200, "member": 200, "reader": 403, "other": 404}),
    "GET /v2/images/{image_id}/members/{member_id}": (
        ("GET", "/v2/images/{shared}/members/{member}", {}), OWNED_READ),
    "PUT /v2/images/{image_id}/members/{member_id}": (
        ("PUT", "/v2/images/{shared}/members/{member}", {"json": {"status": "accepted"}}),
        # only the member project itself (or an admin) accepts or rejects
        {"admin": 200, "member": 403, "reader": 403, "other": 404}),
    "DELETE /v2/images/{image_id}/members/{member_id}": (
        ("DELETE", "/v2/images/{shared}/members/{member}", {}), OWNED_WRITE_204),
    "GET /v2/images/{image_id}/tasks": (("GET", "/v2/images/{active}/tasks", {}), OWNED_READ),
    "GET /v2/tasks": (("GET", "/v2/tasks", {}), ADMIN_ONLY_200),
    "GET /v2/tasks/{task_id}": (("GET", f"/v2/tasks/{ANY_ID}", {}),
                                {"admin": 404, "member": 403, "reader": 403, "other": 403}),
    "POST /v2/tasks": (("POST", "/v2/tasks", {"json": {"type": "import", "input": {}}}),
                       {"admin": 400, "member": 403, "reader": 403, "other": 403}),
    "DELETE /v2/stores/{store_id}/{image_id}": (
        ("DELETE", "/v2/stores/file/{active}", {}),
        # the admin may not drop an image's last copy; another project never sees the image
        {"admin": 409, "member": 403, "reader": 403, "other": 404}),
    "GET /v2/metadefs/namespaces": (("GET", "/v2/metadefs/namespaces", {}), _all(200)),
    "POST /v2/metadefs/namespaces": (("POST", "/v2/metadefs/namespaces",
                                      {"json": {"namespace": "new-ns"}}), ADMIN_ONLY_201),
    "GET /v2/metadefs/namespaces/{namespace}": (("GET", NS, {}), _all(200)),
    "PUT /v2/metadefs/namespaces/{namespace}": (
        ("PUT", NS, {"json": {"namespace": "{ns}", "visibility": "public"}}), ADMIN_ONLY_200),
    "DELETE /v2/metadefs/namespaces/{namespace}": (("DELETE", NS, {}), ADMIN_ONLY_204),
    "GET /v2/metadefs/resource_types": (("GET", "/v2/metadefs/resource_types", {}),
                                        _all(200)),
    "GET /v2/metadefs/namespaces/{namespace}/resource_types": (
        ("GET", NS + "/resource_types", {}), _all(200)),
    "POST /v2/metadefs/namespaces/{namespace}/resource_types": (
        ("POST", NS + "/resource_types", {"json": {"name": "OS::Glance::Image"}}),
        ADMIN_ONLY_201),
    "DELETE /v2/metadefs/namespaces/{namespace}/resource_types/{name}": (
        ("DELETE", NS + "/resource_types/OS::Nova::Server", {}), ADMIN_ONLY_204),
    "GET /v2/metadefs/namespaces/{namespace}/objects": (("GET", NS + "/objects", {}),
                                                        _all(200)),
    "POST /v2/metadefs/namespaces/{namespace}/objects": (
        ("POST", NS + "/objects", {"json": {"name": "o2"}}), ADMIN_ONLY_201),
    "GET /v2/metadefs/namespaces/{namespace}/objects/{name}": (
        ("GET", NS + "/objects/o1", {}), _all(200)),
    "PUT /v2/metadefs/namespaces/{namespace}/objects/{name}": (
        ("PUT", NS + "/objects/o1", {"json": {"name": "o1"}}), ADMIN_ONLY_200),
    "DELETE /v2/metadefs/namespaces/{namespace}/objects/{name}": (
        ("DELETE", NS + "/objects/o1", {}), ADMIN_ONLY_204),
    "GET /v2/metadefs/namespaces/{namespace}/properties": (("GET", NS + "/properties", {}),
                                                           _all(200)),
    "POST /v2/metadefs/namespaces/{namespace}/properties": (
        ("POST", NS + "/properties", {"json": {"name": "p2", "title": "P", "type": "string"}}),
        ADMIN_ONLY_201),
    "GET /v2/metadefs/namespaces/{namespace}/properties/{name}": (
        ("GET", NS + "/properties/p1", {}), _all(200)),
    "PUT /v2/metadefs/namespaces/{namespace}/properties/{name}": (
        ("PUT", NS + "/properties/p1", {"json": {"name": "p1", "title": "P",
                                                 "type": "string"}}), ADMIN_ONLY_200),
    "DELETE /v2/metadefs/namespaces/{namespace}/properties/{name}": (
        ("DELETE", NS + "/properties/p1", {}), ADMIN_ONLY_204),
    "GET /v2/metadefs/namespaces/{namespace}/tags": (("GET", NS + "/tags", {}), _all(200)),
    "POST /v2/metadefs/namespaces/{namespace}/tags": (
        ("POST", NS + "/tags", {"json": {"tags": [{"name": "t2"}]}}), ADMIN_ONLY_201),
    "DELETE /v2/metadefs/namespaces/{namespace}/tags": (("DELETE", NS + "/tags", {}),
                                                        ADMIN_ONLY_204),
    "POST /v2/metadefs/namespaces/{namespace}/tags/{name}": (
        ("POST", NS + "/tags/t3", {}), ADMIN_ONLY_201),
    "GET /v2/metadefs/namespaces/{namespace}/tags/{name}": (("GET", NS + "/tags/t1", {}),
                                                            _all(200)),
    "PUT /v2/metadefs/namespaces/{namespace}/tags/{name}": (
        ("PUT", NS + "/tags/t1", {"json": {"name": "t1b"}}), ADMIN_ONLY_200),
    "DELETE /v2/metadefs/namespaces/{namespace}/tags/{name}": (
        ("DELETE", NS + "/tags/t1", {}), ADMIN_ONLY_204),
    "POST /v2/images/{image_id}/locations": (
        ("POST", "/v2/images/{queued}/locations", {"json": {"url": "http://nowhere.test/x"}}),
        # the owner may add (the URL is then refused: no web store here); readers may not
        {"admin": 400, "member": 400, "reader": 403, "other": 404}),
    "GET /v2/images/{image_id}/locations": (("GET", "/v2/images/{active}/locations", {}),
                                            # only services list an image's locations
                                            {"admin": 403, "member": 403, "reader": 403,
                                             "other": 404}),
    "GET /v2/cache": (("GET", "/v2/cache", {}), ADMIN_ONLY_200),
    "PUT /v2/cache/{image_id}": (("PUT", "/v2/cache/{active}", {}),
                                 {"admin": 202, "member": 403, "reader": 403, "other": 403}),
    "DELETE /v2/cache/{image_id}": (("DELETE", "/v2/cache/{active}", {}), ADMIN_ONLY_204),
    "DELETE /v2/cache": (("DELETE", "/v2/cache", {}), ADMIN_ONLY_204),
}


def _routes() -> list[str]:
    return [f"{r.methods[0]} {r.path}" for r in router.routes]


def test_every_route_is_in_the_table() -> None:
    assert sorted(set(_routes()) - set(MATRIX)) == []
    assert sorted(set(MATRIX) - set(_routes())) == []


def _ok(resp: Any) -> Any:
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.content else None


def _resources(api: Any, n: int) -> dict[str, str]:
    """Fresh resources owned by the member's project, named for the path templates."""
    member, admin = api.as_("member"), api.as_("admin")

    def image(**fields: Any) -> str:
        body = {"name": "img", **RAW, "visibility": "private", **fields}
        return str(_ok(member.post("/v2/images", json=body))["id"])

    active = image(tags=["old"])
    assert upload(api, active, b"data").status_code == 204
    queued = image()
    staged = image()
    _ok(member.put(f"/v2/images/{staged}/stage", content=b"data", headers=OCTETS))
    shared = image(visibility="shared")
    member_id = "e" * 32
    _ok(member.post(f"/v2/images/{shared}/members", json={"member": member_id}))
    ns = f"ns-{n}"
    _ok(admin.post("/v2/metadefs/namespaces", json={
        "namespace": ns, "visibility": "public", "resource_type_associations": [
            {"name": "OS::Nova::Server"}],
        "objects": [{"name": "o1"}], "tags": [{"name": "t1"}],
        "properties": {"p1": {"title": "P", "type": "string"}}}))
    return {"active": active, "queued": queued, "staged": staged, "shared": shared,
            "member": member_id, "ns": ns}


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_by_persona(image_cloud: Any, route: str) -> None:
    _cloud, api = image_cloud
    (method, path, kwargs), expected = MATRIX[route]
    got = {}
    for n, persona in enumerate(PERSONAS):
        names = _resources(api, n)
        kw = dict(kwargs)
        if "json" in kw:
            kw["json"] = _fill(kw["json"], names)
        resp = api.as_(persona).request(method, path.format(**names), **kw)
        got[persona] = resp.status_code
        assert resp.status_code < 500, resp.text
    assert got == expected
