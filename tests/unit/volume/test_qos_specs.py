"""QoS specs (admin): create with a consumer and specs, list, show, set and delete keys,
associate with volume types, delete (forced when associated); front-end specs reach compute in
the connection info (``data.qos_specs``), as Cinder's initialize_connection hands them over."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from nimbus.volume.manager.qos_specs import front_end_specs
from nimbus.volume.schemas import qos_specs
from tests.unit.volume.conftest import LATEST

COVERS = [("volume", "QoS specs: create (front-end/back-end/both), list, show, set/delete keys, "
                     "delete (force), associations, associate/disassociate(_all)"),
          ("volume", "front-end QoS specs in the connection info (os-initialize_connection, "
                     "attachments), per-GB limits scaled by size")]

CONNECTOR = {"host": "compute-1", "initiator": "iqn.test", "mountpoint": "/dev/vdb"}


def _qos(vol: Any, name: str = "gold", consumer: str | None = "front-end",
         **specs: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, **specs}
    if consumer is not None:
        body["consumer"] = consumer
    resp = vol.as_("admin").post("/v3/qos-specs", json={"qos_specs": body})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _type(vol: Any, name: str) -> str:
    resp = vol.as_("admin").post("/v3/types", json={"volume_type": {"name": name}})
    return str(resp.json()["volume_type"]["id"])


@pytest.mark.parametrize("schema", [qos_specs.CREATE, qos_specs.SET_KEYS,
                                    qos_specs.DELETE_KEYS])
def test_schemas_are_valid_json_schema(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("consumer", ["front-end", "back-end", "both", None])
def test_create_show_list_delete(vol: Any, consumer: str | None) -> None:
    admin = vol.as_("admin")
    made = _qos(vol, consumer=consumer, read_iops_sec="2000")
    spec = made["qos_specs"]
    assert spec["name"] == "gold" and spec["consumer"] == (consumer or "back-end")
    assert spec["specs"] == {"read_iops_sec": "2000"}
    assert made["links"][0]["rel"] == "self" and made["links"][0]["href"].endswith(
        f"/qos-specs/{spec['id']}")
    shown = admin.get(f"/v3/qos-specs/{spec['id']}").json()
    assert shown == made
    assert spec in admin.get("/v3/qos-specs").json()["qos_specs"]
    assert admin.delete(f"/v3/qos-specs/{spec['id']}").status_code == 202
    assert admin.get(f"/v3/qos-specs/{spec['id']}").status_code == 404
    assert admin.get("/v3/qos-specs").json()["qos_specs"] == []


def test_set_and_delete_keys(vol: Any) -> None:
    admin = vol.as_("admin")
    qos_id = _qos(vol, read_iops_sec="2000")["qos_specs"]["id"]
    resp = admin.put(f"/v3/qos-specs/{qos_id}", json={"qos_specs": {"iops_bytes": "500"}})
    assert resp.status_code == 200 and resp.json() == {"qos_specs": {"iops_bytes": "500"}}
    changed = admin.put(f"/v3/qos-specs/{qos_id}", json={"qos_specs": {"consumer": "both"}})
    assert changed.status_code == 200
    shown = admin.get(f"/v3/qos-specs/{qos_id}").json()["qos_specs"]
    assert shown["consumer"] == "both"
    assert shown["specs"] == {"read_iops_sec": "2000", "iops_bytes": "500"}
    gone = admin.put(f"/v3/qos-specs/{qos_id}/delete_keys", json={"keys": ["iops_bytes"]})
    assert gone.status_code == 202
    # Keys go in order until one is missing (which is the 404), as in Cinder.
    missing = admin.put(f"/v3/qos-specs/{qos_id}/delete_keys",
                        json={"keys": ["read_iops_sec", "nope", "other"]})
    assert missing.status_code == 404
    assert f"QoS spec {qos_id} has no spec with key nope." in missing.text
    assert admin.get(f"/v3/qos-specs/{qos_id}").json()["qos_specs"]["specs"] == {}


def test_associations_and_in_use_deletion(vol: Any) -> None:
    admin = vol.as_("admin")
    qos_id = _qos(vol)["qos_specs"]["id"]
    other_id = _qos(vol, "silver")["qos_specs"]["id"]
    types = [_type(vol, f"t{i}") for i in range(3)]
    for type_id in types:
        resp = admin.get(f"/v3/qos-specs/{qos_id}/associate", params={"vol_type_id": type_id})
        assert resp.status_code == 202
    # Again is no error; with other specs it is.
    assert admin.get(f"/v3/qos-specs/{qos_id}/associate",
                     params={"vol_type_id": types[0]}).status_code == 202
    taken = admin.get(f"/v3/qos-specs/{other_id}/associate", params={"vol_type_id": types[0]})
    assert taken.status_code == 400 and "already associated with another qos specs" in (
        taken.text)
    listed = admin.get(f"/v3/qos-specs/{qos_id}/associations").json()["qos_associations"]
    assert sorted(a["id"] for a in listed) == sorted(types)
    assert {a["association_type"] for a in listed} == {"volume_type"}
    assert admin.get(f"/v3/types/{types[0]}").json()["volume_type"]["qos_specs_id"] == qos_id
    # In use: deleting needs force.
    busy = admin.delete(f"/v3/qos-specs/{qos_id}")
    assert busy.status_code == 400 and "is still associated with entities" in busy.text
    assert admin.get(f"/v3/qos-specs/{qos_id}/disassociate",
                     params={"vol_type_id": types[0]}).status_code == 202
    listed = admin.get(f"/v3/qos-specs/{qos_id}/associations").json()["qos_associations"]
    assert sorted(a["id"] for a in listed) == sorted(types[1:])
    assert admin.get(f"/v3/qos-specs/{qos_id}/disassociate_all").status_code == 202
    assert admin.get(f"/v3/qos-specs/{qos_id}/associations").json() == {
        "qos_associations": []}
    admin.get(f"/v3/qos-specs/{qos_id}/associate", params={"vol_type_id": types[1]})
    assert admin.delete(f"/v3/qos-specs/{qos_id}", params={"force": "true"}).status_code == 202
    assert admin.get(f"/v3/types/{types[1]}").json()["volume_type"]["qos_specs_id"] is None


def test_faults(vol: Any) -> None:
    admin = vol.as_("admin")
    qos_id = _qos(vol)["qos_specs"]["id"]
    again = admin.post("/v3/qos-specs", json={"qos_specs": {"name": "gold"}})
    assert again.status_code == 409 and "already exists" in again.text
    for body in ({"qos_specs": {}}, {"qos_specs": {"name": "  "}},
                 {"qos_specs": {"name": "x", "consumer": "middle"}},
                 {"qos_specs": {"name": "x", "read_iops_sec": 5}},
                 {"qos_specs": {"name": "x", "k": "v" * 256}}, {"nothing": {}}):
        assert admin.post("/v3/qos-specs", json=body).status_code == 400, body
    bad_consumer = admin.put(f"/v3/qos-specs/{qos_id}", json={"qos_specs": {"consumer": "x"}})
    assert bad_consumer.status_code == 400
    assert admin.put(f"/v3/qos-specs/{qos_id}/delete_keys", json={"keys": "a"}).status_code == 400
    no_type = admin.get(f"/v3/qos-specs/{qos_id}/associate")
    assert no_type.status_code == 400 and "Volume Type id must not be None." in no_type.text
    assert admin.get(f"/v3/qos-specs/{qos_id}/disassociate").status_code == 400
    assert admin.get(f"/v3/qos-specs/{qos_id}/associate",
                     params={"vol_type_id": "no-such"}).status_code == 404
    missing = admin.get("/v3/qos-specs/no-such")
    assert missing.status_code == 404 and "No such QoS spec no-such." in missing.text
    for path in ("", "/associations", "/disassociate_all"):
        assert admin.get(f"/v3/qos-specs/no-such{path}").status_code == 404
    assert admin.delete("/v3/qos-specs/no-such").status_code == 404
    assert admin.put("/v3/qos-specs/no-such", json={"qos_specs": {"a": "b"}}).status_code == 404
    assert admin.delete(f"/v3/qos-specs/{qos_id}", params={"force": "maybe"}).status_code == 400


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_qos_specs_are_admin_only(vol: Any, persona: str) -> None:
    qos_id = _qos(vol)["qos_specs"]["id"]
    type_id = _type(vol, "t")
    client = vol.as_(persona)
    assert client.get("/v3/qos-specs").status_code == 403
    assert client.get(f"/v3/qos-specs/{qos_id}").status_code == 403
    assert client.post("/v3/qos-specs", json={"qos_specs": {"name": "x"}}).status_code == 403
    assert client.put(f"/v3/qos-specs/{qos_id}", json={"qos_specs": {"a": "b"}}).status_code \
        == 403
    assert client.put(f"/v3/qos-specs/{qos_id}/delete_keys",
                      json={"keys": ["a"]}).status_code == 403
    assert client.get(f"/v3/qos-specs/{qos_id}/associations").status_code == 403
    assert client.get(f"/v3/qos-specs/{qos_id}/associate",
                      params={"vol_type_id": type_id}).status_code == 403
    assert client.get(f"/v3/qos-specs/{qos_id}/disassociate",
                      params={"vol_type_id": type_id}).status_code == 403
    assert client.get(f"/v3/qos-specs/{qos_id}/disassociate_all").status_code == 403
    assert client.delete(f"/v3/qos-specs/{qos_id}").status_code == 403
    # Nor does the type show its QoS specs to them.
    assert "qos_specs_id" not in client.get(f"/v3/types/{type_id}").json()["volume_type"]


def test_front_end_specs_reach_the_connection(vol: Any) -> None:
    admin = vol.as_("admin")
    front = _qos(vol, "front", read_iops_sec="2000", total_bytes_sec_per_gb="100",
                 total_bytes_sec_per_gb_min="300")["qos_specs"]["id"]
    back = _qos(vol, "back", consumer="back-end", read_iops_sec="10")["qos_specs"]["id"]
    for name, qos_id in (("fast", front), ("slow", back)):
        type_id = _type(vol, name)
        admin.get(f"/v3/qos-specs/{qos_id}/associate", params={"vol_type_id": type_id})
    fast = vol.create(volume_type="fast", size=2)["id"]
    slow = vol.create(volume_type="slow")["id"]
    plain = vol.create()["id"]

    def legacy(volume_id: str) -> Any:
        assert admin.post(f"/v3/volumes/{volume_id}/action",
                          json={"os-reserve": None}).status_code == 202
        resp = admin.post(f"/v3/volumes/{volume_id}/action",
                          json={"os-initialize_connection": {"connector": CONNECTOR}})
        assert resp.status_code == 200, resp.text
        return resp.json()["connection_info"]["data"]["qos_specs"]

    # Per-GB limits become absolute for the volume's size, floored by their minimum.
    assert legacy(fast) == {"read_iops_sec": "2000", "total_bytes_sec": 300}
    assert legacy(slow) is None and legacy(plain) is None
    other_fast = vol.create(volume_type="fast", size=4)["id"]
    att = admin.post("/v3/attachments", headers=LATEST, json={"attachment": {
        "volume_uuid": other_fast, "instance_uuid": "srv", "connector": CONNECTOR}})
    assert att.status_code == 202, att.text
    assert att.json()["attachment"]["connection_info"]["data"]["qos_specs"] == {
        "read_iops_sec": "2000", "total_bytes_sec": 400}


@pytest.mark.parametrize(("specs", "size", "expected"), [
    ({"read_iops_sec_per_gb": "10"}, 5, {"read_iops_sec": 50}),
    ({"read_iops_sec_per_gb": "10", "read_iops_sec_max": "30"}, 5, {"read_iops_sec": 30}),
    ({"write_bytes_sec_per_gb": "1", "write_bytes_sec_per_gb_min": "8"}, 2,
     {"write_bytes_sec": 8}),
    ({"total_iops_sec": "7", "total_iops_sec_max": "9"}, 3,
     {"total_iops_sec": "7", "total_iops_sec_max": "9"}),
])
def test_per_gb_specs(specs: dict[str, str], size: int, expected: dict[str, Any]) -> None:
    assert front_end_specs("both", specs, size) == expected
    assert front_end_specs("back-end", specs, size) is None
