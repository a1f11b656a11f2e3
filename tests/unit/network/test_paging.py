"""Every paged list of the network service pages in SQL: 2,000 rows, walked 100 at a time, never
more than a page (and the one row that tells whether another follows) out of any query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from nimbus.network.db import models
from tests.support.paging import counting_rows, walk
from tests.support.personas import PROJECT
from tests.unit.network.conftest import Net

ROWS = 2000
PAGED = {
    ("GET", "/v2.0/networks"),
    ("GET", "/v2.0/subnets"),
    ("GET", "/v2.0/ports"),
    ("GET", "/v2.0/routers"),
    ("GET", "/v2.0/security-groups"),
    ("GET", "/v2.0/security-group-rules"),
    ("GET", "/v2.0/floatingips"),
    ("GET", "/v2.0/quotas"),
    ("GET", "/v2.0/qos/policies"),
    ("GET", "/v2.0/address-scopes"),
    ("GET", "/v2.0/subnetpools"),
    ("GET", "/v2.0/metering/metering-labels"),
    ("GET", "/v2.0/metering/metering-label-rules"),
    ("GET", "/v2.0/rbac-policies"),
    ("GET", "/v2.0/trunks"),
    ("GET", "/v2.0/floatingips/{fip_id}/port_forwardings"),
    ("GET", "/v2.0/segments"),
    ("GET", "/v2.0/default-security-group-rules"),
    ("GET", "/v2.0/routers/{router_id}/conntrack_helpers"),
    ("GET", "/v2.0/flavors"),
    ("GET", "/v2.0/service_profiles"),
    ("GET", "/v2.0/address-groups"),
}
# The floating IP whose forwardings are walked.
FIP = "00000000-0000-0000-0000-0000000000f1"
# The router whose conntrack helpers are walked.
ROUTER = "00000000-0000-0000-0000-0000000000c1"


def _network(session: Any) -> models.Network:
    net = models.Network(project_id=PROJECT, name="host")
    session.add(net)
    session.flush()
    return net


def _networks(session: Any) -> None:
    session.add_all(models.Network(project_id=PROJECT, name=f"net-{i % 7}") for i in range(ROWS))


def _subnets(session: Any) -> None:
    net = _network(session)
    session.add_all(models.Subnet(project_id=PROJECT, network_id=net.id, ip_version=4,
                                  cidr=f"10.{i // 256}.{i % 256}.0/24") for i in range(ROWS))


def _ports(session: Any) -> None:
    net = _network(session)
    session.add_all(models.Port(project_id=PROJECT, network_id=net.id,
                                mac_address=f"fa:16:3e:00:{i // 256:02x}:{i % 256:02x}")
                    for i in range(ROWS))


def _routers(session: Any) -> None:
    session.add_all(models.Router(project_id=PROJECT, name=f"r{i}") for i in range(ROWS))


def _groups(session: Any) -> None:
    session.add_all(models.SecurityGroup(project_id=PROJECT, name=f"g{i}") for i in range(ROWS))


def _rules(session: Any) -> None:
    group = models.SecurityGroup(project_id=PROJECT, name="many")
    session.add(group)
    session.flush()
    session.add_all(models.SecurityGroupRule(project_id=PROJECT, security_group_id=group.id,
                                             direction="ingress", protocol="tcp",
                                             port_range_min=i + 1, port_range_max=i + 1)
                    for i in range(ROWS))


def _floating_ips(session: Any) -> None:
    session.add_all(models.FloatingIP(project_id=PROJECT, floating_network_id="ext",
                                      floating_ip_address=f"172.24.{i // 256}.{i % 256}",
                                      floating_port_id=f"port-{i}") for i in range(ROWS))


def _quotas(session: Any) -> None:
    session.add_all(models.Quota(project_id=f"{i:032x}", resource="network", limit=i)
                    for i in range(ROWS))


def _qos_policies(session: Any) -> None:
    session.add_all(models.QosPolicy(project_id=PROJECT, name=f"q{i}") for i in range(ROWS))


def _scopes(session: Any) -> None:
    session.add_all(models.AddressScope(project_id=PROJECT, name=f"s{i}", ip_version=4)
                    for i in range(ROWS))


def _pools(session: Any) -> None:
    session.add_all(models.SubnetPool(project_id=PROJECT, name=f"p{i}", ip_version=4,
                                      prefixes=[f"10.{i // 256}.{i % 256}.0/24"],
                                      default_prefixlen=24, min_prefixlen=24, max_prefixlen=32)
                    for i in range(ROWS))


def _labels(session: Any) -> None:
    session.add_all(models.MeteringLabel(project_id=PROJECT, name=f"m{i}") for i in range(ROWS))


def _label_rules(session: Any) -> None:
    label = models.MeteringLabel(project_id=PROJECT, name="many")
    session.add(label)
    session.flush()
    session.add_all(models.MeteringLabelRule(metering_label_id=label.id, direction="ingress",
                                             remote_ip_prefix=f"10.{i // 256}.{i % 256}.0/24")
                    for i in range(ROWS))


def _rbac(session: Any) -> None:
    session.add_all(models.RbacPolicy(project_id=PROJECT, object_type="network",
                                      object_id=f"net-{i}", action="access_as_shared",
                                      target_project=f"{i:032x}") for i in range(ROWS))


def _trunks(session: Any) -> None:
    _ports(session)
    session.flush()
    session.add_all(models.Trunk(project_id=PROJECT, name=f"trunk-{i % 7}", port_id=port_id)
                    for i, port_id in enumerate(session.scalars(select(models.Port.id))))


def _forwardings(session: Any) -> None:
    net = _network(session)
    port = models.Port(project_id=PROJECT, network_id=net.id, mac_address="fa:16:3e:00:00:01")
    session.add(port)
    session.flush()
    session.add_all([models.FloatingIP(id=FIP, project_id=PROJECT,
                                             floating_network_id=net.id,
                                             floating_ip_address="172.24.4.9",
                                             floating_port_id=port.id)])
    session.flush()
    session.add_all(models.PortForwarding(
        floatingip_id=FIP, protocol="tcp", external_port_start=1000 + i,
        external_port_end=1000 + i, internal_port_id=port.id, internal_ip_address="10.0.0.5",
        internal_port_start=1000 + i, internal_port_end=1000 + i) for i in range(ROWS))


def _segments(session: Any) -> None:
    net = _network(session)
    session.add_all(models.Segment(network_id=net.id, network_type="vlan",
                                   physical_network="physnet1", segmentation_id=i % 4094 + 1,
                                   segment_index=i) for i in range(ROWS))


def _templates(session: Any) -> None:
    session.add_all(models.DefaultSecurityGroupRule(direction="ingress", protocol="tcp",
                                                    port_range_min=i + 1, port_range_max=i + 1)
                    for i in range(ROWS))


def _address_groups(session: Any) -> None:
    groups = [models.AddressGroup(project_id=PROJECT, name=f"ag-{i % 7}") for i in range(ROWS)]
    session.add_all(groups)
    session.flush()
    # One prefix each: a page's addresses are one more query of a page's rows.
    session.add_all(models.AddressGroupAddress(address_group_id=g.id,
                                               address=f"10.{i // 256}.{i % 256}.0/24")
                    for i, g in enumerate(groups))


def _conntrack_helpers(session: Any) -> None:
    session.add(models.Router(id=ROUTER, project_id=PROJECT, name="helped"))
    session.flush()
    session.add_all(models.ConntrackHelper(router_id=ROUTER, protocol="tcp", port=i + 1,
                                           helper="ftp") for i in range(ROWS))


def _flavors(session: Any) -> None:
    # Every flavor stands for one profile: a page's profiles are one more query of a page.
    profile = models.ServiceProfile(driver="nimbus")
    flavors = [models.Flavor(name=f"f{i % 7}", service_type="L3_ROUTER_NAT")
               for i in range(ROWS)]
    session.add_all([profile, *flavors])
    session.flush()
    session.add_all(models.FlavorServiceProfile(flavor_id=f.id, service_profile_id=profile.id)
                    for f in flavors)


def _service_profiles(session: Any) -> None:
    session.add_all(models.ServiceProfile(driver="nimbus", metainfo=str(i))
                    for i in range(ROWS))


CASES: dict[str, tuple[str, Callable[[Any], None], Any, Any]] = {
    # collection: (path, insert, the column listed in the expected order, its API key)
    "networks": ("/v2.0/networks", _networks, models.Network.id, "id"),
    "subnets": ("/v2.0/subnets", _subnets, models.Subnet.id, "id"),
    "ports": ("/v2.0/ports", _ports, models.Port.id, "id"),
    "routers": ("/v2.0/routers", _routers, models.Router.id, "id"),
    "security_groups": ("/v2.0/security-groups", _groups, models.SecurityGroup.id, "id"),
    "security_group_rules": ("/v2.0/security-group-rules", _rules, models.SecurityGroupRule.id,
                             "id"),
    "floatingips": ("/v2.0/floatingips", _floating_ips, models.FloatingIP.id, "id"),
    "quotas": ("/v2.0/quotas", _quotas, models.Quota.project_id, "project_id"),
    "policies": ("/v2.0/qos/policies", _qos_policies, models.QosPolicy.id, "id"),
    "address_scopes": ("/v2.0/address-scopes", _scopes, models.AddressScope.id, "id"),
    "subnetpools": ("/v2.0/subnetpools", _pools, models.SubnetPool.id, "id"),
    "metering_labels": ("/v2.0/metering/metering-labels", _labels, models.MeteringLabel.id,
                        "id"),
    "metering_label_rules": ("/v2.0/metering/metering-label-rules", _label_rules,
                             models.MeteringLabelRule.id, "id"),
    "rbac_policies": ("/v2.0/rbac-policies", _rbac, models.RbacPolicy.id, "id"),
    "trunks": ("/v2.0/trunks", _trunks, models.Trunk.id, "id"),
    "port_forwardings": ("/v2.0/floatingips/{fip_id}/port_forwardings", _forwardings,
                         models.PortForwarding.id, "id"),
    "segments": ("/v2.0/segments", _segments, models.Segment.id, "id"),
    "conntrack_helpers": ("/v2.0/routers/{router_id}/conntrack_helpers", _conntrack_helpers,
                          models.ConntrackHelper.id, "id"),
    "flavors": ("/v2.0/flavors", _flavors, models.Flavor.id, "id"),
    "service_profiles": ("/v2.0/service_profiles", _service_profiles, models.ServiceProfile.id,
                         "id"),
    "address_groups": ("/v2.0/address-groups", _address_groups, models.AddressGroup.id, "id"),
    "default_security_group_rules": ("/v2.0/default-security-group-rules", _templates,
                                     models.DefaultSecurityGroupRule.id, "id"),
}


def _get(net: Net) -> Callable[[str], Any]:
    api = net.api.as_("admin")
    return lambda path: api.get(path.removeprefix("/network"))


def test_every_paged_route_is_walked() -> None:
    assert {("GET", path) for path, *_ in CASES.values()} == PAGED


@pytest.mark.parametrize("collection", sorted(CASES))
def test_list_pages_in_sql(net: Net, collection: str) -> None:
    path, insert, column, key = CASES[collection]
    with net.cloud.db.writer() as session:
        insert(session)
    with counting_rows(net.cloud.db.engine) as counter:
        items = walk(_get(net), f"{path.format(fip_id=FIP, router_id=ROUTER)}?limit=100", collection)
    with net.cloud.db.reader() as session:
        # Read after the walk: listing groups and rules first makes the caller's default group.
        expected = list(dict.fromkeys(session.scalars(select(column).order_by(column))))
    assert [item[key] for item in items] == expected
    assert len(expected) >= ROWS
    assert counter.largest <= 101, counter.worst()


def test_sorted_walk_keeps_ties_in_id_order(net: Net) -> None:
    with net.cloud.db.writer() as session:
        _networks(session)
    with counting_rows(net.cloud.db.engine) as counter:
        items = walk(_get(net), "/v2.0/networks?limit=100&sort_key=name&sort_dir=desc",
                     "networks")
    with net.cloud.db.reader() as session:
        rows = session.execute(select(models.Network.name, models.Network.id)).all()
    names = {row_id: name for name, row_id in rows}
    # Names descending; a stable sort keeps equal names in ascending id order.
    expected = sorted(sorted(names), key=names.__getitem__, reverse=True)
    assert [item["id"] for item in items] == expected
    assert counter.largest <= 101, counter.worst()
