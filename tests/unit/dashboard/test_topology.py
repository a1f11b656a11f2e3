"""The topology picture draws one page of servers and asks only for the ports of what it
draws, so its cost does not grow with the project's servers."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from nimbus.dashboard.manager import topology

COVERS = [("dashboard", "network topology: one page of servers, only their ports read")]


class FakeUser:
    """Answers the public API calls the picture makes from canned lists, recording each."""

    def __init__(self, servers: int) -> None:
        self.calls: list[tuple[str, str]] = []
        self.servers = [{"id": f"s{n:04}", "name": f"vm{n}"} for n in range(servers)]
        self.ports = [{"device_id": s["id"], "network_id": "net", "device_owner": "compute:nova",
                       "fixed_ips": [{"ip_address": f"10.0.0.{n % 250}"}]}
                      for n, s in enumerate(self.servers)]
        self.ports.append({"device_id": "r1", "network_id": "net",
                           "device_owner": "network:router_interface",
                           "fixed_ips": [{"ip_address": "10.0.0.1"}]})

    def get(self, service: str, path: str) -> Any:
        self.calls.append((service, path))
        url = urlsplit(path)
        query = parse_qs(url.query)
        if url.path == "/v2.0/networks":
            return {"networks": [{"id": "net", "name": "private", "subnets": ["sub"]},
                                 {"id": "ext", "name": "public", "router:external": True}]}
        if url.path == "/v2.0/subnets":
            return {"subnets": [{"id": "sub", "cidr": "10.0.0.0/24"}]}
        if url.path == "/v2.0/routers":
            return {"routers": [{"id": "r1", "name": "router1", "status": "ACTIVE",
                                 "external_gateway_info": {"network_id": "ext"}}]}
        if url.path == "/limits":
            return {"limits": {"absolute": {"totalInstancesUsed": len(self.servers)}}}
        if url.path == "/servers":
            limit = int(query["limit"][0])
            ids = [s["id"] for s in self.servers]
            start = ids.index(query["marker"][0]) + 1 if "marker" in query else 0
            page = self.servers[start:start + limit]
            links = [{"rel": "next", "href": "..."}] if start + limit < len(ids) else []
            return {"servers": page, "servers_links": links}
        if url.path == "/v2.0/ports":
            wanted = set(query["device_id"])
            return {"ports": [p for p in self.ports if p["device_id"] in wanted]}
        raise AssertionError(path)


def test_a_page_of_servers_and_only_their_ports() -> None:
    user = FakeUser(servers=topology.PAGE * 2 + 5)
    pic = topology.picture(user)  # type: ignore[arg-type]
    servers = [b for b in pic.boxes if b.kind == "server"]
    assert [b.name for b in servers] == [f"vm{n}" for n in range(topology.PAGE)]
    assert pic.servers_total == topology.PAGE * 2 + 5
    assert pic.next_marker == servers[-1].id
    # One port query naming the router and the drawn servers, nothing more.
    port_calls = [parse_qs(urlsplit(p).query) for s, p in user.calls if "/ports" in p]
    assert len(port_calls) == 1
    assert set(port_calls[0]["device_id"]) == {"r1"} | {b.id for b in servers}
    # Every drawn server has its line to the private network; the router its gateway too.
    bars = {b.id: b.x for b in pic.bars}
    assert all(b.links == [(bars["net"], b.links[0][1])] for b in servers)
    router = next(b for b in pic.boxes if b.kind == "router")
    assert sorted(router.links) == sorted([(bars["ext"], "gateway"), (bars["net"], "10.0.0.1")])


def test_the_last_page_has_no_next() -> None:
    user = FakeUser(servers=topology.PAGE + 3)
    first = topology.picture(user)  # type: ignore[arg-type]
    last = topology.picture(user, first.next_marker)  # type: ignore[arg-type]
    assert [b.name for b in last.boxes if b.kind == "server"] == \
        [f"vm{n}" for n in range(topology.PAGE, topology.PAGE + 3)]
    assert last.next_marker is None and last.marker == first.next_marker


def test_no_servers_no_port_query_for_them() -> None:
    user = FakeUser(servers=0)
    pic = topology.picture(user)  # type: ignore[arg-type]
    assert [b.kind for b in pic.boxes] == ["router"] and pic.next_marker is None
