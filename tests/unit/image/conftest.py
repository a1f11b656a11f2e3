"""Fixtures for image tests: an in-process image service and helpers to create images."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PersonaClient

RAW = {"container_format": "bare", "disk_format": "raw"}


@pytest.fixture
def image_api(make_cloud: Callable[..., Any]) -> PersonaClient:
    _cloud, api = make_cloud(["image"], prefix="/image")
    return api


@pytest.fixture
def image_cloud(make_cloud: Callable[..., Any]) -> tuple[Any, PersonaClient]:
    return make_cloud(["image"], prefix="/image")  # type: ignore[no-any-return]


def create(api: PersonaClient, persona: str = "member", **fields: Any) -> dict[str, Any]:
    body = {"name": "img", **RAW, **fields}
    resp = api.as_(persona).post("/v2/images", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def upload(api: PersonaClient, image_id: str, data: bytes, persona: str = "member") -> Any:
    return api.as_(persona).put(f"/v2/images/{image_id}/file", content=data,
                                headers={"Content-Type": "application/octet-stream"})


PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


def wait_for(client: Any, url: str, done: Callable[[dict[str, Any]], bool],
             timeout: float = 10) -> dict[str, Any]:
    """Poll ``url`` until ``done(body)``: imports finish in a background worker."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(url).json()
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.05)
