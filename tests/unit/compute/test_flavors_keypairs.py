"""Discovery, flavors and keypairs: shapes per microversion and the rules behind them."""

from __future__ import annotations

from typing import Any

from tests.unit.compute.conftest import MV

PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHY9Ns4Tt39AEz4eRrFBkUYBVKfXtGIWtmf6U9E6ClmF "
              "test@nimbus")


def test_discovery(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    root = compute.api.as_(None).get("/")
    assert root.status_code == 200
    legacy, version = root.json()["versions"]
    # v2.0 first, as Nova lists it (tempest and old clients look for it there).
    assert legacy["id"] == "v2.0" and legacy["status"] == "SUPPORTED"
    assert version["id"] == "v2.1" and version["version"] == "2.100"
    assert version["min_version"] == "2.1"
    doc = compute.api.as_(None).get("/v2.1").json()["version"]
    assert doc["status"] == "CURRENT" and doc["links"][0]["href"].endswith("/compute/v2.1/")
    too_new = compute.as_("member").get("/v2.1/servers",
                                        headers={"OpenStack-API-Version": "compute 2.200"})
    assert too_new.status_code == 406


def test_default_flavors_are_idempotent(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    compute.cloud.bootstrap()
    flavors = compute.as_("member").get("/v2.1/flavors/detail").json()["flavors"]
    by_name = {f["name"]: f for f in flavors}
    assert set(by_name) == {"m1.nano", "m1.micro", "m1.tiny", "m1.small", "m1.medium",
                            "m1.large"}
    assert by_name["m1.nano"]["id"] == "42" and by_name["m1.nano"]["ram"] == 64
    assert by_name["m1.tiny"]["disk"] == 1 and by_name["m1.tiny"]["swap"] == ""
    assert by_name["m1.small"]["OS-FLV-EXT-DATA:ephemeral"] == 0


def test_flavor_crud_and_extra_specs(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    admin = compute.as_("admin")
    body = {"flavor": {"name": "custom", "ram": 256, "vcpus": 2, "disk": 5, "id": "c1",
                       "description": "mine"}}
    resp = admin.post("/v2.1/flavors", json=body, headers=MV)
    assert resp.status_code == 200, resp.text
    flavor = resp.json()["flavor"]
    assert flavor["swap"] == 0 and flavor["description"] == "mine"
    assert flavor["extra_specs"] == {}
    assert admin.post("/v2.1/flavors", json=body, headers=MV).status_code == 409
    specs = admin.post("/v2.1/flavors/c1/os-extra_specs",
                       json={"extra_specs": {"hw:cpu_policy": "dedicated"}})
    assert specs.json() == {"extra_specs": {"hw:cpu_policy": "dedicated"}}
    assert compute.as_("member").get("/v2.1/flavors/c1/os-extra_specs/hw:cpu_policy").json() \
        == {"hw:cpu_policy": "dedicated"}
    assert admin.delete("/v2.1/flavors/c1/os-extra_specs/hw:cpu_policy").status_code == 200
    assert admin.delete("/v2.1/flavors/c1").status_code == 202
    missing = compute.as_("member").get("/v2.1/flavors/c1")
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Flavor c1 could not be found."


def test_flavor_bad_input(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    admin = compute.as_("admin")
    resp = admin.post("/v2.1/flavors", json={"flavor": {"name": "x", "ram": -1, "vcpus": 1,
                                                        "disk": 0}})
    assert resp.status_code == 400 and "ram" in resp.json()["badRequest"]["message"]
    resp = admin.post("/v2.1/flavors", json={"flavor": {"ram": 1, "vcpus": 1, "disk": 0}})
    assert resp.status_code == 400 and "name" in resp.json()["badRequest"]["message"]
    resp = admin.post("/v2.1/flavors", content=b"{not json",
                      headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and "badRequest" in resp.json()


def test_keypair_generate_import_list_show_delete(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    api = compute.as_("member")
    v22 = {"OpenStack-API-Version": "compute 2.2"}
    made = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "gen"}}, headers=v22)
    assert made.status_code == 201, made.text
    key = made.json()["keypair"]
    assert key["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert key["public_key"].startswith("ssh-rsa ") and key["type"] == "ssh"
    assert len(key["fingerprint"].split(":")) == 16
    # An x509 keypair is generated too: a certificate and its key, with a SHA-1 fingerprint.
    cert = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "win", "type": "x509"}},
                    headers=v22).json()["keypair"]
    assert cert["public_key"].startswith("-----BEGIN CERTIFICATE-----") and cert["type"] == "x509"
    assert cert["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert len(cert["fingerprint"].split(":")) == 20
    assert api.delete("/v2.1/os-keypairs/win", headers=MV).status_code == 204
    imported = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "mine",
                                                               "public_key": PUBLIC_KEY}},
                        headers=MV)
    assert imported.status_code == 201
    assert "private_key" not in imported.json()["keypair"]
    legacy = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "old"}})
    assert legacy.status_code == 200 and "type" not in legacy.json()["keypair"]
    listed = api.get("/v2.1/os-keypairs", headers=MV).json()["keypairs"]
    assert [k["keypair"]["name"] for k in listed] == ["gen", "mine", "old"]
    shown = api.get("/v2.1/os-keypairs/mine", headers=MV).json()["keypair"]
    assert shown["user_id"] == "u-member" and shown["deleted"] is False
    dup = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "mine",
                                                          "public_key": PUBLIC_KEY}}, headers=MV)
    assert dup.status_code == 409
    assert api.delete("/v2.1/os-keypairs/mine", headers=MV).status_code == 204
    assert api.delete("/v2.1/os-keypairs/old").status_code == 202
    assert api.get("/v2.1/os-keypairs/mine").status_code == 404
    # Keypairs are per user: another user does not see them.
    assert compute.as_("reader").get("/v2.1/os-keypairs").json()["keypairs"] == []


def test_keypair_bad_input(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    api = compute.as_("member")
    bad = api.post("/v2.1/os-keypairs", json={"keypair": {"name": "k", "public_key": "nope"}})
    assert bad.status_code == 400
    assert api.post("/v2.1/os-keypairs", json={"keypair": {"name": "k"}},
                    headers=MV).status_code == 400  # 2.92 requires a public key
    assert api.post("/v2.1/os-keypairs", json={"keypair": {"name": "a/b"}}).status_code == 400


def test_admin_acts_for_another_user(make_compute: Any) -> None:
    compute = make_compute(workers=False)
    v210 = {"OpenStack-API-Version": "compute 2.10"}
    resp = compute.as_("admin").post("/v2.1/os-keypairs", headers=v210, json={
        "keypair": {"name": "theirs", "public_key": PUBLIC_KEY, "user_id": "u-member"}})
    assert resp.status_code == 201 and resp.json()["keypair"]["user_id"] == "u-member"
    assert compute.as_("member").get("/v2.1/os-keypairs/theirs").status_code == 200
    resp = compute.as_("other").get("/v2.1/os-keypairs/theirs?user_id=u-member", headers=v210)
    assert resp.status_code == 403


def test_cloud_info(compute: Any) -> None:
    admin = compute.as_("admin")
    services = admin.get("/v2.1/os-services").json()["services"]
    assert {(s["binary"], s["state"]) for s in services} >= {("nova-compute", "up"),
                                                             ("nova-scheduler", "up")}
    assert compute.as_("member").get("/v2.1/os-services").status_code == 403
    hypervisors = admin.get("/v2.1/os-hypervisors").json()["hypervisors"]
    assert hypervisors[0]["hypervisor_hostname"] == "node"
    zones = compute.as_("member").get("/v2.1/os-availability-zone").json()
    assert zones["availabilityZoneInfo"][0]["zoneName"] == "nova"
    limits = compute.as_("member").get("/v2.1/limits", headers=MV).json()["limits"]
    assert limits["absolute"]["maxTotalInstances"] == 10
    quotas = compute.as_("member").get("/v2.1/os-quota-sets/x/defaults").json()
    assert quotas["quota_set"]["cores"] == 20
