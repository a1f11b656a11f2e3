"""The API framework: faults per service style, microversions, the policy guard, bodies."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from nimbus.core.api.microversion import MicroversionSpec, Version
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.errors import BadRequest, NotAcceptable, NotFound

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


COVERS = [
    ('core', 'fault formats (nova, keystone, neutron, placement)'),
    ('core', 'microversion negotiation'),
    ('core', 'policy enforcement and the enforce-was-called guard'),
]

def _service(style: str, mv: MicroversionSpec | None = None) -> ServiceDef:
    router = Router()

    @router.get("/things/{thing_id}")
    def show(req: ApiRequest) -> dict[str, Any]:
        req.enforce("thing:get")
        raise NotFound(resource="thing", id=req.params["thing_id"])

    @router.post("/things", status=201)
    def create(req: ApiRequest) -> dict[str, Any]:
        req.enforce("thing:create")
        return {"thing": req.body_dict("thing"), "version": str(req.version)}

    @router.get("/forgetful")
    def forgetful(req: ApiRequest) -> dict[str, Any]:
        return {}

    return ServiceDef(name="demo", service_type="demo", prefix="/demo", fault_style=style,
                      router=router, policy={"thing:get": "@", "thing:create": "role:member"},
                      microversion=mv, has_db=False, start=lambda platform: None)


@pytest.fixture
def client_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    from nimbus.conf.settings import load
    from nimbus.core import cloud as cloud_module
    from nimbus.core.api.app import build_app
    from tests.support.personas import fake_validator

    def make(definition: ServiceDef) -> TestClient:
        monkeypatch.setattr(cloud_module, "service_definition", lambda name: definition)
        c = cloud_module.Cloud(load({"state_dir": str(tmp_path)}), services=["demo"])
        c.start()
        c.auth.use_local(fake_validator)
        return TestClient(build_app(c), raise_server_exceptions=False)

    return make


@pytest.mark.parametrize("style,check", [
    ("nova", lambda b: b["itemNotFound"]["code"] == 404),
    ("keystone", lambda b: b["error"]["code"] == 404),
    ("neutron", lambda b: b["NeutronError"]["type"] == "NotFound"),
    ("placement", lambda b: b["errors"][0]["status"] == 404),
])
def test_faults_follow_each_service_style(client_for: Any, style: str, check: Any) -> None:
    client = client_for(_service(style))
    resp = client.get("/demo/things/t1", headers={"X-Auth-Token": "persona-member"})
    assert resp.status_code == 404
    assert check(resp.json())
    assert resp.headers["x-openstack-request-id"].startswith("req-")
    assert "t1" in resp.text


def test_unknown_path_and_method_use_the_style_too(client_for: Any) -> None:
    client = client_for(_service("nova"))
    assert "itemNotFound" in client.get("/demo/nowhere").json()
    assert client.put("/demo/things").status_code == 405


def test_malformed_and_wrong_bodies_are_400(client_for: Any) -> None:
    client = client_for(_service("nova"))
    hdrs = {"X-Auth-Token": "persona-member", "Content-Type": "application/json"}
    resp = client.post("/demo/things", content=b"{not json", headers=hdrs)
    assert resp.status_code == 400 and "badRequest" in resp.json()
    resp = client.post("/demo/things", json={"other": {}}, headers=hdrs)
    assert resp.status_code == 400 and "'thing'" in resp.json()["badRequest"]["message"]


def test_no_token_is_401_and_policy_denial_is_403(client_for: Any) -> None:
    client = client_for(_service("keystone"))
    assert client.post("/demo/things", json={"thing": {}}).status_code == 401
    resp = client.post("/demo/things", json={"thing": {}}, headers={"X-Auth-Token": "persona-reader"})
    assert resp.status_code == 403


def test_a_handler_that_forgets_policy_is_a_500(client_for: Any) -> None:
    client = client_for(_service("nova"))
    resp = client.get("/demo/forgetful", headers={"X-Auth-Token": "persona-member"})
    assert resp.status_code == 500
    assert "Traceback" not in resp.text


def test_microversion_negotiation(client_for: Any) -> None:
    spec = MicroversionSpec("compute", "2.1", "2.90", "X-OpenStack-Nova-API-Version")
    client = client_for(_service("nova", spec))
    hdrs = {"X-Auth-Token": "persona-member"}
    resp = client.post("/demo/things", json={"thing": {}}, headers=hdrs)
    assert resp.json()["version"] == "2.1"
    assert resp.headers["OpenStack-API-Version"] == "compute 2.1"
    resp = client.post("/demo/things", json={"thing": {}},
                       headers={**hdrs, "OpenStack-API-Version": "compute latest"})
    assert resp.json()["version"] == "2.90"
    resp = client.post("/demo/things", json={"thing": {}},
                       headers={**hdrs, "X-OpenStack-Nova-API-Version": "2.47"})
    assert resp.json()["version"] == "2.47"
    resp = client.post("/demo/things", json={"thing": {}},
                       headers={**hdrs, "OpenStack-API-Version": "compute 2.91"})
    assert resp.status_code == 406


def test_version_ordering_and_parsing() -> None:
    assert Version.parse("2.10") > Version.parse("2.9")
    assert Version.parse("1.0") == "1.0"
    with pytest.raises(BadRequest):
        Version.parse("two")
    spec = MicroversionSpec("volume", "3.0", "3.70")
    with pytest.raises(NotAcceptable):
        spec.negotiate({"openstack-api-version": "volume 4.0"})


def test_access_rules_match_segments() -> None:
    from nimbus.core.auth.access_rules import allowed

    rules = [{"service": "compute", "method": "GET", "path": "/v2.1/servers/*"},
             {"service": "image", "method": "GET", "path": "/v2/**"}]
    assert allowed(rules, {"compute"}, "GET", "/v2.1/servers/abc")
    assert not allowed(rules, {"compute"}, "GET", "/v2.1/servers/abc/action")
    assert not allowed(rules, {"compute"}, "DELETE", "/v2.1/servers/abc")
    assert allowed(rules, {"image"}, "GET", "/v2/images/x/file")
    assert not allowed(rules, {"network"}, "GET", "/v2/images")


def test_policy_targets_drop_unknown_owners(client_for: Any) -> None:

    router = Router()

    @router.get("/owned")
    def owned(req: ApiRequest) -> dict[str, Any]:
        req.enforce("thing:owned", {"project_id": None})
        return {}

    definition = ServiceDef(name="demo", service_type="demo", prefix="/demo", fault_style="nova",
                            router=router, policy={"thing:owned": "project_id:%(project_id)s"},
                            has_db=False, start=lambda platform: None)
    client = client_for(definition)
    resp = client.get("/demo/owned", headers={"X-Auth-Token": "persona-member"})
    assert resp.status_code == 403
