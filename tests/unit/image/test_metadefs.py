"""Metadata definitions: namespaces and their objects, properties, tags and resource types."""

from __future__ import annotations

COVERS = [
    ("image", "metadef namespaces"),
    ("image", "metadef objects"),
    ("image", "metadef properties"),
    ("image", "metadef tags"),
    ("image", "metadef resource types"),
    ("image", "metadef schemas"),
]

BASE = "/v2/metadefs/namespaces"


def _namespace(api, name="ns1", **extra):
    resp = api.as_("admin").post(BASE, json={"namespace": name, "visibility": "public",
                                             **extra})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_namespace_lifecycle_and_protection(image_api):
    admin, member = image_api.as_("admin"), image_api.as_("member")
    assert member.post(BASE, json={"namespace": "x"}).status_code == 403
    created = _namespace(image_api, protected=True,
                         resource_type_associations=[{"name": "OS::Glance::Image"}])
    assert created["self"] == f"{BASE}/ns1" and created["protected"] is True
    assert admin.post(BASE, json={"namespace": "ns1"}).status_code == 409
    assert "ns1" in [n["namespace"] for n in member.get(BASE).json()["namespaces"]]
    assert admin.delete(f"{BASE}/ns1").status_code == 403
    updated = admin.put(f"{BASE}/ns1", json={"namespace": "ns1", "visibility": "private",
                                             "protected": False}).json()
    assert updated["visibility"] == "private" and updated["protected"] is False
    assert member.get(f"{BASE}/ns1").status_code == 404
    assert admin.delete(f"{BASE}/ns1").status_code == 204
    assert admin.get(f"{BASE}/ns1").status_code == 404
    assert admin.post(BASE, json={"visibility": "public"}).status_code == 400


def test_objects_properties_tags(image_api):
    admin = image_api.as_("admin")
    _namespace(image_api)
    obj = admin.post(f"{BASE}/ns1/objects", json={"name": "o1", "required": []})
    assert obj.status_code == 201
    renamed = admin.put(f"{BASE}/ns1/objects/o1", json={"name": "o2"}).json()
    assert renamed["name"] == "o2"
    assert [o["name"] for o in admin.get(f"{BASE}/ns1/objects").json()["objects"]] == ["o2"]
    assert admin.delete(f"{BASE}/ns1/objects/o2").status_code == 204
    prop = admin.post(f"{BASE}/ns1/properties", json={"name": "p", "title": "P",
                                                       "type": "string", "enum": ["a"]})
    assert prop.status_code == 201 and prop.json()["title"] == "P"
    assert admin.get(f"{BASE}/ns1/properties/p").json()["name"] == "p"
    assert admin.put(f"{BASE}/ns1/properties/p", json={"name": "p", "title": "Q",
                                                       "type": "string"}).json()["title"] == "Q"
    assert admin.delete(f"{BASE}/ns1/properties/p").status_code == 204
    assert admin.get(f"{BASE}/ns1/properties").json()["properties"] == {}
    tags = admin.post(f"{BASE}/ns1/tags", json={"tags": [{"name": "a"}, {"name": "b"}]})
    assert tags.status_code == 201
    assert admin.post(f"{BASE}/ns1/tags/c").status_code == 201
    assert admin.put(f"{BASE}/ns1/tags/c", json={"name": "d"}).json()["name"] == "d"
    assert len(admin.get(f"{BASE}/ns1/tags").json()["tags"]) == 3
    assert admin.delete(f"{BASE}/ns1/tags").status_code == 204
    assert admin.get(f"{BASE}/ns1/tags").json()["tags"] == []


def test_resource_types_and_schemas(image_api):
    admin, reader = image_api.as_("admin"), image_api.as_("reader")
    types = reader.get("/v2/metadefs/resource_types").json()["resource_types"]
    assert types[0]["name"] == "OS::Glance::Image"
    _namespace(image_api)
    assert admin.post(f"{BASE}/ns1/resource_types", json={"name": "OS::Nope"}
                      ).status_code == 404
    assert admin.post(f"{BASE}/ns1/resource_types", json={"name": "OS::Nova::Flavor"}
                      ).status_code == 201
    listed = admin.get(f"{BASE}/ns1/resource_types").json()["resource_type_associations"]
    assert [a["name"] for a in listed] == ["OS::Nova::Flavor"]
    assert admin.delete(f"{BASE}/ns1/resource_types/OS::Nova::Flavor").status_code == 204
    names = {"namespace": "namespace", "namespaces": "namespaces",
             "resource_type": "resource_type_association",
             "resource_types": "resource_type_associations", "object": "object",
             "objects": "objects", "property": "property", "properties": "properties",
             "tag": "tag", "tags": "tags"}
    for path, name in names.items():
        assert reader.get(f"/v2/schemas/metadefs/{path}").json()["name"] == name
    assert reader.get("/v2/schemas/metadefs/nope").status_code == 404
