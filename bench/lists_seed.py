"""Seeding for bench/lists.py: many rows that look as the API would have written them.

Making 10,000 servers or 100,000 objects through the API takes far longer than the lists it
is meant to time, so one of each resource is made through the API (``make_templates``, the
cloud running) and then copied in bulk into the cloud's database through each service's own
models (``copy_templates``, the cloud stopped): every column keeps what the API wrote, and only
what must differ between rows (ids, names, addresses, times, a share of states) is changed.
The rows the API wrote beside each template (a server's actions, fake guest and allocations; a
network's segment and subnet; a port's fixed IP) are copied with it.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Table, create_engine, func, insert, select, update
from sqlalchemy.engine import Connection

from nimbus.compute.db.models import FakeGuest, Instance, InstanceAction, InstanceActionEvent
from nimbus.network.db.models import IPAllocation, Network, Port, Segment, Subnet
from nimbus.object.db.models import Container, Object
from nimbus.object.db.objects import name_hash
from nimbus.placement.db.models import Allocation, Consumer
from nimbus.volume.db.models import Volume

# Every hundredth server and volume fails, so that a status filter selects a few of many.
FAILED_EVERY = 100
PORTS_PER_NETWORK = 5
# Objects are named ``dir<k>/obj<n>``, this many to a pseudo-directory.
OBJECTS_PER_DIR = 1000


@dataclass
class Sizes:
    servers: int
    networks: int
    volumes: int
    objects: int

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        def of(full: int) -> int:
            return max(10, int(full * scale))
        return cls(servers=of(10_000), networks=of(1_000), volumes=of(10_000),
                   objects=of(100_000))

    @property
    def ports(self) -> int:
        return self.networks * PORTS_PER_NETWORK


@dataclass
class Templates:
    """What the API made: the rows every copy starts from."""

    project_id: str
    server: str
    network: str
    port: str
    volume: str
    account: str
    container: str


def _wait(client: httpx.Client, path: str, key: str, field: str, wanted: str,
          timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = client.get(path).json()[key][field]
        if found == wanted:
            return
        if found in ("ERROR", "error"):
            raise SystemExit(f"{path} went to {found}")
        time.sleep(0.2)
    raise SystemExit(f"{path} did not become {wanted}")


def make_templates(client: httpx.Client, project_id: str) -> Templates:
    """One server, network (with its subnet), port, volume and object, through the API."""
    compute, network = "/compute/v2.1", "/network/v2.0"
    flavor = client.get(f"{compute}/flavors").json()["flavors"][0]["id"]
    image = client.get("/image/v2/images").json()["images"][0]["id"]
    # No network: the ports are seeded on their own networks below.
    server = client.post(f"{compute}/servers", headers={"OpenStack-API-Version": "compute 2.37"},
                         json={"server": {"name": "template", "imageRef": image,
                                          "flavorRef": flavor, "networks": "none"}})
    server.raise_for_status()
    server_id = server.json()["server"]["id"]
    _wait(client, f"{compute}/servers/{server_id}", "server", "status", "ACTIVE")
    net = client.post(f"{network}/networks", json={"network": {"name": "template"}})
    net.raise_for_status()
    net_id = net.json()["network"]["id"]
    client.post(f"{network}/subnets", json={"subnet": {
        "network_id": net_id, "cidr": "10.99.0.0/24", "ip_version": 4}}).raise_for_status()
    port = client.post(f"{network}/ports", json={"port": {
        "network_id": net_id, "name": "template", "device_id": server_id,
        "device_owner": "compute:nova"}})
    port.raise_for_status()
    volumes = f"/volume/v3/{project_id}/volumes"
    volume = client.post(volumes, json={"volume": {"size": 1, "name": "template"}})
    volume.raise_for_status()
    volume_id = volume.json()["volume"]["id"]
    _wait(client, f"{volumes}/{volume_id}", "volume", "status", "available")
    account = f"AUTH_{project_id}"
    client.put(f"/object/v1/{account}/bench").raise_for_status()
    client.put(f"/object/v1/{account}/bench/template", content=b"x" * 64).raise_for_status()
    return Templates(project_id=project_id, server=server_id, network=net_id,
                     port=port.json()["port"]["id"], volume=volume_id, account=account,
                     container="bench")


def _one(conn: Connection, table: Table, **where: Any) -> dict[str, Any]:
    stmt = select(table).where(*(table.c[k] == v for k, v in where.items()))
    return dict(conn.execute(stmt).one()._mapping)


def _all(conn: Connection, table: Table, **where: Any) -> list[dict[str, Any]]:
    stmt = select(table).where(*(table.c[k] == v for k, v in where.items()))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _next_id(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def _insert(conn: Connection, table: Table, rows: Iterable[dict[str, Any]],
            batch: int = 5000) -> None:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            conn.execute(insert(table), chunk)
            chunk = []
    if chunk:
        conn.execute(insert(table), chunk)


def _stamps(count: int, now: dt.datetime) -> list[dt.datetime]:
    """One time a second, oldest first, the newest a minute before ``now``."""
    start = now - dt.timedelta(seconds=count + 60)
    return [start + dt.timedelta(seconds=i) for i in range(count)]


def copy_servers(conn: Connection, t: Templates, count: int, now: dt.datetime) -> list[str]:
    instances, guests = Instance.__table__, FakeGuest.__table__
    actions, events = InstanceAction.__table__, InstanceActionEvent.__table__
    consumers, allocations = Consumer.__table__, Allocation.__table__
    server = _one(conn, instances, uuid=t.server)
    guest = _one(conn, guests, instance_uuid=t.server)
    action = _one(conn, actions, instance_uuid=t.server)
    action_events = _all(conn, events, action_id=action["id"])
    consumer = _one(conn, consumers, uuid=t.server)
    allocated = _all(conn, allocations, consumer_id=t.server)
    for row in (server, guest, consumer, *allocated, *action_events):
        row.pop("id")
    uuids = [str(uuid.uuid4()) for _ in range(count)]
    stamps = _stamps(count, now)

    def server_row(i: int) -> dict[str, Any]:
        name = f"bench-server-{i:05d}"
        row = {**server, "uuid": uuids[i], "name": name, "hostname": name,
               "description": name, "reservation_id": f"r-bench{i:05d}",
               "created_at": stamps[i], "updated_at": stamps[i], "launched_at": stamps[i]}
        if i % FAILED_EVERY == FAILED_EVERY - 1:
            row.update(vm_state="error", power_state=0, launched_at=None, fault={
                "code": 500, "message": "No valid host was found.",
                "created": stamps[i].strftime("%Y-%m-%dT%H:%M:%SZ")})
        return row

    _insert(conn, instances, (server_row(i) for i in range(count)))
    first_guest = _next_id(conn, guests)
    _insert(conn, guests, ({**guest, "instance_uuid": u, "name": f"instance-{first_guest + i:08x}"}
                           for i, u in enumerate(uuids)))
    first_action = _next_id(conn, actions)
    _insert(conn, actions, ({**action, "id": first_action + i, "instance_uuid": u,
                             "request_id": f"req-{uuid.uuid4()}", "start_time": stamps[i],
                             "updated_at": stamps[i]} for i, u in enumerate(uuids)))
    _insert(conn, events, ({**e, "action_id": first_action + i, "start_time": stamps[i],
                            "finish_time": stamps[i]}
                           for i in range(count) for e in action_events))
    _insert(conn, consumers, ({**consumer, "uuid": u} for u in uuids))
    _insert(conn, allocations, ({**a, "consumer_id": u} for u in uuids for a in allocated))
    return uuids


def copy_networks(conn: Connection, t: Templates, count: int, servers: list[str],
                  now: dt.datetime) -> None:
    """``count`` networks, each with a /24 subnet and ``PORTS_PER_NETWORK`` ports whose
    devices are seeded servers."""
    networks, segments, subnets = Network.__table__, Segment.__table__, Subnet.__table__
    ports, fixed_ips = Port.__table__, IPAllocation.__table__
    network = _one(conn, networks, id=t.network)
    segment = _one(conn, segments, network_id=t.network)
    subnet = _one(conn, subnets, network_id=t.network)
    port = _one(conn, ports, id=t.port)
    fixed_ip = _one(conn, fixed_ips, port_id=t.port)
    fixed_ip.pop("id")
    first_segment = int(conn.execute(select(func.max(segments.c.segmentation_id))).scalar()
                        or 0) + 1
    stamps = _stamps(count, now)
    net_ids = [str(uuid.uuid4()) for _ in range(count)]
    subnet_ids = [str(uuid.uuid4()) for _ in range(count)]

    def prefix(i: int) -> str:
        return f"10.{100 + i // 256}.{i % 256}"

    _insert(conn, networks, ({**network, "id": n, "name": f"bench-net-{i:04d}",
                              "segmentation_id": first_segment + i, "created_at": stamps[i],
                              "updated_at": stamps[i]} for i, n in enumerate(net_ids)))
    _insert(conn, segments, ({**segment, "id": str(uuid.uuid4()), "network_id": n,
                              "segmentation_id": first_segment + i, "created_at": stamps[i],
                              "updated_at": stamps[i]} for i, n in enumerate(net_ids)))
    _insert(conn, subnets, ({**subnet, "id": subnet_ids[i], "network_id": n,
                             "cidr": f"{prefix(i)}.0/24", "gateway_ip": f"{prefix(i)}.1",
                             "allocation_pools": [{"start": f"{prefix(i)}.2",
                                                   "end": f"{prefix(i)}.254"}],
                             "created_at": stamps[i], "updated_at": stamps[i]}
                            for i, n in enumerate(net_ids)))
    port_rows, ip_rows = [], []
    for i, net_id in enumerate(net_ids):
        for k in range(PORTS_PER_NETWORK):
            n = i * PORTS_PER_NETWORK + k
            port_id = str(uuid.uuid4())
            port_rows.append({**port, "id": port_id, "network_id": net_id,
                              "name": f"bench-port-{n:05d}",
                              "mac_address": f"fa:16:3e:{n >> 16 & 255:02x}:"
                                             f"{n >> 8 & 255:02x}:{n & 255:02x}",
                              "device_id": servers[n % len(servers)],
                              "created_at": stamps[i], "updated_at": stamps[i]})
            ip_rows.append({**fixed_ip, "port_id": port_id, "subnet_id": subnet_ids[i],
                            "network_id": net_id, "ip_address": f"{prefix(i)}.{10 + k}"})
    _insert(conn, ports, port_rows)
    _insert(conn, fixed_ips, ip_rows)


def copy_volumes(conn: Connection, t: Templates, count: int, now: dt.datetime) -> None:
    volumes = Volume.__table__
    volume = _one(conn, volumes, id=t.volume)
    stamps = _stamps(count, now)

    def row(i: int) -> dict[str, Any]:
        vid = str(uuid.uuid4())
        failed = i % FAILED_EVERY == FAILED_EVERY - 1
        return {**volume, "id": vid, "name": f"bench-vol-{i:05d}",
                "status": "error" if failed else volume["status"],
                "provider_location": None if failed else f"fake://volume-{vid}",
                "created_at": stamps[i], "updated_at": stamps[i],
                "launched_at": None if failed else stamps[i]}

    _insert(conn, volumes, (row(i) for i in range(count)))


def object_name(i: int) -> str:
    return f"dir{i // OBJECTS_PER_DIR:03d}/obj{i:06d}"


def copy_objects(conn: Connection, t: Templates, count: int) -> None:
    """``count`` index rows in the template's container, and its counts to match. (Only the
    index: listings never read an object's bytes.)"""
    objects, containers = Object.__table__, Container.__table__
    container = conn.execute(select(objects.c.container_id)
                             .where(objects.c.name == "template")).scalar_one()
    obj = _one(conn, objects, container_id=container, name="template")
    obj.pop("id")
    start = float(obj["data_ts"])

    def row(i: int) -> dict[str, Any]:
        stamp = f"{start + i / 1000:016.5f}"
        name = object_name(i)
        return {**obj, "name": name, "name_hash": name_hash(name), "data_ts": stamp,
                "meta_ts": stamp}

    _insert(conn, objects, (row(i) for i in range(count)))
    conn.execute(update(containers).where(containers.c.id == container).values(
        object_count=containers.c.object_count + count,
        bytes_used=containers.c.bytes_used + count * int(obj["size"])))


def copy_templates(db_url: str, t: Templates, sizes: Sizes) -> None:
    engine = create_engine(db_url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        with engine.begin() as conn:
            servers = copy_servers(conn, t, sizes.servers, now)
            copy_networks(conn, t, sizes.networks, servers, now)
            copy_volumes(conn, t, sizes.volumes, now)
            copy_objects(conn, t, sizes.objects)
    finally:
        engine.dispose()
