"""Every service serves ``<root>/openapi.json``: valid OpenAPI 3.1, listing every routed path."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from nimbus.core.api.openapi import path_of
from nimbus.core.plugins import SERVICES

COVERS = [("all", "GET <service root>/openapi.json: OpenAPI 3.1, every routed path")]

METHODS = {"get", "put", "post", "delete", "head", "patch", "options", "trace"}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import warnings

    from nimbus.conf.settings import load
    from nimbus.core.api.app import build_app
    from nimbus.core.cloud import Cloud

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    cloud = Cloud(load({"state_dir": str(tmp_path_factory.mktemp("openapi"))}))
    cloud.migrate()
    cloud.start()
    try:
        client = TestClient(build_app(cloud))
        found = {}
        for name, runtime in cloud.runtimes.items():
            resp = client.get(f"{runtime.prefix}/openapi.json")
            assert resp.status_code == 200, resp.text
            found[name] = (runtime.definition, resp.json())
        return found
    finally:
        cloud.stop()


@pytest.mark.parametrize("service", SERVICES)
def test_document_is_valid_openapi_3_1(documents: dict[str, Any], service: str) -> None:
    _, doc = documents[service]
    assert doc["openapi"].startswith("3.1")
    validate(doc)


@pytest.mark.parametrize("service", SERVICES)
def test_every_routed_path_and_method_is_documented(documents: dict[str, Any],
                                                    service: str) -> None:
    definition, doc = documents[service]
    missing = []
    for spec in definition.router.routes:
        item = doc["paths"].get(path_of(spec))
        for method in spec.methods:
            key = method.lower() if method.lower() in METHODS else f"x-{method.upper()}"
            if item is None or key not in item:
                missing.append(f"{method} {spec.path}")
    assert not missing, missing


@pytest.mark.parametrize("service", SERVICES)
def test_declared_schemas_are_valid_json_schema(documents: dict[str, Any], service: str) -> None:
    definition, _ = documents[service]
    for spec in definition.router.routes:
        for schema in spec.schemas():
            Draft202012Validator.check_schema(schema)
