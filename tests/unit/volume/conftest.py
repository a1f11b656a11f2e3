"""A block-storage cloud with its volume agent running, and helpers to wait on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.personas import project_of

LATEST = {"OpenStack-API-Version": "volume 3.70"}


class FakeCompute:
    """What the volume service asks compute: which server uses which volume (none, unless a
    test says so)."""

    def __init__(self) -> None:
        self.using: dict[tuple[str, str], str] = {}

    def volume_attachment(self, server_id: str, volume_id: str) -> dict[str, Any] | None:
        found = self.using.get((server_id, volume_id))
        return None if found is None else {"serverId": server_id, "volumeId": volume_id,
                                           "attachment_id": found}


class VolumeApi:
    """Persona client plus the waits every volume test needs."""

    def __init__(self, cloud: Any, api: Any) -> None:
        self.cloud = cloud
        self.api = api
        self.compute = FakeCompute()
        cloud.runtimes["volume"].state.attachments.compute = self.compute

    def as_(self, persona: str) -> Any:
        return self.api.as_(persona)

    def create(self, persona: str = "member", wait: bool = True, **volume: Any) -> dict[str, Any]:
        volume.setdefault("size", 1)
        resp = self.api.as_(persona).post("/v3/volumes", json={"volume": volume})
        assert resp.status_code == 202, resp.text
        body = resp.json()["volume"]
        if wait:
            return self.wait(body["id"], "available", persona)
        return dict(body)

    def wait(self, volume_id: str, status: str, persona: str = "admin",
             timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            resp = self.api.as_(persona).get(f"/v3/volumes/{volume_id}")
            if status == "deleted" and resp.status_code == 404:
                return {}
            body = resp.json().get("volume", {})
            if body.get("status") == status:
                return body
            time.sleep(0.02)
        raise AssertionError(f"volume {volume_id} never reached {status}: {body}")


@pytest.fixture
def vol(make_cloud: Callable[..., Any]) -> VolumeApi:
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True)
    cloud.start_workers({"volume-agent"})
    return VolumeApi(cloud, api)


@pytest.fixture
def member_project() -> str:
    return project_of("member")
