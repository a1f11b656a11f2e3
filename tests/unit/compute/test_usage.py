"""``os-simple-tenant-usage`` (live and deleted servers over a period, paged from 2.40) and
``os-instance_usage_audit_log``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from nimbus.compute.db.models import DeletedInstance, Instance
from nimbus.compute.manager.usage import hours_in, last_month
from tests.support.personas import OTHER_PROJECT, PROJECT
from tests.unit.compute.conftest import MV, Compute

COVERS = [("compute", "os-simple-tenant-usage: list, show, detailed, 2.40 paging; deleted "
                      "servers counted"),
          ("compute", "os-instance_usage_audit_log: index, show by before-timestamp")]

V239 = {"OpenStack-API-Version": "compute 2.39"}
FLAVOR = {"id": "42", "name": "m1.nano", "ram": 64, "vcpus": 1, "disk": 2, "ephemeral": 1}
T0 = dt.datetime(2025, 3, 1)


def _uuid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def _seed(compute: Compute) -> None:
    """Four servers of PROJECT and one of OTHER_PROJECT, at fixed times around March 2025."""
    with compute.state.db.writer() as s:
        for i, (project, launched) in enumerate([(PROJECT, T0), (PROJECT, T0 + dt.timedelta(
                hours=10)), (OTHER_PROJECT, T0), (PROJECT, None)]):
            s.add(Instance(uuid=_uuid(i), name=f"vm{i}", project_id=project, user_id="u",
                           flavor_id="42", flavor=FLAVOR, vm_state="active", power_state=1,
                           launched_at=launched))
        # Deleted after 5 hours; and one deleted before the period begins.
        s.add(DeletedInstance(uuid=_uuid(10), name="gone", project_id=PROJECT, user_id="u",
                              flavor=FLAVOR, vm_state="active", launched_at=T0,
                              terminated_at=T0 + dt.timedelta(hours=5)))
        s.add(DeletedInstance(uuid=_uuid(11), name="old", project_id=PROJECT, user_id="u",
                              flavor=FLAVOR, vm_state="active",
                              launched_at=T0 - dt.timedelta(days=9),
                              terminated_at=T0 - dt.timedelta(days=8)))


PERIOD = "start=2025-03-01T00:00:00&end=2025-03-02T00:00:00"


def test_show_counts_live_and_deleted_servers(compute: Compute) -> None:
    _seed(compute)
    resp = compute.as_("member").get(f"/v2.1/os-simple-tenant-usage/{PROJECT}?{PERIOD}",
                                     headers=MV)
    assert resp.status_code == 200, resp.text
    usage = resp.json()["tenant_usage"]
    assert usage["start"] == "2025-03-01T00:00:00.000000"
    assert usage["stop"] == "2025-03-02T00:00:00.000000"
    servers = {s["name"]: s for s in usage["server_usages"]}
    # The one never launched and the one gone before the period are not counted.
    assert set(servers) == {"vm0", "vm1", "gone"}
    assert servers["vm0"]["hours"] == 24 and servers["vm1"]["hours"] == 14
    assert servers["gone"]["hours"] == 5 and servers["gone"]["state"] == "terminated"
    assert servers["gone"]["ended_at"] == "2025-03-01T05:00:00.000000"
    assert servers["vm0"]["state"] == "active" and servers["vm0"]["ended_at"] is None
    assert servers["vm0"]["local_gb"] == 3 and servers["vm0"]["flavor"] == "m1.nano"
    assert usage["total_hours"] == 43
    assert usage["total_vcpus_usage"] == 43 and usage["total_memory_mb_usage"] == 43 * 64
    assert usage["total_local_gb_usage"] == 43 * 3
    empty = compute.as_("member").get(
        f"/v2.1/os-simple-tenant-usage/{PROJECT}?start=2020-01-01T00:00:00"
        "&end=2020-01-02T00:00:00", headers=MV)
    assert empty.json() == {"tenant_usage": {}}


def test_list_every_project(compute: Compute) -> None:
    _seed(compute)
    usages = compute.as_("admin").get(f"/v2.1/os-simple-tenant-usage?{PERIOD}",
                                      headers=MV).json()["tenant_usages"]
    by_project = {u["tenant_id"]: u for u in usages}
    assert set(by_project) == {PROJECT, OTHER_PROJECT}
    assert "server_usages" not in by_project[PROJECT]
    assert by_project[OTHER_PROJECT]["total_hours"] == 24
    detailed = compute.as_("admin").get(f"/v2.1/os-simple-tenant-usage?{PERIOD}&detailed=1",
                                        headers=MV).json()["tenant_usages"]
    assert sum(len(u["server_usages"]) for u in detailed) == 4
    # Nova matches paths exactly: an empty project id (a trailing slash) is no report at all.
    resp = compute.as_("admin").get(f"/v2.1/os-simple-tenant-usage/?{PERIOD}", headers=MV)
    assert resp.status_code == 404 and "itemNotFound" in resp.json()


def test_paging_from_240(compute: Compute) -> None:
    _seed(compute)
    admin = compute.as_("admin")
    first = admin.get(f"/v2.1/os-simple-tenant-usage?{PERIOD}&detailed=1&limit=2",
                      headers=MV).json()
    got = [s["instance_id"] for u in first["tenant_usages"] for s in u["server_usages"]]
    assert len(got) == 2
    link = first["tenant_usages_links"][0]["href"]
    assert f"marker={got[-1]}" in link
    rest = admin.get(f"/v2.1/os-simple-tenant-usage?{PERIOD}&detailed=1&limit=2&"
                     f"marker={got[-1]}", headers=MV).json()
    more = [s["instance_id"] for u in rest["tenant_usages"] for s in u["server_usages"]]
    assert len(more) == 2 and not set(more) & set(got)
    assert admin.get(f"/v2.1/os-simple-tenant-usage?{PERIOD}&marker=nope",
                     headers=MV).status_code == 400
    # Before 2.40 there is no paging: every server, no links.
    old = admin.get(f"/v2.1/os-simple-tenant-usage?{PERIOD}&detailed=1&limit=1",
                    headers=V239).json()
    assert "tenant_usages_links" not in old
    assert sum(len(u["server_usages"]) for u in old["tenant_usages"]) == 4


def test_a_deleted_server_still_counts(compute: Compute) -> None:
    server = compute.boot()
    compute.as_("member").delete(f"/v2.1/servers/{server['id']}")
    compute.wait(server["id"], "GONE")
    usage = compute.as_("member").get(
        f"/v2.1/os-simple-tenant-usage/{PROJECT}?start=2020-01-01T00:00:00", headers=MV).json()
    gone = usage["tenant_usage"]["server_usages"]
    assert [(s["instance_id"], s["state"]) for s in gone] == [(server["id"], "terminated")]


@pytest.mark.parametrize("query", ["start=yesterday", "end=2025-13-01T00:00:00",
                                   "start=2025-03-02T00:00:00&end=2025-03-01T00:00:00"])
def test_bad_periods(compute: Compute, query: str) -> None:
    resp = compute.as_("admin").get(f"/v2.1/os-simple-tenant-usage?{query}", headers=MV)
    assert resp.status_code == 400


def test_who_reads_usage(compute: Compute) -> None:
    _seed(compute)
    for persona in ("member", "reader"):
        assert compute.as_(persona).get(f"/v2.1/os-simple-tenant-usage/{PROJECT}").status_code \
            == 200
        assert compute.as_(persona).get("/v2.1/os-simple-tenant-usage").status_code == 403
    assert compute.as_("other").get(f"/v2.1/os-simple-tenant-usage/{PROJECT}").status_code \
        == 403
    assert compute.as_("admin").get(f"/v2.1/os-simple-tenant-usage/{PROJECT}").status_code \
        == 200


def test_audit_log(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    admin = compute.as_("admin")
    logs = admin.get("/v2.1/os-instance_usage_audit_log").json()["instance_usage_audit_logs"]
    assert logs["num_hosts"] == 2 and logs["num_hosts_not_run"] == 2
    assert sorted(logs["hosts_not_run"]) == ["node-1", "node-2"]
    assert logs["overall_status"] == "0 of 2 hosts done. 0 errors." and logs["log"] == {}
    shown = admin.get("/v2.1/os-instance_usage_audit_log/2025-03-15 10:00:00").json()[
        "instance_usage_audit_log"]
    assert shown["period_beginning"] == "2025-02-01 00:00:00"
    assert shown["period_ending"] == "2025-03-01 00:00:00"
    assert admin.get("/v2.1/os-instance_usage_audit_log/2025-03-15 10:00:00.5").status_code == 200
    assert admin.get("/v2.1/os-instance_usage_audit_log/yesterday").status_code == 400
    assert admin.get("/v2.1/os-instance_usage_audit_log/0001-01-01 00:00:00").status_code == 400
    for persona in ("member", "reader", "other"):
        assert compute.as_(persona).get("/v2.1/os-instance_usage_audit_log").status_code == 403
        assert compute.as_(persona).get(
            "/v2.1/os-instance_usage_audit_log/2025-03-15 10:00:00").status_code == 403


def test_periods_and_hours() -> None:
    assert last_month(dt.datetime(2025, 1, 10)) == (dt.datetime(2024, 12, 1),
                                                    dt.datetime(2025, 1, 1))
    assert last_month(dt.datetime(2025, 3, 1)) == (dt.datetime(2025, 1, 1),
                                                   dt.datetime(2025, 2, 1))
    day = (T0, T0 + dt.timedelta(days=1))
    assert hours_in(None, None, *day) == 0
    assert hours_in(T0 + dt.timedelta(days=2), None, *day) == 0
    assert hours_in(T0 - dt.timedelta(days=1), T0 + dt.timedelta(hours=6), *day) == 6
