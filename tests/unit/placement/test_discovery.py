"""Version discovery and microversion negotiation."""

from __future__ import annotations

from tests.unit.placement.conftest import Placement, error_of


def test_root_is_public_and_lists_the_version(placement: Placement) -> None:
    resp = placement.as_(None).get("/", headers={"OpenStack-API-Version": ""})
    assert resp.status_code == 200
    (version,) = resp.json()["versions"]
    assert version["id"] == "v1.0"
    assert version["min_version"] == "1.0"
    assert version["max_version"] == "1.39"
    assert version["status"] == "CURRENT"
    assert isinstance(version["links"], list)


def test_negotiated_version_is_echoed(placement: Placement) -> None:
    resp = placement.at("1.14").get("/resource_providers")
    assert resp.headers["openstack-api-version"] == "placement 1.14"
    latest = placement.at("latest").get("/resource_providers")
    assert latest.headers["openstack-api-version"] == "placement 1.39"


def test_unsupported_version_is_406(placement: Placement) -> None:
    resp = placement.at("1.99").get("/resource_providers")
    assert resp.status_code == 406
    error_of(resp)


def test_route_newer_than_version_is_404(placement: Placement) -> None:
    resp = placement.at("1.5").get("/traits")
    assert resp.status_code == 404
    error_of(resp)
    assert placement.at("1.6").get("/traits").status_code == 200


def test_no_token_is_401(placement: Placement) -> None:
    resp = placement.as_(None).get("/resource_providers")
    assert resp.status_code == 401
    error_of(resp)
