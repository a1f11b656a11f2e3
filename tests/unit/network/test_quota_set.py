"""``openstack quota set --networks N --ports N <project>``: the body python-openstackclient
sends carries Neutron's ``check_limit`` (or, with ``--force``, ``force``) beside the limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.personas import PROJECT
from tests.unit.network.conftest import Net

COVERS = [("network", "quotas: check_limit and force (openstack quota set)")]


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def test_quota_set_as_the_client_sends_it(net: Net) -> None:
    admin = net.api.as_("admin")
    # What ``openstack quota set --networks 5 --ports 20 <project>`` sends.
    body = {"quota": {"network": 5, "port": 20, "check_limit": True}}
    resp = admin.put(f"/v2.0/quotas/{PROJECT}", json=body)
    assert resp.status_code == 200, resp.text
    quota = resp.json()["quota"]
    assert quota["network"] == 5 and quota["port"] == 20
    assert "check_limit" not in quota and "force" not in quota
    # ... and with ``--force``.
    forced = admin.put(f"/v2.0/quotas/{PROJECT}", json={"quota": {"network": 6, "force": True}})
    assert forced.status_code == 200 and forced.json()["quota"]["network"] == 6
    shown = net.api.as_("member").get(f"/v2.0/quotas/{PROJECT}").json()["quota"]
    assert shown["network"] == 6 and shown["port"] == 20


def test_check_limit_refuses_a_limit_below_usage(net: Net) -> None:
    admin = net.api.as_("admin")
    net.network()
    net.network()
    below = admin.put(f"/v2.0/quotas/{PROJECT}",
                      json={"quota": {"network": 1, "check_limit": True}})
    assert below.status_code == 400
    assert fault(below)["message"] == ("Quota limit 1 for network must be greater than or "
                                       "equal to already used 2")
    assert net.api.as_("member").get(f"/v2.0/quotas/{PROJECT}").json()["quota"]["network"] == 100
    # Equal to the usage, unlimited, or forced: accepted.
    for quota in ({"network": 2, "check_limit": True}, {"network": -1, "check_limit": True},
                  {"network": 1, "force": True}, {"network": 1}):
        resp = admin.put(f"/v2.0/quotas/{PROJECT}", json={"quota": quota})
        assert resp.status_code == 200, (quota, resp.text)
    assert net.api.as_("member").get(f"/v2.0/quotas/{PROJECT}").json()["quota"]["network"] == 1


@pytest.mark.parametrize("flags", [{"check_limit": "yes"}, {"force": [True]},
                                   {"check_limit": 7}])
def test_flags_must_be_booleans(net: Net, flags: dict[str, Any]) -> None:
    resp = net.api.as_("admin").put(f"/v2.0/quotas/{PROJECT}",
                                    json={"quota": {"network": 5, **flags}})
    assert resp.status_code == 400
    assert fault(resp)["type"] == "HTTPBadRequest"


def test_the_extension_is_listed(net: Net) -> None:
    resp = net.api.as_("member").get("/v2.0/extensions/quota-check-limit")
    assert resp.status_code == 200
    assert resp.json()["extension"]["alias"] == "quota-check-limit"
