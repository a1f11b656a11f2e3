"""Volume encryption: encryption types as Cinder answers them, encrypted volumes with keys of
their own (copied, never shared, by snapshots and copies), the encryption metadata, and the
key handed to the compute service alone."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from nimbus.volume.schemas import encryption
from tests.unit.volume.conftest import LATEST

COVERS = [("volume", "encryption types: create, show, show item, update, delete (admin)"),
          ("volume", "encrypted volumes: key per volume, encryption metadata, key for compute")]

LUKS = {"provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256,
        "control_location": "front-end"}
SERVICE = ("u-nova", "d0000000000000000000000000000000", ["admin", "service"])


def _encrypted_type(vol: Any, name: str = "luks") -> str:
    admin = vol.as_("admin")
    type_id = str(admin.post("/v3/types", json={"volume_type": {"name": name}})
                  .json()["volume_type"]["id"])
    resp = admin.post(f"/v3/types/{type_id}/encryption", json={"encryption": LUKS})
    assert resp.status_code == 200, resp.text
    return type_id


@pytest.mark.parametrize("schema", [encryption.CREATE, encryption.UPDATE])
def test_schemas_are_valid_json_schema(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)


def test_encryption_type_lifecycle(vol: Any) -> None:
    admin = vol.as_("admin")
    type_id = admin.post("/v3/types", json={"volume_type": {"name": "t"}}).json()[
        "volume_type"]["id"]
    assert admin.get(f"/v3/types/{type_id}/encryption").json() == {}
    made = admin.post(f"/v3/types/{type_id}/encryption", json={"encryption": {
        "provider": "LuksEncryptor", "key_size": 256, "cipher": "aes-xts-plain64",
        "control_location": "front-end"}}).json()["encryption"]
    assert made["volume_type_id"] == type_id and made["provider"] == "LuksEncryptor"
    # A second one for the same type is refused, as Cinder refuses it.
    again = admin.post(f"/v3/types/{type_id}/encryption", json={"encryption": LUKS})
    assert again.status_code == 400 and "already exists" in again.text
    shown = admin.get(f"/v3/types/{type_id}/encryption").json()
    assert shown["encryption_id"] == made["encryption_id"] and shown["deleted"] is False
    changed = admin.put(f"/v3/types/{type_id}/encryption/{made['encryption_id']}",
                        json={"encryption": {"key_size": 128, "control_location": "back-end"}})
    assert changed.json() == {"encryption": {"key_size": 128, "control_location": "back-end"}}
    assert admin.get(f"/v3/types/{type_id}/encryption/key_size").json() == {"key_size": 128}
    assert admin.get(f"/v3/types/{type_id}/encryption/nothing").status_code == 404
    assert admin.delete(f"/v3/types/{type_id}/encryption/{made['encryption_id']}"
                        ).status_code == 202
    assert admin.get(f"/v3/types/{type_id}/encryption").json() == {}
    assert admin.delete(f"/v3/types/{type_id}/encryption/x").status_code == 404


@pytest.mark.parametrize("body", [
    {"encryption": {"cipher": "aes-xts-plain64"}},                  # no provider
    {"encryption": {"provider": "luks", "control_location": "middle"}},
    {"encryption": {"provider": "luks", "key_size": "big"}},
    {"encryption": {"provider": "luks", "key_size": -1}},
    {"encryption": {"provider": "luks", "colour": "blue"}},
    {"nothing": {}},
])
def test_bad_encryption_types_are_400(vol: Any, body: dict[str, Any]) -> None:
    admin = vol.as_("admin")
    type_id = admin.post("/v3/types", json={"volume_type": {"name": "t"}}).json()[
        "volume_type"]["id"]
    resp = admin.post(f"/v3/types/{type_id}/encryption", json=body)
    assert resp.status_code == 400, resp.text


def test_an_unknown_type_is_404(vol: Any) -> None:
    resp = vol.as_("admin").post("/v3/types/no-such-type/encryption", json={"encryption": LUKS})
    assert resp.status_code == 404


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_manage_encryption_types(vol: Any, persona: str) -> None:
    type_id = _encrypted_type(vol)
    who = vol.as_(persona)
    assert who.get(f"/v3/types/{type_id}/encryption").status_code == 403
    assert who.post(f"/v3/types/{type_id}/encryption",
                    json={"encryption": LUKS}).status_code == 403
    assert who.put(f"/v3/types/{type_id}/encryption/x",
                   json={"encryption": {"key_size": 128}}).status_code == 403
    assert who.delete(f"/v3/types/{type_id}/encryption/x").status_code == 403


def test_a_type_in_use_keeps_its_encryption(vol: Any) -> None:
    type_id = _encrypted_type(vol)
    vol.create(volume_type="luks")
    admin = vol.as_("admin")
    enc = admin.get(f"/v3/types/{type_id}/encryption").json()
    resp = admin.put(f"/v3/types/{type_id}/encryption/{enc['encryption_id']}",
                     json={"encryption": {"key_size": 512}})
    assert resp.status_code == 400 and "in use" in resp.text
    assert admin.delete(f"/v3/types/{type_id}/encryption/{enc['encryption_id']}"
                        ).status_code == 400


def test_encrypted_volumes_get_keys_of_their_own(vol: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import personas

    monkeypatch.setitem(personas._PERSONAS, "service", SERVICE)
    _encrypted_type(vol)
    volume = vol.create(volume_type="luks")
    assert volume["encrypted"] is True
    shown = vol.as_("member").get(f"/v3/volumes/{volume['id']}", headers=LATEST).json()[
        "volume"]
    key_id = shown["encryption_key_id"]
    assert key_id
    meta = vol.as_("reader").get(f"/v3/volumes/{volume['id']}/encryption").json()
    assert meta == {"encryption_key_id": key_id, **LUKS}
    item = vol.as_("member").get(f"/v3/volumes/{volume['id']}/encryption/provider")
    assert item.json() == "luks"
    # Another project's user learns nothing of it, not even that it exists.
    assert vol.as_("other").get(f"/v3/volumes/{volume['id']}/encryption").status_code == 404
    # The key itself: the compute service only, never the volume's own users or admins.
    for persona in ("member", "reader", "admin"):
        assert vol.as_(persona).get(
            f"/v3/volumes/{volume['id']}/encryption_secret").status_code == 403
    assert vol.as_("other").get(
        f"/v3/volumes/{volume['id']}/encryption_secret").status_code == 404
    secret = vol.as_("service").get(f"/v3/volumes/{volume['id']}/encryption_secret").json()[
        "secret"]
    assert len(bytes.fromhex(secret["passphrase"])) == 32 and secret["provider"] == "luks"
    # A snapshot and the volume made from it have copies of the key, under new ids.
    snap = vol.as_("member").post("/v3/snapshots", json={"snapshot": {
        "volume_id": volume["id"]}}).json()["snapshot"]
    _wait_snapshot(vol, snap["id"])
    copy = vol.create(snapshot_id=snap["id"])
    assert copy["volume_type"] == "luks" and copy["encrypted"] is True
    copy_key = vol.as_("member").get(f"/v3/volumes/{copy['id']}", headers=LATEST).json()[
        "volume"]["encryption_key_id"]
    assert copy_key not in (None, key_id)
    copy_secret = vol.as_("service").get(
        f"/v3/volumes/{copy['id']}/encryption_secret").json()["secret"]
    assert copy_secret["passphrase"] == secret["passphrase"]
    plain = vol.create()
    assert plain["encrypted"] is False
    assert vol.as_("service").get(
        f"/v3/volumes/{plain['id']}/encryption_secret").status_code == 404


def test_a_copy_keeps_its_sources_encryption(vol: Any) -> None:
    _encrypted_type(vol)
    vol.as_("admin").post("/v3/types", json={"volume_type": {"name": "plain"}})
    encrypted = vol.create(volume_type="luks")
    resp = vol.as_("member").post("/v3/volumes", json={"volume": {
        "size": 1, "source_volid": encrypted["id"], "volume_type": "plain"}})
    assert resp.status_code == 400 and "encrypted" in resp.text
    plain = vol.create(volume_type="plain")
    resp = vol.as_("member").post("/v3/volumes", json={"volume": {
        "size": 1, "source_volid": plain["id"], "volume_type": "luks"}})
    assert resp.status_code == 400


def test_keys_go_with_their_volumes(vol: Any) -> None:
    from sqlalchemy import func, select

    from nimbus.volume.db.models import VolumeKey

    _encrypted_type(vol)
    volume = vol.create(volume_type="luks")

    def keys() -> int:
        with vol.cloud.db.reader() as s:
            return int(s.scalar(select(func.count()).select_from(VolumeKey)) or 0)

    assert keys() == 1
    assert vol.as_("member").delete(f"/v3/volumes/{volume['id']}").status_code == 202
    vol.wait(volume["id"], "deleted")
    assert keys() == 0


def test_an_encrypted_volume_is_not_uploaded_to_an_image(vol: Any) -> None:
    _encrypted_type(vol)
    volume = vol.create(volume_type="luks")
    resp = vol.as_("member").post(f"/v3/volumes/{volume['id']}/action", json={
        "os-volume_upload_image": {"image_name": "x", "disk_format": "raw"}})
    assert resp.status_code == 400 and "encrypted" in resp.text


def test_keys_are_stored_wrapped(vol: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from nimbus.volume.db.models import VolumeKey
    from tests.support import personas

    monkeypatch.setitem(personas._PERSONAS, "service", SERVICE)
    _encrypted_type(vol)
    volume = vol.create(volume_type="luks")
    passphrase = vol.as_("service").get(
        f"/v3/volumes/{volume['id']}/encryption_secret").json()["secret"]["passphrase"]
    with vol.cloud.db.reader() as s:
        stored = [row.wrapped for row in s.scalars(select(VolumeKey))]
    assert stored and all(passphrase not in w and bytes.fromhex(passphrase).hex() not in w
                          for w in stored)


def _wait_snapshot(vol: Any, snapshot_id: str) -> None:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = vol.as_("member").get(f"/v3/snapshots/{snapshot_id}").json()["snapshot"][
            "status"]
        if status == "available":
            return
        time.sleep(0.02)
    raise AssertionError(f"snapshot {snapshot_id} never became available")
