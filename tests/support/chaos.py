"""Work in flight, a crash, and the checks that nothing the cloud acknowledged was forgotten.

``Load`` starts servers, volumes and image imports from several client threads without waiting
for them, and remembers every create the cloud acknowledged. ``settle`` waits until every one of
them is final (ACTIVE/available/active, or ERROR/error with a fault, or a failed import), and
``check_books`` compares what Placement, Neutron and the resources say.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

MV = {"OpenStack-API-Version": "compute 2.60"}
FINAL_SERVER = {"ACTIVE", "ERROR"}
FINAL_VOLUME = {"available", "error"}


def session(state_dir: Path, url: str) -> ks_session.Session:
    secrets = yaml.safe_load((state_dir / "secrets.yaml").read_text())
    auth = v3.Password(auth_url=f"{url}/identity/v3", username="admin",
                       password=secrets["admin_password"], project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth)


def call(sess: ks_session.Session, method: str, url: str, **kw: Any) -> Any:
    """A request that may meet a cloud being restarted: connection failures are retried."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return sess.request(url, method, raise_exc=False, **kw)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@dataclass
class Load:
    """What the cloud acknowledged, by kind: server, volume and image ids."""

    base: str
    sess: ks_session.Session
    servers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _server(self, index: int, image: str, flavor: str, network: str) -> None:
        body = {"server": {"name": f"chaos-{index}", "imageRef": image, "flavorRef": flavor,
                           "networks": [{"uuid": network}]}}
        resp = call(self.sess, "POST", f"{self.base}/compute/v2.1/servers", json=body,
                    headers=MV)
        if resp.status_code == 202:
            with self.lock:
                self.servers.append(resp.json()["server"]["id"])

    def _volume(self, index: int) -> None:
        resp = call(self.sess, "POST", f"{self.base}/volume/v3/volumes",
                    json={"volume": {"size": 1, "name": f"chaos-{index}"}})
        if resp.status_code == 202:
            with self.lock:
                self.volumes.append(resp.json()["volume"]["id"])

    def _import(self, index: int) -> None:
        made = call(self.sess, "POST", f"{self.base}/image/v2/images",
                    json={"name": f"chaos-import-{index}", "disk_format": "raw",
                          "container_format": "bare"})
        image_id = made.json()["id"]
        staged = call(self.sess, "PUT", f"{self.base}/image/v2/images/{image_id}/stage",
                      data=b"\0" * 65536,
                      headers={"Content-Type": "application/octet-stream"})
        assert staged.status_code == 204, staged.text
        resp = call(self.sess, "POST", f"{self.base}/image/v2/images/{image_id}/import",
                    json={"method": {"name": "glance-direct"}})
        if resp.status_code == 202:
            with self.lock:
                self.images.append(image_id)

    def start(self, servers: int, volumes: int, imports: int, image: str, flavor: str,
              network: str, clients: int = 8) -> None:
        jobs: list[Callable[[], None]] = []
        jobs += [lambda i=i: self._server(i, image, flavor, network) for i in range(servers)]
        jobs += [lambda i=i: self._volume(i) for i in range(volumes)]
        jobs += [lambda i=i: self._import(i) for i in range(imports)]
        with ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()


def settle(load: Load, timeout: float = 60) -> dict[str, dict[str, Any]]:
    """Wait until every acknowledged resource is final; its last view by id (or fail)."""
    deadline = time.monotonic() + timeout
    seen: dict[str, dict[str, Any]] = {}
    while True:
        pending = []
        for sid in load.servers:
            body = call(load.sess, "GET", f"{load.base}/compute/v2.1/servers/{sid}",
                        headers=MV).json()["server"]
            seen[sid] = body
            if body["status"] not in FINAL_SERVER or body.get("OS-EXT-STS:task_state"):
                pending.append(f"server {sid} {body['status']}/{body.get('OS-EXT-STS:task_state')}")
        for vid in load.volumes:
            body = call(load.sess, "GET", f"{load.base}/volume/v3/volumes/{vid}").json()["volume"]
            seen[vid] = body
            if body["status"] not in FINAL_VOLUME:
                pending.append(f"volume {vid} {body['status']}")
        for iid in load.images:
            body = call(load.sess, "GET", f"{load.base}/image/v2/images/{iid}").json()
            seen[iid] = body
            if body["status"] not in ("active", "queued"):
                pending.append(f"image {iid} {body['status']}")
        if not pending:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"not final within {timeout}s: {pending}")
        time.sleep(0.5)


def check_books(load: Load, seen: dict[str, dict[str, Any]]) -> None:
    """What failed says why, what Placement holds is what the servers use, and no port is left
    to a server that is gone."""
    flavors = {f["id"]: f for f in call(load.sess, "GET",
                                       f"{load.base}/compute/v2.1/flavors/detail").json()["flavors"]}
    for sid in load.servers:
        server = seen[sid]
        if server["status"] == "ERROR":
            assert server.get("fault", {}).get("message"), f"server {sid} failed without a fault"
    for vid in load.volumes:
        assert seen[vid]["status"] in FINAL_VOLUME
    existing = {s["id"]: s for s in call(
        load.sess, "GET", f"{load.base}/compute/v2.1/servers/detail?all_tenants=1",
        headers=MV).json()["servers"]}
    # Each server holds what its flavor asks for, or (failed before it got a host) nothing.
    held = {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}
    for sid, server in existing.items():
        got = call(load.sess, "GET", f"{load.base}/placement/allocations/{sid}",
                   headers={"OpenStack-API-Version": "placement 1.28"}).json()["allocations"]
        resources: dict[str, int] = {}
        for provider in got.values():
            for name, amount in provider["resources"].items():
                resources[name] = resources.get(name, 0) + amount
        flavor = flavors[server["flavor"]["id"]] if "id" in server["flavor"] else None
        if server["status"] == "ACTIVE" and flavor is not None:
            assert resources == {"VCPU": flavor["vcpus"], "MEMORY_MB": flavor["ram"],
                                 "DISK_GB": flavor["disk"]}, (sid, resources)
        for name, amount in resources.items():
            held[name] += amount
    used = {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}
    providers = call(load.sess, "GET", f"{load.base}/placement/resource_providers").json()
    for provider in providers["resource_providers"]:
        usages = call(load.sess, "GET", f"{load.base}/placement/resource_providers/"
                      f"{provider['uuid']}/usages").json()["usages"]
        for name, amount in usages.items():
            used[name] = used.get(name, 0) + amount
    # Classes nothing uses (the NICs' bandwidth when no port asks for any) count for nothing.
    used = {name: amount for name, amount in used.items() if amount or name in held}
    assert used == held, f"placement holds {used}, the servers {held}"
    ports = call(load.sess, "GET", f"{load.base}/network/v2.0/ports").json()["ports"]
    orphans = [p["id"] for p in ports if p["device_owner"].startswith("compute:")
               and p["device_id"] not in existing]
    assert orphans == [], f"ports of servers that do not exist: {orphans}"


def delete_everything(load: Load, timeout: float = 60) -> None:
    """Every resource of the run can be deleted by its owner, and goes."""
    for sid in load.servers:
        resp = call(load.sess, "DELETE", f"{load.base}/compute/v2.1/servers/{sid}")
        assert resp.status_code in (204, 404), resp.text
    for vid in load.volumes:
        resp = call(load.sess, "DELETE", f"{load.base}/volume/v3/volumes/{vid}")
        assert resp.status_code in (202, 404), resp.text
    for iid in load.images:
        resp = call(load.sess, "DELETE", f"{load.base}/image/v2/images/{iid}")
        assert resp.status_code in (204, 404), resp.text
    deadline = time.monotonic() + timeout
    for kind, ids, path in (("server", load.servers, "compute/v2.1/servers"),
                            ("volume", load.volumes, "volume/v3/volumes")):
        for rid in ids:
            while call(load.sess, "GET", f"{load.base}/{path}/{rid}").status_code != 404:
                assert time.monotonic() < deadline, f"{kind} {rid} was never deleted"
                time.sleep(0.3)
