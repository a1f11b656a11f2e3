"""Address scopes and subnet pools (Neutron's ``address-scope``, ``subnet_allocation`` and
``default-subnetpools``): who may do what, the pool's bounds, subnets allocated from it, and
what keeps a scope or a pool from being deleted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.network.conftest import Net

COVERS = [("network", "address scopes: create, list, show, update, delete (409 while a pool "
                      "is in one); shared ones by admins only, seen by every project"),
          ("network", "subnet pools: prefixes collapsed and only grown, prefix bounds, "
                      "default pool, quota; subnets allocated by prefix length or cidr, "
                      "never overlapping; a pool with subnets is not deleted"),
          ("network", "subnet pools: another project's unshared pool or scope is 404")]

SCOPES = "/v2.0/address-scopes"
POOLS = "/v2.0/subnetpools"


def _fault(resp: Any) -> str:
    return str(resp.json()["NeutronError"]["type"])


def _pool(net: Net, persona: str = "member", **attrs: Any) -> dict[str, Any]:
    body = {"name": "pool", "prefixes": ["10.10.0.0/16"], **attrs}
    resp = net.as_(persona).post(POOLS, json={"subnetpool": body})
    assert resp.status_code == 201, resp.text
    return resp.json()["subnetpool"]  # type: ignore[no-any-return]


def _subnet(net: Net, network_id: str, persona: str = "member", **attrs: Any) -> Any:
    return net.as_(persona).post("/v2.0/subnets", json={"subnet": {
        "network_id": network_id, "ip_version": 4, **attrs}})


def test_address_scope_lifecycle_and_sharing(net: Net) -> None:
    member = net.as_("member")
    resp = member.post(SCOPES, json={"address_scope": {"name": "s", "ip_version": 4}})
    assert resp.status_code == 201, resp.text
    scope = resp.json()["address_scope"]
    assert scope["ip_version"] == 4 and scope["shared"] is False
    assert member.post(SCOPES, json={"address_scope": {"name": "s", "ip_version": 4,
                                                       "shared": True}}).status_code == 403
    assert member.post(SCOPES, json={"address_scope": {"name": "s"}}).status_code == 400
    assert net.as_("other").get(f"{SCOPES}/{scope['id']}").status_code == 404
    assert _fault(net.as_("other").get(f"{SCOPES}/{scope['id']}")) == "AddressScopeNotFound"
    shared = net.as_("admin").post(SCOPES, json={"address_scope": {
        "name": "common", "ip_version": 6, "shared": True}}).json()["address_scope"]
    names = {s["name"] for s in net.as_("other").get(SCOPES).json()["address_scopes"]}
    assert names == {"common"}
    renamed = member.put(f"{SCOPES}/{scope['id']}", json={"address_scope": {"name": "t"}})
    assert renamed.json()["address_scope"]["name"] == "t"
    assert member.put(f"{SCOPES}/{scope['id']}",
                      json={"address_scope": {"ip_version": 6}}).status_code == 400
    pool = _pool(net, address_scope_id=scope["id"])
    assert pool["address_scope_id"] == scope["id"]
    resp = member.delete(f"{SCOPES}/{scope['id']}")
    assert resp.status_code == 409 and _fault(resp) == "AddressScopeInUse"
    # A pool of the other IP version cannot join; one with the same prefixes cannot either.
    resp = member.post(POOLS, json={"subnetpool": {"name": "v6", "prefixes": ["fd00::/48"],
                                                   "address_scope_id": scope["id"]}})
    assert resp.status_code == 400
    resp = member.post(POOLS, json={"subnetpool": {"name": "dup", "prefixes": ["10.10.5.0/24"],
                                                   "address_scope_id": scope["id"]}})
    assert resp.status_code == 409 and _fault(resp) == "AddressScopePrefixConflict"
    assert member.delete(f"{POOLS}/{pool['id']}").status_code == 204
    assert member.delete(f"{SCOPES}/{scope['id']}").status_code == 204
    assert net.as_("admin").delete(f"{SCOPES}/{shared['id']}").status_code == 204


def test_pool_defaults_bounds_and_prefixes(net: Net) -> None:
    pool = _pool(net, prefixes=["10.10.0.0/17", "10.10.128.0/17", "10.20.0.0/16"])
    assert pool["prefixes"] == ["10.10.0.0/16", "10.20.0.0/16"]
    assert (pool["ip_version"], pool["min_prefixlen"], pool["max_prefixlen"],
            pool["default_prefixlen"]) == (4, 8, 32, 8)
    v6 = _pool(net, prefixes=["fd00::/48"], default_prefixlen=64)
    assert (v6["ip_version"], v6["min_prefixlen"], v6["max_prefixlen"]) == (6, 64, 128)
    member = net.as_("member")
    for bad in ({"prefixes": ["10.0.0.0/8", "fd00::/48"]},
                {"prefixes": ["not-a-cidr"]},
                {"prefixes": []},
                {"prefixes": ["10.0.0.0/8"], "min_prefixlen": 24, "max_prefixlen": 16},
                {"prefixes": ["10.0.0.0/8"], "max_prefixlen": 33},
                {"prefixes": ["10.0.0.0/8"], "min_prefixlen": 16, "default_prefixlen": 8},
                {"prefixes": ["10.0.0.0/8"], "default_quota": 2 ** 40},
                {"prefixes": ["10.0.0.0/8"], "default_quota": -1},
                {"name": "no prefixes"}):
        resp = member.post(POOLS, json={"subnetpool": bad})
        assert resp.status_code == 400, (bad, resp.text)
    url = f"{POOLS}/{pool['id']}"
    grown = member.put(url, json={"subnetpool": {"prefixes": ["10.10.0.0/16", "10.20.0.0/16",
                                                              "10.30.0.0/16"]}})
    assert grown.status_code == 200 and len(grown.json()["subnetpool"]["prefixes"]) == 3
    shrunk = member.put(url, json={"subnetpool": {"prefixes": ["10.10.0.0/16"]}})
    assert shrunk.status_code == 400 and _fault(shrunk) == "IllegalSubnetPoolPrefixUpdate"
    assert member.put(url, json={"subnetpool": {"shared": True}}).status_code == 400
    assert member.put(url, json={"subnetpool": {"is_default": True}}).status_code == 403


def test_subnets_come_from_the_pool_without_overlap(net: Net) -> None:
    pool = _pool(net, prefixes=["10.10.0.0/22"], default_prefixlen=24, min_prefixlen=23,
                 max_prefixlen=28)
    network = net.network()
    first = _subnet(net, network["id"], subnetpool_id=pool["id"])
    assert first.status_code == 201, first.text
    assert first.json()["subnet"]["cidr"] == "10.10.0.0/24"
    assert first.json()["subnet"]["subnetpool_id"] == pool["id"]
    other_net = net.network()
    second = _subnet(net, other_net["id"], subnetpool_id=pool["id"], prefixlen=23)
    assert second.json()["subnet"]["cidr"] == "10.10.2.0/23"
    third_net = net.network()
    taken = _subnet(net, third_net["id"], subnetpool_id=pool["id"], cidr="10.10.0.128/25")
    assert taken.status_code == 409 and _fault(taken) == "SubnetAllocationError"
    outside = _subnet(net, third_net["id"], subnetpool_id=pool["id"], cidr="10.99.0.0/24")
    assert outside.status_code == 409
    too_big = _subnet(net, third_net["id"], subnetpool_id=pool["id"], prefixlen=22)
    assert too_big.status_code == 409
    third = _subnet(net, third_net["id"], subnetpool_id=pool["id"], cidr="10.10.1.0/25")
    assert third.status_code == 201, third.text
    full = _subnet(net, net.network()["id"], subnetpool_id=pool["id"], prefixlen=24)
    assert full.status_code == 409 and "Insufficient prefix space" in full.text
    listed = net.as_("member").get("/v2.0/subnets", params={"subnetpool_id": pool["id"]})
    assert len(listed.json()["subnets"]) == 3
    resp = net.as_("member").delete(f"{POOLS}/{pool['id']}")
    assert resp.status_code == 409 and _fault(resp) == "SubnetPoolInUse"
    # A freed block is handed out again.
    net.as_("member").delete(f"/v2.0/subnets/{first.json()['subnet']['id']}")
    again = _subnet(net, net.network()["id"], subnetpool_id=pool["id"], prefixlen=25)
    assert again.json()["subnet"]["cidr"] == "10.10.0.0/25"


def test_a_network_keeps_its_subnets_on_one_pool(net: Net) -> None:
    pool = _pool(net, default_prefixlen=24)
    network = net.network()
    net.subnet(network["id"], cidr="192.168.5.0/24")
    resp = _subnet(net, network["id"], subnetpool_id=pool["id"])
    assert resp.status_code == 400
    assert _subnet(net, network["id"], prefixlen=24).status_code == 400


def test_the_default_pool_and_its_quota(net: Net) -> None:
    member = net.as_("member")
    network = net.network()
    resp = _subnet(net, network["id"], use_default_subnetpool=True)
    assert resp.status_code == 400 and "No default subnetpool" in resp.text
    pool = _pool(net, "admin", shared=True, is_default=True, default_prefixlen=26,
                 default_quota=128)
    with pytest.raises(AssertionError):
        _pool(net, "admin", name="second", prefixes=["10.99.0.0/16"], is_default=True)
    made = _subnet(net, network["id"], use_default_subnetpool=True)
    assert made.status_code == 201, made.text
    assert made.json()["subnet"]["subnetpool_id"] == pool["id"]
    assert made.json()["subnet"]["cidr"] == "10.10.0.0/26"
    again = _subnet(net, net.network()["id"], use_default_subnetpool=True)
    assert again.status_code == 201
    # 64 + 64 addresses used of the 128 a project may take.
    over = _subnet(net, net.network()["id"], use_default_subnetpool=True)
    assert over.status_code == 409 and "quota" in over.text
    assert member.get(f"{POOLS}/{pool['id']}").json()["subnetpool"]["is_default"] is True


def test_another_projects_pool_is_not_found(net: Net) -> None:
    pool = _pool(net)
    other = net.as_("other")
    assert other.get(f"{POOLS}/{pool['id']}").status_code == 404
    assert _fault(other.get(f"{POOLS}/{pool['id']}")) == "SubnetPoolNotFound"
    assert other.put(f"{POOLS}/{pool['id']}",
                     json={"subnetpool": {"name": "x"}}).status_code == 404
    assert other.delete(f"{POOLS}/{pool['id']}").status_code == 404
    theirs = net.network("other")
    resp = _subnet(net, theirs["id"], persona="other", subnetpool_id=pool["id"])
    assert resp.status_code == 404
    assert other.get(POOLS).json()["subnetpools"] == []
    assert net.as_("reader").get(f"{POOLS}/{pool['id']}").status_code == 200
    assert net.as_("reader").post(POOLS, json={"subnetpool": {
        "name": "r", "prefixes": ["10.0.0.0/8"]}}).status_code == 403


def test_pools_scopes_and_subnets_take_tags(net: Net) -> None:
    member = net.as_("member")
    pool = _pool(net)
    scope = member.post(SCOPES, json={"address_scope": {"name": "s", "ip_version": 4}}).json()[
        "address_scope"]
    subnet = net.subnet(net.network()["id"])
    for path in (f"{POOLS}/{pool['id']}", f"{SCOPES}/{scope['id']}",
                 f"/v2.0/subnets/{subnet['id']}"):
        assert member.put(f"{path}/tags/blue").status_code == 201, path
        assert member.get(f"{path}/tags").json() == {"tags": ["blue"]}
        assert net.as_("other").put(f"{path}/tags/red").status_code == 404
    assert member.get(POOLS, params={"tags": "blue"}).json()["subnetpools"][0]["id"] \
        == pool["id"]
