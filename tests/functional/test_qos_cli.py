"""`openstack network qos ...` against the network service: policies, their rules, rule types,
and a policy on a port, with the unmodified CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("network", "openstack network qos policy create/show/set/list/delete, qos rule "
                      "create/list/set/delete (bandwidth-limit, minimum-bandwidth, "
                      "dscp-marking), qos rule type list, port create --qos-policy")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("qos") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


def test_the_cli_walks_qos(cloud: CloudProcess) -> None:
    policy = cloud.openstack_json("network", "qos", "policy", "create", "--share",
                                  "--description", "gold", "gold")
    assert policy["shared"] is True and policy["description"] == "gold"
    limit = cloud.openstack_json("network", "qos", "rule", "create", "--type",
                                 "bandwidth-limit", "--max-kbps", "10000", "--max-burst-kbits",
                                 "1000", "--egress", "gold")
    assert limit["max_kbps"] == 10000 and limit["direction"] == "egress"
    cloud.openstack("network", "qos", "rule", "create", "--type", "minimum-bandwidth",
                    "--min-kbps", "1000", "--ingress", "gold")
    cloud.openstack("network", "qos", "rule", "create", "--type", "dscp-marking",
                    "--dscp-mark", "26", "gold")
    rules = cloud.openstack_json("network", "qos", "rule", "list", "gold")
    assert sorted(r["Type"] for r in rules) == ["bandwidth_limit", "dscp_marking",
                                                "minimum_bandwidth"]
    cloud.openstack("network", "qos", "rule", "set", "--max-kbps", "20000", "gold",
                    limit["id"])
    shown = cloud.openstack_json("network", "qos", "rule", "show", "gold", limit["id"])
    assert shown["max_kbps"] == 20000
    types = {t["Type"] for t in cloud.openstack_json("network", "qos", "rule", "type", "list")}
    assert {"bandwidth_limit", "minimum_bandwidth", "dscp_marking"} <= types
    cloud.openstack("network", "qos", "policy", "set", "--name", "platinum", "gold")
    port = cloud.openstack_json("port", "create", "--network", "private", "--qos-policy",
                                "platinum", "qos-port")
    assert port["qos_policy_id"] == policy["id"]
    # In use: it cannot go until the port lets it go.
    refused = cloud.openstack("network", "qos", "policy", "delete", "platinum", check=False)
    assert refused.returncode != 0
    cloud.openstack("port", "unset", "--qos-policy", "qos-port")
    cloud.openstack("network", "qos", "rule", "delete", "platinum", limit["id"])
    cloud.openstack("network", "qos", "policy", "delete", "platinum")
    names = [p["Name"] for p in cloud.openstack_json("network", "qos", "policy", "list")]
    assert "platinum" not in names
    cloud.openstack("port", "delete", "qos-port")
