"""An identity service in-process with real Fernet tokens."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.conf.settings import load
from nimbus.core.api.app import build_app
from nimbus.core.cloud import Cloud

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


class Keystone:
    def __init__(self, client: TestClient, cloud: Cloud) -> None:
        self.client = client
        self.cloud = cloud

    def token(self, user: str, password: str, project: str | None = None,
              domain: str = "Default") -> str:
        body: dict[str, Any] = {"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"name": user, "domain": {"name": domain}, "password": password}}}}}
        if project:
            body["auth"]["scope"] = {"project": {"name": project, "domain": {"name": domain}}}
        resp = self.client.post("/identity/v3/auth/tokens", json=body)
        assert resp.status_code == 201, resp.text
        return str(resp.headers["X-Subject-Token"])

    def admin(self) -> str:
        return self.token("admin", "secret", "admin")

    def call(self, method: str, path: str, token: str | None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if token:
            headers["X-Auth-Token"] = token
        return self.client.request(method, "/identity/v3" + path, headers=headers, **kw)


@pytest.fixture
def keystone(tmp_path: Path) -> Iterator[Keystone]:
    settings = load({"state_dir": str(tmp_path), "admin_password": "secret", "kdf_cost": 10})
    cloud = Cloud(settings, services=["identity"])
    cloud.migrate()
    cloud.start()
    cloud.bootstrap()
    yield Keystone(TestClient(build_app(cloud), raise_server_exceptions=False), cloud)
    cloud.stop()
