"""The scheduler's hint and capability filters: same_host / different_host (a uuid or a list),
ComputeCapabilitiesFilter with Nova's extra-spec operators, and their part in the account of
a request no host takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nimbus.cmd.tempest_config import compute_features
from nimbus.compute.db import instances as instances_db
from nimbus.compute.scheduler import hints
from nimbus.compute.scheduler.capabilities import ComputeCapabilitiesFilter
from nimbus.compute.scheduler.explain import describe, run_filters
from nimbus.compute.scheduler.filters import HostState, default_filters
from nimbus.compute.scheduler.hint_filters import DifferentHostFilter, SameHostFilter
from nimbus.conf.settings import load
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID, NETWORK_ID

COVERS = [("compute", "scheduler filters: SameHostFilter, DifferentHostFilter (scheduler "
                      "hints, a uuid or a list), ComputeCapabilitiesFilter (capabilities:* "
                      "extra specs, Nova's operators), each in the NoValidHost account")]

A, B, C = ("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
           "33333333-3333-4333-8333-333333333333")
FLAVOR = {"vcpus": 1, "memory_mb": 64, "root_gb": 0, "extra_specs": {}}


def _host(name: str, vcpus: int = 8, ram: int = 4096, disk: int = 100) -> HostState:
    resources = {"VCPU": {"capacity": vcpus, "used": 0},
                 "MEMORY_MB": {"capacity": ram, "used": 0},
                 "DISK_GB": {"capacity": disk, "used": 0}}
    return HostState(name, f"rp-{name}", {}, resources)


def _spec(given: dict[str, Any], running: dict[str, str] | None = None,
          **extra: Any) -> dict[str, Any]:
    """A spec with hints as the API keeps them (each a list) and, with ``running``
    ({uuid: host}), looked up as the scheduler does."""
    spec: dict[str, Any] = {"flavor": FLAVOR, "project_id": "p", "user_id": "u",
                            "scheduler_hints": {k: v if isinstance(v, list) else [v]
                                                for k, v in given.items()}, **extra}
    if running is not None:
        spec["hinted_hosts"] = hints.where(hints.servers_named(spec), running)
    return spec


HOSTS = [_host("h1"), _host("h2"), _host("h3")]


def _passing(host_filter: Any, spec: dict[str, Any]) -> list[str]:
    return [h.host for h in HOSTS if host_filter.passes(h, spec)]


# -- same_host / different_host ------------------------------------------------------------

def test_same_host_keeps_the_hosts_of_any_server_named() -> None:
    running = {A: "h1", B: "h3"}
    assert _passing(SameHostFilter(), _spec({"same_host": A}, running)) == ["h1"]
    assert _passing(SameHostFilter(), _spec({"same_host": [A, B]}, running)) == ["h1", "h3"]
    # A server that does not exist (or has no host yet) runs nowhere.
    assert _passing(SameHostFilter(), _spec({"same_host": [C]}, running)) == []
    assert _passing(SameHostFilter(), _spec({}, running)) == ["h1", "h2", "h3"]


def test_different_host_removes_the_hosts_of_every_server_named() -> None:
    running = {A: "h1", B: "h3"}
    assert _passing(DifferentHostFilter(), _spec({"different_host": A}, running)) == \
        ["h2", "h3"]
    assert _passing(DifferentHostFilter(), _spec({"different_host": [A, B]}, running)) == \
        ["h2"]
    assert _passing(DifferentHostFilter(), _spec({"different_host": [C]}, running)) == \
        ["h1", "h2", "h3"]


def test_a_hint_not_looked_up_is_not_ignored() -> None:
    """A spec whose named servers were never looked up must not pass every host."""
    assert _passing(SameHostFilter(), _spec({"same_host": A})) == []
    assert _passing(DifferentHostFilter(), _spec({"different_host": A})) == \
        ["h1", "h2", "h3"]


def test_a_forced_host_skips_the_hint_filters() -> None:
    spec = _spec({"same_host": A}, {A: "h1"}, force_host="h2")
    assert "h2" in _passing(SameHostFilter(), spec)


def test_values_that_name_no_server() -> None:
    """The API lets any value through; one that is no server id names no server."""
    spec = _spec({"same_host": [["nested"], 5]})
    assert hints.servers_named(spec) == {"same_host": ["['nested']", "5"]}
    assert hints.servers_named(_spec({"same_host": []})) == {}


def test_the_account_names_the_hint_filters() -> None:
    spec = _spec({"same_host": A, "different_host": [A, B]}, {A: "h1", B: "h2"})
    kept, results = run_filters(HOSTS, spec, default_filters(), explain=True)
    assert kept == []
    lines = describe(results, len(HOSTS), spec).splitlines()
    assert f"SameHostFilter removed 2 of 3 hosts: runs none of the servers of hint same_host " \
           f"({A})" in lines
    assert lines[-1] == f"DifferentHostFilter removed 1 of 1 hosts: runs server(s) {A} of " \
                        "hint different_host"


def test_every_filter_explains_itself() -> None:
    for host_filter in default_filters():
        assert callable(getattr(host_filter, "why", None)), host_filter.name


# -- capabilities ------------------------------------------------------------------------------

def _capable(extra_specs: dict[str, str], host: HostState | None = None) -> bool:
    spec = {"flavor": {**FLAVOR, "extra_specs": extra_specs}}
    return ComputeCapabilitiesFilter().passes(host or _host("h1"), spec)


@pytest.mark.parametrize(("extra_specs", "expected"), [
    ({"capabilities:hypervisor_type": "s== fake"}, True),
    ({"capabilities:hypervisor_type": "s== QEMU"}, False),
    ({"capabilities:hypervisor_type": "<or> qemu <or> fake"}, True),
    ({"capabilities:hypervisor_version": ">= 1000"}, True),
    ({"capabilities:hypervisor_version": ">= 2000"}, False),
    ({"capabilities:cpu_info:arch": "x86_64"}, True),
    ({"capabilities:cpu_info:arch": "aarch64"}, False),
    ({"capabilities:cpu_info:topology:sockets": "== 8"}, True),
    ({"capabilities:cpu_info:features": "<in> avx512"}, False),
    ({"capabilities:vcpus_total": ">= 8", "capabilities:free_ram_mb": ">= 4096"}, True),
    ({"capabilities:free_ram_mb": ">= 4097"}, False),
    ({"capabilities:no_such_thing": "1"}, False),
    ({"capabilities:cpu_info:arch:deeper": "x"}, False),
    # Unscoped: checked when the host reports it, left to the aggregate filter otherwise.
    ({"hypervisor_type": "fake"}, True),
    ({"hypervisor_type": "qemu"}, False),
    ({"disk": "ssd"}, True),
    # Other scopes are other filters' business.
    ({"hw:cpu_policy": "dedicated", "aggregate_instance_extra_specs:x": "y"}, True),
])
def test_capabilities(extra_specs: dict[str, str], expected: bool) -> None:
    assert _capable(extra_specs) is expected


def test_capabilities_follow_the_host() -> None:
    small, busy = _host("small", vcpus=2), _host("busy")
    busy.io_ops = 3
    assert not _capable({"capabilities:vcpus_total": ">= 4"}, small)
    assert _capable({"capabilities:num_io_ops": "<= 2"}) and \
        not _capable({"capabilities:num_io_ops": "<= 2"}, busy)


def test_a_json_capability_is_walked_into() -> None:
    class Reported(HostState):
        def capabilities(self) -> dict[str, Any]:
            return {"cpu_info": '{"arch": "aarch64", "features": ["sve"]}', "broken": "{"}

    host = Reported("h9", "rp", {})
    assert _capable({"capabilities:cpu_info:arch": "aarch64"}, host)
    assert _capable({"capabilities:cpu_info:features": "<in> sve"}, host)
    assert not _capable({"capabilities:broken:x": "1"}, host)


def test_capability_refusals_are_explained() -> None:
    spec = {"flavor": {**FLAVOR, "extra_specs": {"capabilities:cpu_info:arch": "aarch64",
                                                 "capabilities:hypervisor_type": "fake"}}}
    _, results = run_filters(HOSTS, spec, [ComputeCapabilitiesFilter()], explain=True)
    assert results[0].line() == ("ComputeCapabilitiesFilter removed 3 of 3 hosts: capabilities "
                                 "do not satisfy extra spec(s) capabilities:cpu_info:arch")


def test_tempest_is_told_the_filters() -> None:
    features = compute_features(load({}, environ={}))
    enabled = features["scheduler_enabled_filters"].split(",")
    for name in ("SameHostFilter", "DifferentHostFilter", "ComputeCapabilitiesFilter",
                 "ServerGroupAffinityFilter", "AggregateMultiTenancyIsolation"):
        assert name in enabled


# -- through the API ---------------------------------------------------------------------------

@pytest.fixture
def three(make_compute: Callable[..., Compute]) -> Compute:
    return make_compute(hosts=3)


def _boot(compute: Compute, hint_key: str = "os:scheduler_hints", wait: str = "ACTIVE",
          flavor: str = "42", **given: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"server": {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": flavor,
                                       "networks": [{"uuid": NETWORK_ID}]}}
    if given:
        body[hint_key] = given
    resp = compute.as_("member").post("/v2.1/servers", json=body, headers=MV)
    assert resp.status_code == 202, resp.text
    return compute.wait(resp.json()["server"]["id"], wait)


def _where(compute: Compute, server_id: str) -> str:
    row = instances_db.find_instance(compute.state.db, server_id)
    assert row is not None and row.host
    return str(row.host)


def test_hints_place_servers(three: Compute) -> None:
    first = _boot(three)["id"]
    home = _where(three, first)
    for _ in range(2):
        assert _where(three, _boot(three, same_host=first)["id"]) == home
    apart = _boot(three, "OS-SCH-HNT:scheduler_hints", different_host=[first])["id"]
    assert _where(three, apart) != home
    third = _boot(three, different_host=[first, apart])["id"]
    assert _where(three, third) not in {home, _where(three, apart)}
    failed = _boot(three, wait="ERROR", different_host=[first, apart, third])
    details = three.as_("admin").get(f"/v2.1/servers/{failed['id']}",
                                     headers=MV).json()["server"]["fault"]["details"]
    assert "DifferentHostFilter removed 3 of 3 hosts: runs server(s) " in details


def test_same_host_naming_no_placed_server_fails(three: Compute) -> None:
    failed = _boot(three, wait="ERROR", same_host="44444444-4444-4444-8444-444444444444")
    assert failed["fault"]["message"].startswith("No valid host was found.")
    details = three.as_("admin").get(f"/v2.1/servers/{failed['id']}",
                                     headers=MV).json()["server"]["fault"]["details"]
    assert ("SameHostFilter removed 3 of 3 hosts: runs none of the servers of hint same_host "
            "(44444444-4444-4444-8444-444444444444)") in details


@pytest.mark.parametrize("hints", [
    {"same_host": "not-a-uuid"}, {"different_host": ["44444444-4444-4444-8444-444444444444", 7]},
    {"group": []}, {"query": 5}, {"target_cell": ""}, {"cidr": "10.0.0.0/8"},
    {"build_near_host_ip": "near"}, {"different_cell": [1]},
])
def test_bad_hints_are_a_400(three: Compute, hints: dict[str, Any]) -> None:
    resp = three.as_("member").post("/v2.1/servers", headers=MV, json={
        "server": {"name": "hinted", "imageRef": IMAGE_ID, "flavorRef": "42",
                   "networks": [{"uuid": NETWORK_ID}]}, "os:scheduler_hints": hints})
    assert resp.status_code == 400, (hints, resp.text)


def test_servers_created_together_keep_away(three: Compute) -> None:
    first = _boot(three)["id"]
    home = _where(three, first)
    resp = three.as_("member").post("/v2.1/servers", headers=MV, json={
        "server": {"name": "many", "imageRef": IMAGE_ID, "flavorRef": "42",
                   "networks": [{"uuid": NETWORK_ID}], "min_count": 4},
        "os:scheduler_hints": {"different_host": first}})
    assert resp.status_code == 202, resp.text
    servers = three.as_("member").get("/v2.1/servers?name=many", headers=MV).json()["servers"]
    assert len(servers) == 4
    for server in servers:
        three.wait(server["id"], "ACTIVE")
        assert _where(three, server["id"]) != home


def test_capabilities_through_a_flavor(three: Compute) -> None:
    admin = three.as_("admin")
    for flavor_id, specs in (("cap-ok", {"capabilities:hypervisor_type": "s== fake",
                                         "capabilities:cpu_info:arch": "<or> x86_64 <or> i686"}),
                             ("cap-arm", {"capabilities:cpu_info:arch": "aarch64"})):
        body = {"flavor": {"name": flavor_id, "ram": 64, "vcpus": 1, "disk": 0,
                           "id": flavor_id}}
        assert admin.post("/v2.1/flavors", json=body).status_code == 200
        assert admin.post(f"/v2.1/flavors/{flavor_id}/os-extra_specs",
                          json={"extra_specs": specs}).status_code == 200
    assert _boot(three, flavor="cap-ok")["status"] == "ACTIVE"
    failed = _boot(three, wait="ERROR", flavor="cap-arm")
    details = admin.get(f"/v2.1/servers/{failed['id']}",
                        headers=MV).json()["server"]["fault"]["details"]
    assert ("ComputeCapabilitiesFilter removed 3 of 3 hosts: capabilities do not satisfy "
            "extra spec(s) capabilities:cpu_info:arch") in details


def test_enabled_filters_setting_names_real_filters() -> None:
    from nimbus.compute.scheduler.filters import default_filters
    from nimbus.conf.compute import ENABLED_FILTERS, ComputeSettings

    # The default setting turns on every filter there is, in its order.
    chosen = default_filters(ComputeSettings().enabled_filters)
    assert [f.name for f in chosen] == list(ENABLED_FILTERS)
    assert len(chosen) == len(default_filters())
    assert [f.name for f in default_filters("RamFilter, ComputeFilter")] == ["RamFilter",
                                                                         "ComputeFilter"]
    with pytest.raises(ValueError, match="NoSuchFilter"):
        default_filters("ComputeFilter,NoSuchFilter")
