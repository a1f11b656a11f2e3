"""Orchestration's policy per persona: a project's readers read its stacks, members change
them, another project's user finds nothing (404, and empty lists), an administrator lists
every project's with ``global_tenant``; no token is 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nimbus.orchestration.db.models import Event, Resource, Stack
from tests.support.personas import project_of

COVERS = [("orchestration", "policy per persona: reader reads, member writes, another "
                            "project's user gets 404 on stacks, resources, events, outputs "
                            "and templates; global_tenant is the administrators'")]
STACK_ID = "5a7c0000-0000-4000-8000-000000000001"


@pytest.fixture
def orch(make_cloud: Callable[..., Any]) -> Any:
    cloud, api = make_cloud(["orchestration"], prefix="/orchestration")
    project = project_of("member")
    with cloud.db.writer() as s:
        s.add(Stack(id=STACK_ID, name="kept", project_id=project, user_id="u", action="CREATE",
                    status="COMPLETE", status_reason="Stack CREATE completed successfully",
                    template={"heat_template_version": "2016-10-14", "resources": {
                        "r": {"type": "OS::Heat::None"}},
                        "outputs": {"o": {"value": "v"}}},
                    files={}, environment={}, params={}, outputs={}, disable_rollback=True))
        s.flush()
        s.add(Resource(id="r-1", stack_id=STACK_ID, name="r", type="OS::Heat::None",
                       action="CREATE", status="COMPLETE", physical_id="kept-r-1",
                       properties={}, data={}, attributes={}, metadata_={}, requires=[]))
        s.add(Event(id="e-1", stack_id=STACK_ID, resource_name="r", resource_type="OS::Heat::None",
                    physical_id="kept-r-1", action="CREATE", status="COMPLETE",
                    reason="state changed", properties={}))
    return api, project


def _paths(project: str) -> list[str]:
    base = f"/v1/{project}/stacks/kept/{STACK_ID}"
    return [base, f"{base}/resources", f"{base}/resources/r", f"{base}/events",
            f"{base}/resources/r/events/e-1", f"{base}/outputs", f"{base}/outputs/o",
            f"{base}/template", f"{base}/environment", f"/v1/{project}/stacks/kept"]


@pytest.mark.parametrize("persona", ["admin", "member", "reader"])
def test_the_project_reads_its_stacks(orch: Any, persona: str) -> None:
    api, project = orch
    client = api.as_(persona)
    for path in _paths(project):
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code in (200, 302), (path, resp.status_code, resp.text[-300:])
    assert [s["id"] for s in client.get(f"/v1/{project}/stacks").json()["stacks"]] == \
        [STACK_ID]


def test_a_reader_changes_nothing(orch: Any) -> None:
    api, project = orch
    reader = api.as_("reader")
    base = f"/v1/{project}/stacks/kept/{STACK_ID}"
    template = {"heat_template_version": "2016-10-14"}
    for method, path, body in (
            ("POST", f"/v1/{project}/stacks", {"stack_name": "x", "template": template}),
            ("PUT", base, {"template": template}), ("PATCH", base, {}),
            ("DELETE", base, None), ("POST", f"{base}/actions", {"check": None}),
            ("PATCH", f"{base}/resources/r", {"mark_unhealthy": True}),
            ("POST", f"{base}/resources/r/signal", {}),
            ("POST", f"{base}/snapshots", {}), ("DELETE", f"{base}/abandon", None)):
        resp = reader.request(method, path, json=body)
        assert resp.status_code == 403, (method, path, resp.status_code, resp.text[-300:])
        assert resp.json()["error"]["type"] == "Forbidden" or resp.status_code == 403


def test_another_projects_user_finds_nothing(orch: Any) -> None:
    api, project = orch
    other = api.as_("other")
    mine = project_of("other")
    for path in _paths(project):
        # Its own project in the path: the stack is not there.
        own = path.replace(f"/v1/{project}/", f"/v1/{mine}/")
        assert other.get(own, follow_redirects=False).status_code == 404, own
        # The owner's project in the path: refused before anything is looked up.
        assert other.get(path, follow_redirects=False).status_code == 403, path
    assert other.get(f"/v1/{mine}/stacks").json()["stacks"] == []
    assert other.delete(f"/v1/{mine}/stacks/kept/{STACK_ID}").status_code == 404


def test_every_projects_stacks_are_the_administrators(orch: Any) -> None:
    api, project = orch
    admin, member = api.as_("admin"), api.as_("member")
    everyone = admin.get(f"/v1/{project_of('admin')}/stacks",
                         params={"global_tenant": "true"}).json()["stacks"]
    assert [s["id"] for s in everyone] == [STACK_ID]
    assert member.get(f"/v1/{project}/stacks", params={"global_tenant": "true"}
                      ).status_code == 403


def test_no_token_is_401(orch: Any) -> None:
    api, project = orch
    assert api.client.get(f"/orchestration/v1/{project}/stacks").status_code == 401
