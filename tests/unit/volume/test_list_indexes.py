"""Volume lists are read off the indexes made for them (their plans on the migrated SQLite
schema)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.query_plans import assert_reads_index, page_plan

COVERS = [("volume", "volume lists (a project's first page and a marker's, by status, by name, "
                     "every project's) read off their indexes")]


@pytest.fixture
def volumes(vol: Any) -> tuple[Any, list[dict[str, Any]]]:
    return vol, [vol.create(name=f"vol-{i}") for i in range(3)]


def _plan(vol: Any, path: str, persona: str = "member") -> tuple[str, Any]:
    found: dict[str, Any] = {}

    def request() -> None:
        resp = vol.as_(persona).get(path)
        assert resp.status_code == 200, resp.text
        found["body"] = resp.json()

    plan = page_plan(vol.cloud.db.engine, "volume_volumes", request)
    return plan, found["body"]


def test_a_projects_pages_come_off_its_index_in_order(volumes: Any) -> None:
    vol, made = volumes
    for path in ("/v3/volumes/detail?limit=2", "/v3/volumes",
                 f"/v3/volumes/detail?limit=2&marker={made[2]['id']}"):
        plan, _body = _plan(vol, path)
        assert_reads_index(plan, "ix_volume_volumes_project")


def test_a_status_filter_reads_only_that_status(volumes: Any) -> None:
    plan, body = _plan(volumes[0], "/v3/volumes/detail?status=available")
    assert_reads_index(plan, "ix_volume_volumes_project_status")
    assert len(body["volumes"]) == 3


def test_a_name_filter_reads_only_that_name(volumes: Any) -> None:
    plan, body = _plan(volumes[0], "/v3/volumes/detail?name=vol-1")
    assert_reads_index(plan, "ix_volume_volumes_project_name")
    assert [v["name"] for v in body["volumes"]] == ["vol-1"]


def test_every_projects_volumes_come_off_the_time_index(volumes: Any) -> None:
    plan, _body = _plan(volumes[0], "/v3/volumes/detail?all_tenants=1&limit=2", "admin")
    assert_reads_index(plan, "ix_volume_volumes_created")
