"""Fixtures for Placement tests: an in-process Placement and a client pinned to a microversion."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.backends import scratch_database

LATEST = "1.39"


class Placement:
    """Sends requests at one microversion (``at("1.12")`` for another) as one persona."""

    def __init__(self, api: Any, version: str = LATEST) -> None:
        self.api = api
        self.version = version

    def at(self, version: str) -> Placement:
        return Placement(self.api, version)

    def as_(self, persona: str | None) -> Placement:
        return Placement(self.api.as_(persona), self.version)

    def request(self, method: str, path: str, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        headers.setdefault("OpenStack-API-Version", f"placement {self.version}")
        return self.api.request(method, path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)

    # -- helpers that build state ------------------------------------------------------

    def provider(self, name: str | None = None, **inventory: dict[str, Any]) -> str:
        """A new provider with ``VCPU={"total": 4}``-style inventories; returns its uuid."""
        rp_uuid = str(uuid.uuid4())
        resp = self.post("/resource_providers", json={"name": name or f"rp-{rp_uuid[:8]}",
                                                     "uuid": rp_uuid})
        assert resp.status_code == 200, resp.text
        if inventory:
            self.set_inventory(rp_uuid, **inventory)
        return rp_uuid

    def generation(self, rp_uuid: str) -> int:
        gen: int = self.get(f"/resource_providers/{rp_uuid}").json()["generation"]
        return gen

    def set_inventory(self, rp_uuid: str, **inventory: dict[str, Any]) -> Any:
        resp = self.put(f"/resource_providers/{rp_uuid}/inventories", json={
            "resource_provider_generation": self.generation(rp_uuid),
            "inventories": inventory})
        assert resp.status_code == 200, resp.text
        return resp.json()

    def claim(self, consumer: str, rp_uuid: str, generation: int | None = None,
              **resources: int) -> Any:
        return self.put(f"/allocations/{consumer}", json={
            "allocations": {rp_uuid: {"resources": resources}},
            "project_id": PROJECT, "user_id": USER, "consumer_generation": generation,
            "consumer_type": "INSTANCE"})


PROJECT = "b0000000000000000000000000000000"
USER = "u-member"


def error_of(resp: Any) -> dict[str, Any]:
    """The one error of a Placement fault body, checked for shape."""
    body = resp.json()
    assert set(body) == {"errors"}, body
    (err,) = body["errors"]
    assert {"status", "title", "detail", "code", "request_id"} <= set(err), err
    assert err["status"] == resp.status_code
    return dict(err)


@pytest.fixture
def cloud_api(make_cloud: Callable[..., Any]) -> Iterator[tuple[Any, Placement]]:
    """Placement on SQLite, or on a scratch database of ``NIMBUS_PLACEMENT_TEST_DB``
    (``postgresql`` or ``mysql``) so the whole suite can be run against a real server."""
    kind = os.environ.get("NIMBUS_PLACEMENT_TEST_DB", "")
    if not kind:
        cloud, api = make_cloud(["placement"], prefix="/placement")
        yield cloud, Placement(api)
        return
    with scratch_database(kind) as url:
        cloud, api = make_cloud(["placement"], prefix="/placement", db_url=url)
        yield cloud, Placement(api)
        cloud.db.dispose()


@pytest.fixture
def placement(cloud_api: tuple[Any, Placement]) -> Placement:
    return cloud_api[1]


def new_uuid() -> str:
    return str(uuid.uuid4())
