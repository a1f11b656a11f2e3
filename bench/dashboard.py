#!/usr/bin/env python3
"""bench/dashboard: server time of the dashboard's pages with many instances in the project.

    .venv/bin/python bench/dashboard.py [--instances 1000] [--requests 40] [--dir D]

Starts the whole cloud (``nimbus up``, fake compute driver, a host per fifty servers), raises
the demo project's quota, makes ``--instances`` servers in it through the compute API (in
batches, as ``--min/--max`` does), signs in to the dashboard as the demo user and times
``--requests`` GETs of each of the instances, volumes, networks, overview, topology and launch
pages, printing p50 and p95 (the goal: under 200 ms at p95).

Beside each page, the same figures for the API calls that page makes, called directly with the
same token: what the page costs on top of the services it reads. (Horizon itself, the honest
peer, needs a Django deployment this machine does not have; its pages make the same calls and
more.)
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openstack  # noqa: E402
import yaml  # noqa: E402

from tests.support.cloud_process import CloudProcess  # noqa: E402

PAGES = {
    "instances": ("/dashboard/project/instances/",
                  [("compute", "/servers/detail?limit=21")]),
    "volumes": ("/dashboard/project/volumes/", [("volumev3", "/volumes/detail?limit=21")]),
    "networks": ("/dashboard/project/networks/", [("network", "/v2.0/networks?limit=21")]),
    "overview": ("/dashboard/project/", [("compute", "/limits"), ("volumev3", "/limits")]),
    # One page of servers is drawn; the first five reads are made side by side, then the ports
    # of what is drawn (here timed one after another, so the sum is an upper bound).
    "topology": ("/dashboard/project/network_topology/svg/",
                 [("network", "/v2.0/networks"), ("network", "/v2.0/subnets?fields=id&fields=cidr"),
                  ("network", "/v2.0/routers"), ("compute", "/servers?limit=40"),
                  ("compute", "/limits")]),
    "launch": ("/dashboard/project/instances/launch/",
               [("image", "/v2/images?status=active&limit=200"),
                ("compute", "/flavors/detail"), ("network", "/v2.0/networks")]),
}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def timed(call: Callable[[], Any], count: int) -> list[float]:
    call()  # warm: the first request pays for caches filling
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def make_servers(conn: Any, count: int) -> None:
    image = next(conn.image.images()).id
    flavor = conn.compute.find_flavor("m1.nano").id
    # The default private subnet (a /24) has room for about 250 ports: a /20 of its own.
    network = conn.network.create_network(name="bench").id
    conn.network.create_subnet(network_id=network, cidr="10.64.0.0/20", ip_version=4,
                               name="bench")
    made = 0
    while made < count:
        batch = min(100, count - made)
        conn.compute.post("/servers", json={"server": {
            "name": f"bench-{made}", "imageRef": image, "flavorRef": flavor,
            "networks": [{"uuid": network}], "min_count": batch, "max_count": batch}})
        made += batch
    deadline = time.monotonic() + 1800
    while True:
        states = [s.status for s in conn.compute.servers()]
        if "ERROR" in states:
            raise SystemExit(f"{states.count('ERROR')} servers went to ERROR")
        if states.count("ACTIVE") >= count:
            return
        if time.monotonic() > deadline:
            raise SystemExit("the servers did not all become ACTIVE")
        time.sleep(5)


def sign_in(base: str, password: str) -> Any:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/dashboard/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    form = {"username": "demo", "password": password, "domain": "Default",
            "region": "RegionOne", "csrfmiddlewaretoken": token.group(1)}
    opener.open(f"{base}/dashboard/auth/login/", urllib.parse.urlencode(form).encode(),
                timeout=60).read()
    return opener


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nimbus-bench-dashboard-", dir=args.dir))
    # A fake host has room for about sixty small servers (its CPU allocation ratio), as a real
    # one of its size would: enough hosts for them all.
    hosts = args.instances // 50 + 1
    cloud = CloudProcess(work / "state", extra=["--compute-hosts", str(hosts)]).start()
    try:
        secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
        admin = openstack.connect(auth_url=f"{cloud.url}/identity/v3", username="admin",
                                  password=secrets["admin_password"], project_name="admin",
                                  user_domain_id="default", project_domain_id="default")
        demo_project = admin.identity.find_project("demo").id
        room = args.instances + 10
        admin.compute.put(f"/os-quota-sets/{demo_project}", json={"quota_set": {
            "instances": room, "cores": room, "ram": room * 128}})
        admin.network.update_quota(demo_project, ports=room * 2)
        demo = openstack.connect(auth_url=f"{cloud.url}/identity/v3", username="demo",
                                 password=secrets["demo_password"], project_name="demo",
                                 user_domain_id="default", project_domain_id="default")
        started = time.monotonic()
        make_servers(demo, args.instances)
        print(f"{args.instances} instances ACTIVE in {time.monotonic() - started:.0f}s")
        browser = sign_in(cloud.url, secrets["demo_password"])
        token = demo.session.get_token()
        print(f"{'page':10} {'dashboard p50':>14} {'p95':>8}   {'its API calls p50':>18} "
              f"{'p95':>8}  (ms, {args.requests} requests)")
        for name, (path, calls) in PAGES.items():
            page = timed(lambda p=path: browser.open(f"{cloud.url}{p}", timeout=60).read(),
                         args.requests)

            def direct(calls: list[tuple[str, str]] = calls) -> None:
                for service, api_path in calls:
                    url = demo.session.get_endpoint(service_type=service, interface="public")
                    request = urllib.request.Request(f"{url}{api_path}",
                                                     headers={"X-Auth-Token": token})
                    urllib.request.urlopen(request, timeout=60).read()
            api = timed(direct, args.requests)
            p50, p95 = percentiles(page)
            a50, a95 = percentiles(api)
            print(f"{name:10} {p50:14.1f} {p95:8.1f}   {a50:18.1f} {a95:8.1f}")
    finally:
        cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
