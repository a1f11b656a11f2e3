"""``os-hypervisors``: list, detail, show, statistics, uptime, search and servers, shaped per
microversion, with capacity and use from Placement."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nimbus.compute.drivers.fake import FakeDriver
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "os-hypervisors: list, detail, show, statistics, uptime, search, servers "
                      "per microversion (ids, 2.33 paging, 2.53 uuids, 2.88 fields)"),
          ("compute", "os-hypervisors: a real host's own cpu_info, with its accelerator "
                      "(KVM or TCG) and why")]


def _v(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def _ready(compute: Compute, hosts: int) -> None:
    placement = compute.clients.placement
    compute.wait_for(lambda: len(placement.providers) == hosts
                     and all(rp["inventories"] for rp in placement.providers.values()))


def test_list_and_detail_shapes(make_compute: Any) -> None:
    compute = make_compute(hosts=3)
    _ready(compute, 3)
    server = compute.boot()
    admin = compute.as_("admin")
    old = admin.get("/v2.1/os-hypervisors", headers=_v("2.1")).json()["hypervisors"]
    assert [h["hypervisor_hostname"] for h in old] == ["node-1", "node-2", "node-3"]
    assert all(isinstance(h["id"], int) for h in old)
    assert set(old[0]) == {"id", "hypervisor_hostname", "state", "status"}

    detail = admin.get("/v2.1/os-hypervisors/detail", headers=_v("2.27")).json()["hypervisors"]
    first = detail[0]
    assert isinstance(first["cpu_info"], str) and json.loads(first["cpu_info"])["arch"]
    assert first["hypervisor_type"] == "fake" and first["service"]["host"] == "node-1"
    assert first["vcpus"] == 1000 and first["memory_mb"] == 800000
    assert first["free_ram_mb"] == first["memory_mb"] - first["memory_mb_used"]
    used = {h["hypervisor_hostname"]: h for h in detail}
    host = admin.get(f"/v2.1/servers/{server['id']}", headers=MV).json()["server"][
        "OS-EXT-SRV-ATTR:host"]
    assert used[host]["running_vms"] == 1 and used[host]["memory_mb_used"] == 64
    assert used[host]["vcpus_used"] == 1

    v228 = admin.get("/v2.1/os-hypervisors/detail", headers=_v("2.28")).json()["hypervisors"]
    assert isinstance(v228[0]["cpu_info"], dict)

    new = admin.get("/v2.1/os-hypervisors/detail", headers=_v("2.88")).json()["hypervisors"]
    assert "vcpus" not in new[0] and "cpu_info" not in new[0]
    assert new[0]["uptime"] is None or " up " in new[0]["uptime"]
    assert len(new[0]["id"]) == 36 and len(new[0]["service"]["id"]) == 36
    assert set(new[0]) == {"id", "hypervisor_hostname", "state", "status", "hypervisor_type",
                           "hypervisor_version", "host_ip", "service", "uptime"}


def test_show_search_servers_uptime(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    _ready(compute, 2)
    server = compute.boot()
    admin = compute.as_("admin")
    old = admin.get("/v2.1/os-hypervisors", headers=_v("2.52")).json()["hypervisors"]
    first = admin.get(f"/v2.1/os-hypervisors/{old[0]['id']}", headers=_v("2.52"))
    assert first.status_code == 200 and first.json()["hypervisor"]["vcpus"] == 1000
    assert admin.get("/v2.1/os-hypervisors/999999", headers=_v("2.52")).status_code == 404
    missing = admin.get("/v2.1/os-hypervisors/abc", headers=_v("2.52"))
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Hypervisor with ID 'abc' could not be found."

    found = admin.get("/v2.1/os-hypervisors/node/search", headers=_v("2.52")).json()
    assert len(found["hypervisors"]) == 2
    assert admin.get("/v2.1/os-hypervisors/zzz/search", headers=_v("2.52")).status_code == 404
    with_servers = admin.get("/v2.1/os-hypervisors/node/servers",
                             headers=_v("2.52")).json()["hypervisors"]
    listed = [s for h in with_servers for s in h.get("servers", [])]
    assert listed == [{"name": "vm", "uuid": server["id"]}]
    # Both routes are gone from 2.53, where list parameters replace them.
    assert admin.get("/v2.1/os-hypervisors/node/search", headers=MV).status_code == 404

    uptime = admin.get(f"/v2.1/os-hypervisors/{old[0]['id']}/uptime", headers=_v("2.52"))
    assert uptime.status_code == 200 and " up " in uptime.json()["hypervisor"]["uptime"]
    assert admin.get(f"/v2.1/os-hypervisors/{old[0]['id']}/uptime",
                     headers=_v("2.88")).status_code == 404

    new = admin.get("/v2.1/os-hypervisors", headers=_v("2.53")).json()["hypervisors"]
    one = admin.get(f"/v2.1/os-hypervisors/{new[0]['id']}?with_servers=true",
                    headers=_v("2.75")).json()["hypervisor"]
    assert "servers" in one
    assert admin.get("/v2.1/os-hypervisors/123", headers=_v("2.53")).status_code == 400
    matched = admin.get("/v2.1/os-hypervisors?hypervisor_hostname_pattern=node-2",
                        headers=_v("2.53")).json()["hypervisors"]
    assert [h["hypervisor_hostname"] for h in matched] == ["node-2"]
    assert admin.get("/v2.1/os-hypervisors?hypervisor_hostname_pattern=node&limit=1",
                     headers=_v("2.53")).status_code == 400
    all_servers = admin.get("/v2.1/os-hypervisors/detail?with_servers=1",
                            headers=MV).json()["hypervisors"]
    assert sorted(len(h["servers"]) for h in all_servers) == [0, 1]


def test_paging_from_233(make_compute: Any) -> None:
    compute = make_compute(hosts=3, workers=False)
    compute.cloud.start_workers({"compute-agent"})
    admin = compute.as_("admin")
    for version in ("2.33", "2.53"):
        page = admin.get("/v2.1/os-hypervisors?limit=2", headers=_v(version)).json()
        assert len(page["hypervisors"]) == 2
        marker = page["hypervisors"][-1]["id"]
        assert f"marker={marker}" in page["hypervisors_links"][0]["href"]
        rest = admin.get(f"/v2.1/os-hypervisors/detail?limit=2&marker={marker}",
                         headers=_v(version)).json()
        assert [h["hypervisor_hostname"] for h in rest["hypervisors"]] == ["node-3"]
        assert "hypervisors_links" not in rest
        assert admin.get("/v2.1/os-hypervisors?marker=nope",
                         headers=_v(version)).status_code == 400
    # Before 2.33 the parameters mean nothing.
    every = admin.get("/v2.1/os-hypervisors?limit=1", headers=_v("2.32")).json()
    assert len(every["hypervisors"]) == 3 and "hypervisors_links" not in every


def test_statistics_count_enabled_hosts(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    _ready(compute, 2)
    compute.boot()
    admin = compute.as_("admin")
    stats = admin.get("/v2.1/os-hypervisors/statistics", headers=_v("2.87")).json()[
        "hypervisor_statistics"]
    assert stats["count"] == 2 and stats["vcpus"] == 2000 and stats["running_vms"] == 1
    assert stats["vcpus_used"] == 1 and stats["free_ram_mb"] == 2 * 800000 - 64
    admin.put("/v2.1/os-services/disable", json={"host": "node-1", "binary": "nova-compute"},
              headers=_v("2.1"))
    stats = admin.get("/v2.1/os-hypervisors/statistics", headers=_v("2.1")).json()[
        "hypervisor_statistics"]
    assert stats["count"] == 1
    disabled = admin.get("/v2.1/os-hypervisors", headers=_v("2.1")).json()["hypervisors"]
    assert {h["hypervisor_hostname"]: h["status"] for h in disabled} == {
        "node-1": "disabled", "node-2": "enabled"}
    assert admin.get("/v2.1/os-hypervisors/statistics", headers=_v("2.88")).status_code == 404


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_see_hypervisors(compute: Compute, persona: str) -> None:
    api = compute.as_(persona)
    for path in ("/v2.1/os-hypervisors", "/v2.1/os-hypervisors/detail",
                 "/v2.1/os-hypervisors/statistics", "/v2.1/os-hypervisors/1",
                 "/v2.1/os-hypervisors/1/uptime", "/v2.1/os-hypervisors/node/search",
                 "/v2.1/os-hypervisors/node/servers"):
        assert api.get(path, headers=_v("2.52")).status_code == 403, path


def test_a_real_host_shows_its_own_cpu_and_accelerator(make_compute: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    said = {"arch": "x86_64", "model": "host", "vendor": "GenuineIntel",
            "topology": {"sockets": 1, "cores": 2, "threads": 1}, "features": ["vmx"],
            "accelerator": "tcg", "accelerator_reason": "/dev/kvm is missing"}
    monkeypatch.setattr(FakeDriver, "cpu_info", lambda self: dict(said))
    compute = make_compute()
    _ready(compute, 1)
    detail = compute.as_("admin").get("/v2.1/os-hypervisors/detail",
                                      headers=_v("2.28")).json()["hypervisors"]
    assert detail[0]["cpu_info"] == said
