"""2.74: an admin names the host (or hypervisor) to build on; the scheduler still checks it."""

from __future__ import annotations

from typing import Any

from tests.unit.compute.conftest import IMAGE_ID, NETWORK_ID, Compute

COVERS = [("compute", "2.74 create with host or hypervisor_hostname: built there, 400 for an "
                      "unknown host, 403 for a member, 400 before 2.74")]


def _create(compute: Compute, persona: str, version: str, **extra: Any) -> Any:
    body = {"name": "vm", "imageRef": IMAGE_ID, "flavorRef": "42",
            "networks": [{"uuid": NETWORK_ID}], **extra}
    return compute.as_(persona).post("/v2.1/servers", json={"server": body},
                                     headers={"OpenStack-API-Version": f"compute {version}"})


def test_an_admin_builds_on_the_host_named(make_compute: Any) -> None:
    compute: Compute = make_compute(hosts=2)
    hosts = sorted(s["host"] for s in compute.as_("admin").get(
        "/v2.1/os-services", params={"binary": "nova-compute"}).json()["services"])
    for key in ("host", "hypervisor_hostname"):
        for host in hosts:
            resp = _create(compute, "admin", "2.74", **{key: host})
            assert resp.status_code == 202, resp.text
            shown = compute.wait(resp.json()["server"]["id"], "ACTIVE")
            assert shown["OS-EXT-SRV-ATTR:host"] == host
    unknown = _create(compute, "admin", "2.74", host="nowhere")
    assert unknown.status_code == 400 and "nowhere" in unknown.text
    assert _create(compute, "member", "2.74", host=hosts[0]).status_code == 403
    assert _create(compute, "admin", "2.73", host=hosts[0]).status_code == 400
