"""User messages (3.3+): a volume that failed after the API answered says why, to its owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COVERS = [("volume", "user messages (list, show, delete)")]

MV = {"OpenStack-API-Version": "volume 3.3"}


def test_no_backend_leaves_a_message_for_the_owner(make_cloud: Callable[..., Any]) -> None:
    _, api = make_cloud(["volume"], prefix="/volume")
    created = api.as_("member").post("/v3/volumes", json={"volume": {"size": 1}}).json()["volume"]
    assert created["status"] == "error"
    listing = api.as_("member").get("/v3/messages", headers=MV).json()["messages"]
    assert len(listing) == 1
    msg = listing[0]
    assert msg["resource_uuid"] == created["id"] and msg["resource_type"] == "VOLUME"
    assert msg["event_id"] == "VOLUME_VOLUME_001_003"
    assert msg["user_message"] == ("schedule allocate volume:Could not find any available "
                                   "weighted backend.")
    assert msg["message_level"] == "ERROR" and msg["guaranteed_until"]
    assert msg["links"][0]["rel"] == "self"
    shown = api.as_("member").get(f"/v3/messages/{msg['id']}", headers=MV)
    assert shown.status_code == 200 and shown.json()["message"]["id"] == msg["id"]
    # Another project neither lists nor sees it; a reader may not delete it.
    other = api.as_("other")
    assert other.get("/v3/messages", headers=MV).json()["messages"] == []
    assert other.get(f"/v3/messages/{msg['id']}", headers=MV).status_code == 404
    assert other.delete(f"/v3/messages/{msg['id']}", headers=MV).status_code == 404
    assert api.as_("reader").delete(f"/v3/messages/{msg['id']}", headers=MV).status_code == 403
    # Admins see every project's with all_tenants.
    everyone = api.as_("admin").get("/v3/messages", params={"all_tenants": "1"}, headers=MV)
    assert [m["id"] for m in everyone.json()["messages"]] == [msg["id"]]
    filtered = api.as_("member").get("/v3/messages", params={"resource_uuid": "nothing"},
                                     headers=MV)
    assert filtered.json()["messages"] == []
    assert api.as_("member").delete(f"/v3/messages/{msg['id']}", headers=MV).status_code == 204
    assert api.as_("member").get(f"/v3/messages/{msg['id']}", headers=MV).status_code == 404


def test_messages_need_3_3(make_cloud: Callable[..., Any]) -> None:
    _, api = make_cloud(["volume"], prefix="/volume")
    old = {"OpenStack-API-Version": "volume 3.2"}
    assert api.as_("member").get("/v3/messages", headers=old).status_code == 404
