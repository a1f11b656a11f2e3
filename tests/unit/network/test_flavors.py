"""Service flavors and profiles (Neutron's ``flavors``) and routers made with a flavor
(``l3-flavors``): admins make them, everyone reads flavors, a flavor in use stays."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.network.db import models
from tests.unit.network.conftest import Net

COVERS = [("network", "flavors and service profiles: create, list (filters, sorting, "
                      "fields), show, update, delete; associate and disassociate; service type "
                      "and driver checked; a bound profile or a used flavor stays; protection"),
          ("network", "l3-flavors: a router made with a flavor shows it; a missing, disabled, "
                      "profile-less or non-router flavor refused as Neutron refuses it")]

FLAVORS = "/v2.0/flavors"
PROFILES = "/v2.0/service_profiles"
MISSING = "00000000-0000-0000-0000-00000000f1a0"


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _flavor(net: Net, **attrs: Any) -> dict[str, Any]:
    body = {"name": "gold", "service_type": "L3_ROUTER_NAT", **attrs}
    resp = net.as_("admin").post(FLAVORS, json={"flavor": body})
    assert resp.status_code == 201, resp.text
    return resp.json()["flavor"]  # type: ignore[no-any-return]


def _profile(net: Net, **attrs: Any) -> dict[str, Any]:
    body = {"driver": "nimbus", **attrs}
    resp = net.as_("admin").post(PROFILES, json={"service_profile": body})
    assert resp.status_code == 201, resp.text
    return resp.json()["service_profile"]  # type: ignore[no-any-return]


def _associate(net: Net, flavor: dict[str, Any], profile: dict[str, Any]) -> Any:
    return net.as_("admin").post(f"{FLAVORS}/{flavor['id']}/service_profiles",
                                 json={"service_profile": {"id": profile["id"]}})


def test_flavors_and_their_profiles(net: Net) -> None:
    admin = net.as_("admin")
    gold = _flavor(net, description="fast routers")
    assert gold == {"id": gold["id"], "name": "gold", "description": "fast routers",
                    "service_type": "L3_ROUTER_NAT", "enabled": True, "service_profiles": []}
    silver = _flavor(net, name="silver", enabled=False)
    assert silver["enabled"] is False and silver["description"] == ""

    profile = _profile(net, description="the one provider", metainfo="{'tier': 1}")
    assert profile == {"id": profile["id"], "description": "the one provider",
                       "driver": "nimbus", "enabled": True, "metainfo": "{'tier': 1}"}
    meta_only = _profile(net, driver="", metainfo="{}")
    assert meta_only["driver"] == ""

    bound = _associate(net, gold, profile)
    assert bound.status_code == 201 and bound.json() == {"service_profile": {
        "id": profile["id"]}}
    again = _associate(net, gold, profile)
    assert again.status_code == 409
    assert fault(again)["type"] == "FlavorServiceProfileBindingExists"
    assert _associate(net, gold, meta_only).status_code == 201
    shown = admin.get(f"{FLAVORS}/{gold['id']}").json()["flavor"]
    assert shown["service_profiles"] == sorted([profile["id"], meta_only["id"]])

    listed = admin.get(FLAVORS, params={"enabled": "true"}).json()["flavors"]
    assert [f["id"] for f in listed] == [gold["id"]]
    by_name = admin.get(FLAVORS, params={"sort_key": "name", "sort_dir": "desc",
                                         "fields": "name"}).json()["flavors"]
    assert by_name == [{"name": "silver"}, {"name": "gold"}]
    assert [p["id"] for p in admin.get(PROFILES, params={"driver": "nimbus"}).json()[
        "service_profiles"]] == [profile["id"]]

    renamed = admin.put(f"{FLAVORS}/{silver['id']}", json={"flavor": {
        "name": "bronze", "enabled": True, "description": None}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["flavor"]["name"] == "bronze"
    assert renamed.json()["flavor"]["enabled"] is True
    # A profile a flavor stands for is neither changed nor deleted under it.
    busy = admin.put(f"{PROFILES}/{profile['id']}", json={"service_profile": {
        "description": "x"}})
    assert busy.status_code == 409 and fault(busy)["type"] == "ServiceProfileInUse"
    assert admin.delete(f"{PROFILES}/{profile['id']}").status_code == 409
    path = f"{FLAVORS}/{gold['id']}/service_profiles/{profile['id']}"
    assert admin.delete(path).status_code == 204
    unbound = admin.delete(path)
    assert unbound.status_code == 404
    assert fault(unbound)["type"] == "FlavorServiceProfileBindingNotFound"
    changed = admin.put(f"{PROFILES}/{profile['id']}", json={"service_profile": {
        "enabled": False, "metainfo": "{}"}})
    assert changed.status_code == 200 and changed.json()["service_profile"]["enabled"] is False
    assert admin.delete(f"{PROFILES}/{profile['id']}").status_code == 204
    assert admin.get(f"{PROFILES}/{profile['id']}").status_code == 404

    # A flavor's associations go with it.
    assert admin.delete(f"{FLAVORS}/{gold['id']}").status_code == 204
    gone = admin.get(f"{FLAVORS}/{gold['id']}")
    assert gone.status_code == 404 and fault(gone)["type"] == "FlavorNotFound"
    assert admin.delete(f"{PROFILES}/{meta_only['id']}").status_code == 204


def test_flavor_faults(net: Net) -> None:
    admin = net.as_("admin")
    other = admin.post(FLAVORS, json={"flavor": {"name": "fw", "service_type": "FIREWALL"}})
    assert other.status_code == 400
    assert fault(other) == {"type": "InvalidServiceType", "detail": "",
                            "message": "Invalid service type FIREWALL."}
    untyped = admin.post(FLAVORS, json={"flavor": {"name": "x"}})
    assert untyped.status_code == 400 and "'service_type'" in fault(untyped)["message"]
    assert admin.post(FLAVORS, json={"flavor": {"service_type": "L3_ROUTER_NAT",
                                                "enabled": "maybe"}}).status_code == 400
    assert admin.post(FLAVORS, json={"flavor": {"service_type": "L3_ROUTER_NAT",
                                                "project_id": "p"}}).status_code == 400
    flavor = _flavor(net)
    retype = admin.put(f"{FLAVORS}/{flavor['id']}", json={"flavor": {"service_type": "QOS"}})
    assert retype.status_code == 400 and "read-only" in fault(retype)["message"]
    empty = admin.post(PROFILES, json={"service_profile": {"description": "nothing"}})
    assert empty.status_code == 400
    assert fault(empty) == {"type": "ServiceProfileEmpty", "detail": "",
                            "message": "Service Profile needs either a driver or metainfo."}
    driver = admin.post(PROFILES, json={"service_profile": {
        "driver": "neutron.services.l3_router.service_providers.single_node.SingleNodeDriver"}})
    assert driver.status_code == 404 and fault(driver)["type"] == "ServiceProfileDriverNotFound"
    profile = _profile(net)
    assert admin.put(f"{PROFILES}/{profile['id']}", json={"service_profile": {
        "driver": "other"}}).status_code == 404
    assert admin.put(f"{PROFILES}/{MISSING}", json={"service_profile": {
        "description": "x"}}).status_code == 404
    nothing = admin.post(f"{FLAVORS}/{MISSING}/service_profiles",
                         json={"service_profile": {"id": profile["id"]}})
    assert nothing.status_code == 404 and fault(nothing)["type"] == "FlavorNotFound"
    noone = _associate(net, flavor, {"id": MISSING})
    assert noone.status_code == 404 and fault(noone)["type"] == "ServiceProfileNotFound"
    assert admin.post(f"{FLAVORS}/{flavor['id']}/service_profiles",
                      json={"service_profile": {"id": "nope"}}).status_code == 400
    assert admin.get(FLAVORS, params={"sort_key": "metainfo"}).status_code == 400


def test_routers_made_with_a_flavor(net: Net) -> None:
    admin, member = net.as_("admin"), net.as_("member")
    flavor = _flavor(net)
    assert _associate(net, flavor, _profile(net)).status_code == 201
    router = net.router(flavor_id=flavor["id"])
    assert router["flavor_id"] == flavor["id"]
    assert member.get(f"/v2.0/routers/{router['id']}").json()["router"]["flavor_id"] == \
        flavor["id"]
    plain = net.router(name="plain")
    assert plain["flavor_id"] is None
    assert [r["id"] for r in member.get("/v2.0/routers", params={
        "flavor_id": flavor["id"]}).json()["routers"]] == [router["id"]]
    fixed = member.put(f"/v2.0/routers/{router['id']}", json={"router": {
        "flavor_id": flavor["id"]}})
    assert fixed.status_code == 400 and "read-only" in fault(fixed)["message"]

    # A flavor a router was made with stays while the router does.
    in_use = admin.delete(f"{FLAVORS}/{flavor['id']}")
    assert in_use.status_code == 409 and fault(in_use)["type"] == "FlavorInUse"
    assert member.delete(f"/v2.0/routers/{router['id']}").status_code == 204

    def refused(flavor_id: str) -> Any:
        return member.post("/v2.0/routers", json={"router": {"name": "r",
                                                             "flavor_id": flavor_id}})

    missing = refused(MISSING)
    assert missing.status_code == 404 and fault(missing)["type"] == "FlavorNotFound"
    admin.put(f"{FLAVORS}/{flavor['id']}", json={"flavor": {"enabled": False}})
    disabled = refused(flavor["id"])
    assert disabled.status_code == 503 and fault(disabled)["type"] == "FlavorDisabled"
    bare = _flavor(net, name="bare")
    unbound = refused(bare["id"])
    assert unbound.status_code == 404
    assert fault(unbound)["type"] == "FlavorServiceProfileBindingNotFound"
    off = _flavor(net, name="off")
    _associate(net, off, _profile(net, enabled=False))
    assert fault(refused(off["id"]))["type"] == "ServiceProfileDisabled"
    meta = _flavor(net, name="meta")
    _associate(net, meta, _profile(net, driver="", metainfo="{}"))
    assert fault(refused(meta["id"]))["type"] == "ServiceProfileDriverNotFound"
    # A flavor of another service (from before this cloud had only routers to flavor).
    with net.cloud.db.writer() as session:
        session.add(models.Flavor(id=MISSING[:-4] + "0f1b", name="fw",
                                  service_type="FIREWALL"))
    other = refused(MISSING[:-4] + "0f1b")
    assert other.status_code == 400 and "not of routers" in fault(other)["message"]
    assert member.get("/v2.0/routers", params={"name": "r"}).json()["routers"] == []
    assert admin.delete(f"{FLAVORS}/{flavor['id']}").status_code == 204


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_flavor_protection(net: Net, persona: str) -> None:
    flavor = _flavor(net)
    profile = _profile(net)
    api = net.as_(persona)
    # Everyone reads flavors, to choose one; only admins change them.
    assert [f["id"] for f in api.get(FLAVORS).json()["flavors"]] == [flavor["id"]]
    assert api.get(f"{FLAVORS}/{flavor['id']}").status_code == 200
    assert api.post(FLAVORS, json={"flavor": {"service_type": "L3_ROUTER_NAT"}}
                    ).status_code == 403
    assert api.put(f"{FLAVORS}/{flavor['id']}", json={"flavor": {"name": "x"}}
                   ).status_code == 403
    assert api.delete(f"{FLAVORS}/{flavor['id']}").status_code == 403
    assert api.post(f"{FLAVORS}/{flavor['id']}/service_profiles", json={
        "service_profile": {"id": profile["id"]}}).status_code == 403
    assert _associate(net, flavor, profile).status_code == 201
    assert api.delete(f"{FLAVORS}/{flavor['id']}/service_profiles/{profile['id']}"
                      ).status_code == 403
    # Profiles are admins' alone: to others they do not exist.
    assert api.get(PROFILES).json() == {"service_profiles": []}
    assert api.get(f"{PROFILES}/{profile['id']}").status_code == 404
    assert api.put(f"{PROFILES}/{profile['id']}", json={"service_profile": {
        "description": "x"}}).status_code == 404
    assert api.delete(f"{PROFILES}/{profile['id']}").status_code == 404
    assert api.post(PROFILES, json={"service_profile": {"driver": "nimbus"}}
                    ).status_code == 403
    assert net.as_("admin").get(f"{FLAVORS}/{flavor['id']}").json()["flavor"][
        "service_profiles"] == [profile["id"]]


def test_the_extensions_are_listed(net: Net) -> None:
    aliases = {e["alias"]: e for e in net.as_("member").get("/v2.0/extensions").json()[
        "extensions"]}
    assert aliases["flavors"]["name"] == "Neutron Service Flavors"
    assert aliases["l3-flavors"]["description"] == "Flavor support for routers."
    assert aliases["l3-conntrack-helper"]["name"] == "L3 Conntrack helper"
