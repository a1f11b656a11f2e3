"""Placement is for admins and services only: every other persona gets 403, as upstream."""

from __future__ import annotations

import pytest

from nimbus.placement.policies import RULES
from tests.unit.placement.conftest import Placement, error_of, new_uuid

RP = "11111111-1111-1111-1111-111111111111"
CONSUMER = "22222222-2222-2222-2222-222222222222"

CALLS: list[tuple[str, str, dict[str, object] | None]] = [
    ("GET", "/resource_providers", None),
    ("POST", "/resource_providers", {"name": "x"}),
    ("GET", f"/resource_providers/{RP}", None),
    ("PUT", f"/resource_providers/{RP}", {"name": "y"}),
    ("DELETE", f"/resource_providers/{RP}", None),
    ("GET", f"/resource_providers/{RP}/inventories", None),
    ("PUT", f"/resource_providers/{RP}/inventories",
     {"resource_provider_generation": 1, "inventories": {}}),
    ("GET", f"/resource_providers/{RP}/inventories/VCPU", None),
    ("DELETE", f"/resource_providers/{RP}/inventories/VCPU", None),
    ("GET", f"/resource_providers/{RP}/usages", None),
    ("GET", f"/resource_providers/{RP}/allocations", None),
    ("GET", f"/resource_providers/{RP}/traits", None),
    ("GET", f"/resource_providers/{RP}/aggregates", None),
    ("GET", "/resource_classes", None),
    ("PUT", "/resource_classes/CUSTOM_X", None),
    ("GET", "/traits", None),
    ("PUT", "/traits/CUSTOM_X", None),
    ("GET", f"/allocations/{CONSUMER}", None),
    ("PUT", f"/allocations/{CONSUMER}", {"allocations": {}}),
    ("DELETE", f"/allocations/{CONSUMER}", None),
    ("POST", "/allocations", {}),
    ("GET", "/usages?project_id=p", None),
    ("GET", "/allocation_candidates?resources=VCPU:1", None),
]


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_non_admins_are_forbidden_everywhere(placement: Placement, persona: str) -> None:
    client = placement.as_(persona)
    for method, path, body in CALLS:
        resp = client.request(method, path, json=body)
        assert resp.status_code == 403, (persona, method, path, resp.text)
        assert error_of(resp)["title"] == "Forbidden"


def test_admin_is_allowed(placement: Placement) -> None:
    rp = placement.provider()
    assert placement.get(f"/resource_providers/{rp}").status_code == 200
    assert placement.get(f"/allocations/{new_uuid()}").status_code == 200


def test_rules_use_placement_names() -> None:
    assert RULES["placement:allocation_candidates:list"] == (
        "rule:admin_or_service_api and rule:project_scope_api")
    assert RULES["admin_or_service_api"] == "role:admin or role:service"
    assert RULES["placement:reshaper:reshape"] == "rule:service_api and rule:project_scope_api"
    assert all(name.startswith("placement:") for name in RULES if ":" in name)
