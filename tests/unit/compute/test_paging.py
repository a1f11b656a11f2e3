"""Every paged compute list pages in SQL: 2,000 rows, walked 100 at a time, each query returning
at most a page and one more row; and the lists keep Nova's paging rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.compute.db.models import (
    DeletedInstance,
    Flavor,
    Instance,
    InstanceAction,
    KeyPair,
    Migration,
)
from nimbus.core.db.models import ServiceRecord
from tests.support.paging import counting_rows, walk
from tests.support.personas import project_of, token_for, user_of

# Every route that declares both ``limit`` and ``marker``.
PAGED = {
    ("GET", "/v2.1/servers"),
    ("GET", "/v2.1/servers/detail"),
    ("GET", "/v2.1/flavors"),
    ("GET", "/v2.1/flavors/detail"),
    ("GET", "/v2.1/os-keypairs"),
    ("GET", "/v2.1/servers/{server_id}/os-instance-actions"),
    ("GET", "/v2.1/os-hypervisors"),
    ("GET", "/v2.1/os-hypervisors/detail"),
    ("GET", "/v2.1/os-simple-tenant-usage"),
    ("GET", "/v2.1/os-simple-tenant-usage/{tenant_id}"),
    ("GET", "/v2.1/os-migrations"),
}
# Lists only administrators read.
ADMIN_ONLY = {"/v2.1/os-hypervisors", "/v2.1/os-hypervisors/detail",
              "/v2.1/os-simple-tenant-usage", "/v2.1/os-migrations"}
ROWS = 2000
LIMIT = 100
MV = {"OpenStack-API-Version": "compute 2.96"}
BASE = dt.datetime(2024, 1, 1)
SERVER = "5e4e0000-0000-4000-8000-000000000001"


def _when(i: int) -> dt.datetime:
    # Seven rows share each second, so the order also rests on the key that breaks ties.
    return BASE + dt.timedelta(seconds=i // 7)


def _uuid(i: int) -> str:
    # Not in creation order, so that an order by uuid would show.
    return f"{(i * 7919) % 10007:08x}-0000-4000-8000-{i:012d}"


def _instance(i: int, project: str, **extra: Any) -> Instance:
    values: dict[str, Any] = {
        "uuid": _uuid(i), "name": f"vm{i}", "project_id": project, "user_id": user_of("member"),
        "flavor_id": "42", "flavor": {"id": "42", "name": "m1.nano", "ram": 64, "vcpus": 1,
                                      "disk": 0},
        "vm_state": "active", "power_state": 1, "created_at": _when(i), "updated_at": _when(i),
        **extra}
    return Instance(**values)


def _servers(s: Any) -> list[str]:
    rows = [_instance(i, project_of("member")) for i in range(ROWS)]
    s.add_all(rows)
    s.flush()
    # Newest first, then by id, both descending (Nova's default).
    return [r.uuid for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _flavors(s: Any) -> list[str]:
    rows = [Flavor(flavorid=f"f{(i * 7919) % 10007:05d}", name=f"flavor-{i}", memory_mb=64,
                   vcpus=1, root_gb=0, created_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    s.flush()
    # By flavor id (the bootstrapped defaults among them).
    return sorted(flavorid for (flavorid,) in s.query(Flavor.flavorid))


def _keypairs(s: Any) -> list[str]:
    names = [f"key-{(i * 7919) % 10007:05d}" for i in range(ROWS)]
    s.add_all([KeyPair(user_id=user_of("member"), name=name, fingerprint="fp",
                       public_key="ssh-ed25519 AAAA", created_at=_when(i))
               for i, name in enumerate(names)])
    return sorted(names)


def _actions(s: Any) -> list[str]:
    s.add(_instance(ROWS, project_of("member"), uuid=SERVER))
    rows = [InstanceAction(instance_uuid=SERVER, action="reboot",
                           request_id=f"req-{(i * 7919) % 10007:05d}", start_time=_when(i),
                           updated_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    s.flush()
    return [r.request_id for r in sorted(rows, key=lambda r: (r.start_time, r.id),
                                         reverse=True)]


# route -> (what it lists, how to set it up, the item key that names a row)
SETUP: dict[str, tuple[str, Callable[[Any], list[str]], str]] = {
    "/v2.1/servers": ("servers", _servers, "id"),
    "/v2.1/servers/detail": ("servers", _servers, "id"),
    "/v2.1/flavors": ("flavors", _flavors, "id"),
    "/v2.1/flavors/detail": ("flavors", _flavors, "id"),
    "/v2.1/os-keypairs": ("keypairs", _keypairs, "name"),
    "/v2.1/servers/{server_id}/os-instance-actions": ("instanceActions", _actions,
                                                       "request_id"),
}


def _next_link(body: dict[str, Any], collection: str) -> str | None:
    """Nova's ``<collection>_links``, or (instance actions) ``links``."""
    for link in body.get(f"{collection}_links") or body.get("links") or []:
        if link.get("rel") == "next":
            href: str = link["href"]
            return href[href.index("/compute/"):]
    return None


def _name_of(item: dict[str, Any], key: str) -> str:
    return str(item["keypair"][key] if "keypair" in item else item[key])


def _hypervisors(s: Any) -> list[str]:
    hosts = [f"host-{(i * 7919) % 10007:05d}" for i in range(ROWS)]
    s.add_all([ServiceRecord(binary="nova-compute", host=host, topic="compute",
                             created_at=_when(i), updated_at=_when(i))
               for i, host in enumerate(hosts)])
    # By id: the order they registered in.
    return hosts


def _migrations(s: Any) -> list[str]:
    rows = [Migration(uuid=_uuid(i), instance_uuid=SERVER, migration_type="resize",
                      status="confirmed", created_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    s.flush()
    # Newest first, then by id.
    return [r.uuid for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


SETUP["/v2.1/os-migrations"] = ("migrations", _migrations, "uuid")
SETUP["/v2.1/os-hypervisors"] = ("hypervisors", _hypervisors, "hypervisor_hostname")
SETUP["/v2.1/os-hypervisors/detail"] = ("hypervisors", _hypervisors, "hypervisor_hostname")


@pytest.mark.parametrize(("method", "path"), sorted(p for p in PAGED if p[1] in SETUP))
def test_list_pages_in_sql(make_cloud: Callable[..., Any], method: str, path: str) -> None:
    cloud, api = make_cloud(["compute"], prefix="/compute", bootstrap=True)
    collection, setup, key = SETUP[path]
    with cloud.db.writer() as s:
        expected = setup(s)
    persona = "admin" if path in ADMIN_ONLY else "member"
    headers = {"X-Auth-Token": token_for(persona), **MV}

    def get(url: str) -> Any:
        return api.client.get(url, headers=headers)

    full = "/compute" + path.replace("{server_id}", SERVER)
    with counting_rows(cloud.db.engine) as counter:
        items = walk(get, f"{full}?limit={LIMIT}", collection, next_of=_next_link)
    assert [_name_of(item, key) for item in items] == expected
    assert counter.largest <= LIMIT + 1, counter.worst()


@pytest.mark.parametrize("path", ["/v2.1/os-simple-tenant-usage",
                                  "/v2.1/os-simple-tenant-usage/{tenant_id}"])
def test_usage_pages_in_sql(make_cloud: Callable[..., Any], path: str) -> None:
    """Usage pages by server (live and deleted ones alike), by project and then uuid; each page
    sums up its own servers."""
    cloud, api = make_cloud(["compute"], prefix="/compute", bootstrap=True)
    project = project_of("member")
    with cloud.db.writer() as s:
        for i in range(ROWS):
            if i % 4:
                s.add(_instance(i, project, launched_at=BASE))
            else:
                s.add(DeletedInstance(uuid=_uuid(i), name=f"vm{i}", project_id=project,
                                      user_id="u", flavor={"vcpus": 1}, vm_state="active",
                                      launched_at=BASE, terminated_at=_when(ROWS)))
    expected = sorted(_uuid(i) for i in range(ROWS))
    persona = "admin" if path in ADMIN_ONLY else "member"
    headers = {"X-Auth-Token": token_for(persona), **MV}
    url: str | None = ("/compute" + path.replace("{tenant_id}", project)
                       + f"?start=2023-12-01T00:00:00&detailed=1&limit={LIMIT}")
    seen: list[str] = []
    with counting_rows(cloud.db.engine) as counter:
        while url is not None:
            body = api.client.get(url, headers=headers).json()
            # A full last page still links to the next one, which is empty.
            tenants = body["tenant_usages"] if "tenant_usages" in body else [body["tenant_usage"]]
            seen += [u["instance_id"] for t in tenants for u in t.get("server_usages", [])]
            links = body.get("tenant_usages_links") or body.get("tenant_usage_links") or []
            url = next((link["href"][link["href"].index("/compute/"):] for link in links
                        if link["rel"] == "next"), None)
    assert seen == expected
    assert counter.largest <= LIMIT + 1, counter.worst()
