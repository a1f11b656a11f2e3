"""Fixtures for the network service: a cloud running only it, and small builders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.personas import ADMIN_PROJECT


class Net:
    """Builders over the API, as a persona: ``net.network()``, ``net.subnet(net_id, cidr)``."""

    def __init__(self, cloud: Any, api: Any) -> None:
        self.cloud = cloud
        self.api = api

    def as_(self, persona: str) -> Any:
        return self.api.as_(persona)

    def network(self, persona: str = "member", **attrs: Any) -> dict[str, Any]:
        resp = self.api.as_(persona).post("/v2.0/networks",
                                          json={"network": {"name": "n", **attrs}})
        assert resp.status_code == 201, resp.text
        return resp.json()["network"]  # type: ignore[no-any-return]

    def subnet(self, network_id: str, cidr: str = "10.1.0.0/24", persona: str = "member",
               **attrs: Any) -> dict[str, Any]:
        body = {"network_id": network_id, "cidr": cidr, "ip_version": 6 if ":" in cidr else 4,
                **attrs}
        resp = self.api.as_(persona).post("/v2.0/subnets", json={"subnet": body})
        assert resp.status_code == 201, resp.text
        return resp.json()["subnet"]  # type: ignore[no-any-return]

    def port(self, network_id: str, persona: str = "member", **attrs: Any) -> dict[str, Any]:
        resp = self.api.as_(persona).post("/v2.0/ports",
                                          json={"port": {"network_id": network_id, **attrs}})
        assert resp.status_code == 201, resp.text
        return resp.json()["port"]  # type: ignore[no-any-return]

    def public(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """An external network with a subnet, owned by the admin project."""
        net = self.network("admin", name="public", **{"router:external": True})
        sub = self.subnet(net["id"], "172.24.4.0/24", "admin", enable_dhcp=False)
        return net, sub

    def router(self, persona: str = "member", **attrs: Any) -> dict[str, Any]:
        resp = self.api.as_(persona).post("/v2.0/routers", json={"router": {"name": "r",
                                                                           **attrs}})
        assert resp.status_code == 201, resp.text
        return resp.json()["router"]  # type: ignore[no-any-return]


@pytest.fixture
def net(make_cloud: Callable[..., Any]) -> Net:
    cloud, api = make_cloud(["network"], prefix="/network")
    return Net(cloud, api)


@pytest.fixture
def admin_project() -> str:
    return ADMIN_PROJECT
