"""When no host fits, the scheduler says why: each filter, how many hosts it removed and for
what reason, in the server's fault (its details for administrators) and in its log. And the
other filters and the claims: disabled hosts, image properties, a claim Placement refuses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute.db import instances as instances_db
from nimbus.compute.scheduler.manager import SchedulerManager
from nimbus.core.errors import Conflict
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID

COVERS = [("compute", "NoValidHost names each filter, the hosts it removed and why (fault "
                      "details for admins, INFO log); ComputeFilter drops disabled hosts; "
                      "ImagePropertiesFilter; a refused claim moves on to the next host")]


@pytest.fixture
def three(make_compute: Callable[..., Compute]) -> Compute:
    return make_compute(hosts=3)


def _flavor(compute: Compute, ram: int, flavor_id: str = "big") -> str:
    body = {"flavor": {"name": flavor_id, "ram": ram, "vcpus": 1, "disk": 0, "id": flavor_id}}
    assert compute.as_("admin").post("/v2.1/flavors", json=body).status_code == 200
    # The scheduler, not the quota, is what must refuse it.
    compute.without_quota_limits()
    return flavor_id


def _details(compute: Compute, server_id: str) -> str:
    shown = compute.as_("admin").get(f"/v2.1/servers/{server_id}", headers=MV).json()
    return str(shown["server"]["fault"]["details"])


def _scheduler(compute: Compute) -> SchedulerManager:
    endpoint = next(w for w in compute.cloud.runtimes["compute"].workers
                    if getattr(w, "topic", "") == "scheduler").endpoint
    assert isinstance(endpoint, SchedulerManager)
    return endpoint


def _host(compute: Compute, server_id: str) -> str:
    row = instances_db.find_instance(compute.state.db, server_id)
    assert row is not None and row.host
    return str(row.host)


def test_no_valid_host_names_each_filter(three: Compute,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nimbus.compute.scheduler.manager")
    flavor = _flavor(three, 900_000)
    server = three.boot(wait="ERROR", flavorRef=flavor)
    assert server["fault"]["message"] == ("No valid host was found. There are not enough "
                                          "hosts available.")
    assert "details" not in server["fault"]     # a member learns nothing of the hosts
    lines = _details(three, server["id"]).splitlines()
    # One line per filter that ran, in order, up to the one that removed the last host.
    assert lines[0] == "3 compute hosts considered for 1 VCPU, 900000 MB RAM:"
    assert lines[-1] == "RamFilter removed 3 of 3 hosts: not enough free RAM (need 900000 MB)"
    for expected in ("ForcedHostFilter removed 0 of 3 hosts", "ComputeFilter removed 0 of 3 "
                     "hosts", "CoreFilter removed 0 of 3 hosts"):
        assert expected in lines[1:-1]
    assert not any("DiskFilter" in line for line in lines)     # never ran: no host was left
    logged = [r.getMessage() for r in caplog.records if "no valid host" in r.getMessage()]
    assert logged and "RamFilter removed 3 of 3 hosts: not enough free RAM (need 900000 MB)" \
        in logged[0] and server["id"] in logged[0]
    # The action's event carries it too, for those allowed to see events' details.
    events = three.as_("admin").get(
        f"/v2.1/servers/{server['id']}/os-instance-actions", headers=MV).json()
    request_id = events["instanceActions"][0]["request_id"]
    action = three.as_("admin").get(
        f"/v2.1/servers/{server['id']}/os-instance-actions/{request_id}", headers=MV).json()
    assert "RamFilter removed 3" in action["instanceAction"]["events"][0]["traceback"]


def test_each_filter_its_own_hosts(three: Compute) -> None:
    """Two hosts disabled, the third too small: both filters are named with their counts."""
    three.cloud.registry.set_disabled("nova-compute", "node-1", True, "maintenance")
    three.cloud.registry.set_disabled("nova-compute", "node-2", True)
    _scheduler(three).host_states.mark_stale()
    server = three.boot(wait="ERROR", flavorRef=_flavor(three, 900_000))
    details = _details(three, server["id"])
    assert ("ComputeFilter removed 2 of 3 hosts: compute service disabled (maintenance) (1); "
            "compute service disabled (1)") in details
    assert "RamFilter removed 1 of 1 hosts: not enough free RAM (need 900000 MB)" in details


def test_a_disabled_host_takes_no_new_servers(three: Compute) -> None:
    three.cloud.registry.set_disabled("nova-compute", "node-1", True)
    _scheduler(three).host_states.mark_stale()
    hosts = {_host(three, three.boot()["id"]) for _ in range(4)}
    assert "node-1" not in hosts and hosts == {"node-2", "node-3"}


def test_image_properties_must_match_the_hosts(three: Compute) -> None:
    images = three.clients.image
    arm = images.add("44444444-4444-4444-8444-444444444444", images.data[IMAGE_ID], "qcow2",
                     hw_architecture="aarch64")
    server = three.boot(wait="ERROR", imageRef=arm)
    details = _details(three, server["id"])
    assert ("ImagePropertiesFilter removed 3 of 3 hosts: cannot run the image's architecture "
            "aarch64 (host runs x86_64/fake/hvm)") in details
    amd = images.add("55555555-5555-4555-8555-555555555555", images.data[IMAGE_ID], "qcow2",
                     architecture="amd64", img_hv_type="fake")
    three.boot(imageRef=amd)    # other spellings of what the hosts run


def test_a_refused_claim_moves_on_to_the_next_host(three: Compute,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    placement = three.clients.placement
    full = placement.find_provider("node-1")
    assert full is not None
    replace, claim_new = placement.replace_allocations, placement.claim_new
    refused: list[str] = []

    def node_1_is_full(consumer: str, allocations: dict[str, Any], *args: Any) -> None:
        if full["uuid"] in allocations:
            refused.append(consumer)
            # Another scheduler took the last of its room since this one's view was read.
            raise Conflict("Unable to allocate inventory: capacity exceeded")
        replace(consumer, allocations, *args)

    def all_or_nothing(claims: dict[str, dict[str, Any]]) -> None:
        if any(full["uuid"] in claim["allocations"] for claim in claims.values()):
            raise Conflict("Unable to allocate inventory: capacity exceeded")
        claim_new(claims)

    monkeypatch.setattr(placement, "replace_allocations", node_1_is_full)
    monkeypatch.setattr(placement, "claim_new", all_or_nothing)
    hosts = [_host(three, three.boot()["id"]) for _ in range(3)]
    assert "node-1" not in hosts and refused


def test_a_consumer_changed_meanwhile_is_claimed_at_its_generation(
        three: Compute, monkeypatch: pytest.MonkeyPatch) -> None:
    """Placement's consumer generation: a server that already holds something when it is
    claimed (another scheduler got the same message) refuses the claim made for a new
    consumer; the server is claimed again against the generation it has."""
    placement = three.clients.placement
    claim_new, replace = placement.claim_new, placement.replace_allocations
    seen: list[int | None] = []

    def claimed_meanwhile(claims: dict[str, dict[str, Any]]) -> None:
        for consumer, claim in claims.items():
            placement.claim(consumer, {"elsewhere": {"resources": {"VCPU": 1}}},
                            claim["project_id"], claim["user_id"])
        claim_new(claims)

    def watched(consumer: str, allocations: dict[str, Any], project: str, user: str,
                generation: int | None) -> None:
        seen.append(generation)
        replace(consumer, allocations, project, user, generation)

    monkeypatch.setattr(placement, "claim_new", claimed_meanwhile)
    monkeypatch.setattr(placement, "replace_allocations", watched)
    server = three.boot()
    assert seen == [None, 1]    # as a new consumer: refused; then at its generation
    held = placement.allocations[server["id"]]
    provider = placement.find_provider(_host(three, server["id"]))
    assert provider is not None and list(held) == [provider["uuid"]]


def test_no_hosts_at_all(make_compute: Callable[..., Compute]) -> None:
    compute = make_compute()
    compute.cloud.registry.set_disabled("nova-compute", "node", True)
    server = compute.boot(wait="ERROR")
    assert "ComputeFilter removed 1 of 1 hosts: compute service disabled" \
        in _details(compute, server["id"])
