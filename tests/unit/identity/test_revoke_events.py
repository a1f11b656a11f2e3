"""Revocation events (GET /v3/OS-REVOKE/events)."""

from __future__ import annotations

from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import login, make_project, make_user

COVERS = [("identity", "revocation events list (OS-REVOKE)")]


def test_events_list(keystone: Keystone) -> None:
    admin = keystone.admin()
    victim = keystone.admin()
    assert keystone.call("DELETE", "/auth/tokens", admin,
                         headers={"X-Subject-Token": victim}).status_code == 204
    events = keystone.call("GET", "/OS-REVOKE/events", admin).json()["events"]
    assert events and events[-1]["audit_id"] and events[-1]["issued_before"].endswith("Z")
    later = keystone.call("GET", "/OS-REVOKE/events?since=2999-01-01T00:00:00Z", admin)
    assert later.json()["events"] == []
    bad = keystone.call("GET", "/OS-REVOKE/events?since=yesterday", admin)
    assert bad.status_code == 400 and "since" in bad.json()["error"]["message"]
    project = make_project(keystone, admin)
    member = login(keystone, make_user(keystone, admin, project, "member"), project)[0]
    assert keystone.call("GET", "/OS-REVOKE/events", member).status_code == 403
