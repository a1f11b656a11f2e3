"""Hostile values in every block-storage route's path segments and query values: a 4xx in
Cinder's fault body, never a 5xx and no ERROR in the log."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

import pytest

from tests.unit.volume.conftest import LATEST

COVERS = [("volume", "hostile path segments and query values on every route: a 4xx")]

SEGMENTS = ["a\x00b", "x" * 5000, "%2F..%2F", "\ud7ff\u202e", "' OR 1=1 --", "-1",
            "00000000-0000-0000-0000-000000000000\x00", "../../etc/passwd"]
QUERIES = ["name=%00", "marker=%00", "sort=name%00:asc", "status=" + "x" * 5000,
           "metadata=%7B%27k%27%3A%20%27%00%27%7D", "limit=99999999999999999999999",
           "all_tenants=%00"]


def _paths(vol: Any, value: str) -> list[tuple[str, str]]:
    runtime = vol.cloud.runtimes["volume"]
    found = []
    for spec in runtime.definition.router.routes:
        path = re.sub(r"\{[^}]+\}", quote(value, safe=""), spec.path)
        found += [(method, path) for method in spec.methods]
    return found


@pytest.mark.parametrize("value", SEGMENTS)
def test_hostile_path_segments_are_a_4xx(vol: Any, value: str,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    failures = []
    for method, path in _paths(vol, value):
        body = {"volume": {"name": "x"}} if method in ("POST", "PUT") else None
        resp = vol.as_("admin").request(method, path, json=body, headers=LATEST)
        if resp.status_code >= 500:
            failures.append(f"{method} {path[:80]} -> {resp.status_code} {resp.text[:120]}")
    errors = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [] and errors == []


@pytest.mark.parametrize("query", QUERIES)
def test_hostile_query_values_are_a_4xx(vol: Any, query: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    failures = []
    for path in ("/v3/volumes", "/v3/volumes/detail", "/v3/snapshots/detail", "/v3/types",
                 "/v3/attachments", "/v3/messages", "/v3/os-services", "/v3/volumes/summary"):
        resp = vol.as_("admin").get(f"{path}?{query}", headers=LATEST)
        if resp.status_code >= 500:
            failures.append(f"GET {path}?{query[:40]} -> {resp.status_code} {resp.text[:120]}")
    errors = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [] and errors == []
