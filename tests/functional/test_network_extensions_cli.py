"""Network extensions through the unmodified CLI: `openstack address scope ...`,
`openstack subnet pool ...` and subnets made from a pool, and `openstack network meter ...`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [("network", "openstack address scope create/list/show/set/delete, subnet pool "
                      "create/list/show/set/delete (--default, --pool-prefix, --address-scope), "
                      "subnet create --subnet-pool / --use-default-subnet-pool"),
          ("network", "openstack network meter create/list/show/delete, network meter rule "
                      "create/list/show/delete"),
          ("network", "openstack network rbac create/list/show/set/delete: a network shared "
                      "with one project, which sees it"),
          ("network", "openstack network trunk create/list/show/set/unset/delete and network "
                      "subport list: a parent port with VLAN subports"),
          ("network", "openstack floating ip port forwarding create/list/show/set/delete, "
                      "router add/remove route"),
          ("network", "openstack network segment create/list/show/set/delete, subnet create "
                      "--network-segment, ip availability list/show"),
          ("network", "openstack network auto allocated topology create (--check-resources) "
                      "and delete: get me a network from the first start's defaults"),
          ("network", "openstack default security group rule create/list/show/delete: a new "
                      "group gets the template's rule"),
          ("network", "openstack address group create/list/show/set --address/unset "
                      "--address/delete, security group rule create --remote-address-group"),
          ("network", "openstack network flavor create/list/show/set/delete, network flavor "
                      "profile create/list/show/delete, network flavor add/remove profile, "
                      "router create --flavor, network l3 conntrack helper "
                      "create/list/show/set/delete")]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("netext") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


def test_the_cli_walks_scopes_pools_and_allocated_subnets(cloud: CloudProcess) -> None:
    scope = cloud.openstack_json("address", "scope", "create", "--ip-version", "4", "--share",
                                 "campus")
    assert scope["ip_version"] == 4 and scope["shared"] is True
    assert "campus" in cloud.openstack("address", "scope", "list").stdout
    # The first start made a default pool already (get me a network takes from it): a second
    # default one is refused, as in Neutron.
    assert cloud.openstack("subnet", "pool", "create", "--pool-prefix", "10.49.0.0/16",
                           "--default", "second-default", check=False).returncode != 0
    pool = cloud.openstack_json("subnet", "pool", "create", "--pool-prefix", "10.50.0.0/16",
                                "--default-prefix-length", "26", "--address-scope", "campus",
                                "--share", "campus-pool")
    assert pool["prefixes"] in (["10.50.0.0/16"], "10.50.0.0/16")
    assert pool["address_scope_id"] == scope["id"] and pool["is_default"] is False
    cloud.openstack("subnet", "pool", "set", "--pool-prefix", "10.60.0.0/16",
                    "--description", "grown", "campus-pool")
    shown = cloud.openstack_json("subnet", "pool", "show", "campus-pool")
    assert "10.60.0.0/16" in str(shown["prefixes"]) and shown["description"] == "grown"
    cloud.openstack("network", "create", "lab")
    first = cloud.openstack_json("subnet", "create", "--network", "lab", "--subnet-pool",
                                 "campus-pool", "--prefix-length", "24", "lab-a")
    assert first["cidr"] == "10.50.0.0/24" and first["subnetpool_id"] == pool["id"]
    second = cloud.openstack_json("subnet", "create", "--network", "lab", "--subnet-pool",
                                  "campus-pool", "lab-b")
    assert second["cidr"] == "10.50.1.0/26"
    refused = cloud.openstack("subnet", "pool", "delete", "campus-pool", check=False)
    assert refused.returncode != 0
    cloud.openstack("subnet", "delete", "lab-a", "lab-b")
    cloud.openstack("subnet", "pool", "delete", "campus-pool")
    cloud.openstack("address", "scope", "set", "--name", "campus2", "campus")
    cloud.openstack("address", "scope", "delete", "campus2")
    assert "campus" not in cloud.openstack("address", "scope", "list").stdout


def test_the_cli_walks_metering(cloud: CloudProcess) -> None:
    label = cloud.openstack_json("network", "meter", "create", "--description", "web traffic",
                                 "--share", "web")
    assert label["shared"] is True and label["description"] == "web traffic"
    rule = cloud.openstack_json("network", "meter", "rule", "create", "--ingress",
                                "--remote-ip-prefix", "10.0.0.0/24", "web")
    assert rule["direction"] == "ingress" and rule["metering_label_id"] == label["id"]
    excluded = cloud.openstack_json("network", "meter", "rule", "create", "--egress",
                                    "--exclude", "--remote-ip-prefix", "10.0.0.7/32", "web")
    assert excluded["is_excluded"] is True
    listed = cloud.openstack_json("network", "meter", "rule", "list")
    assert {r["ID"] for r in listed} == {rule["id"], excluded["id"]}
    shown = cloud.openstack_json("network", "meter", "rule", "show", rule["id"])
    assert shown["remote_ip_prefix"] == "10.0.0.0/24"
    assert "web" in cloud.openstack("network", "meter", "list").stdout
    cloud.openstack("network", "meter", "rule", "delete", rule["id"])
    cloud.openstack("network", "meter", "delete", "web")
    assert cloud.openstack_json("network", "meter", "rule", "list") == []


def test_the_cli_shares_a_network_with_one_project(cloud: CloudProcess) -> None:
    demo = cloud.openstack_json("project", "show", "demo")
    admin_net = cloud.openstack_json("network", "create", "lab-shared")
    assert not any(n["ID"] == admin_net["id"] for n in cloud.openstack_json(
        "network", "list", cloud="nimbus-demo"))
    policy = cloud.openstack_json("network", "rbac", "create", "--type", "network",
                                  "--action", "access_as_shared", "--target-project",
                                  demo["id"], "lab-shared")
    assert policy["target_project_id"] == demo["id"]
    assert policy["object_id"] == admin_net["id"]
    seen = cloud.openstack_json("network", "show", admin_net["id"], cloud="nimbus-demo")
    assert seen["shared"] is True
    listed = cloud.openstack_json("network", "rbac", "list")
    assert policy["id"] in {p["ID"] for p in listed}
    shown = cloud.openstack_json("network", "rbac", "show", policy["id"])
    assert shown["action"] == "access_as_shared"
    admin = cloud.openstack_json("project", "show", "admin")
    cloud.openstack("network", "rbac", "set", "--target-project", admin["id"], policy["id"])
    assert cloud.openstack("network", "show", admin_net["id"], cloud="nimbus-demo",
                           check=False).returncode != 0
    cloud.openstack("network", "rbac", "delete", policy["id"])
    cloud.openstack("network", "delete", "lab-shared")


def test_the_cli_walks_trunks(cloud: CloudProcess) -> None:
    for name, cidr in (("trunk-parent", "10.71.0.0/24"), ("trunk-a", "10.72.0.0/24"),
                       ("trunk-b", "10.73.0.0/24")):
        cloud.openstack("network", "create", name)
        cloud.openstack("subnet", "create", "--network", name, "--subnet-range", cidr, name)
        cloud.openstack("port", "create", "--network", name, f"{name}-port")
    trunk = cloud.openstack_json("network", "trunk", "create", "--parent-port",
                                 "trunk-parent-port", "--subport",
                                 "port=trunk-a-port,segmentation-type=vlan,"
                                 "segmentation-id=100", "--description", "two nets", "t1")
    assert trunk["status"] == "DOWN" and trunk["description"] == "two nets"
    cloud.openstack("network", "trunk", "set", "--subport",
                    "port=trunk-b-port,segmentation-type=vlan,segmentation-id=200", "t1")
    subports = cloud.openstack_json("network", "subport", "list", "--trunk", "t1")
    assert sorted(s["Segmentation ID"] for s in subports) == [100, 200]
    parent = cloud.openstack_json("port", "show", "trunk-parent-port")
    assert parent["trunk_details"]["trunk_id"] == trunk["id"]
    assert "t1" in cloud.openstack("network", "trunk", "list").stdout
    cloud.openstack("network", "trunk", "unset", "--subport", "trunk-a-port", "t1")
    shown = cloud.openstack_json("network", "trunk", "show", "t1")
    assert [s["segmentation_id"] for s in shown["sub_ports"]] == [200]
    held = cloud.openstack("port", "delete", "trunk-b-port", check=False)
    assert held.returncode != 0
    cloud.openstack("network", "trunk", "set", "--name", "t2", "--disable", "t1")
    assert cloud.openstack_json("network", "trunk", "show", "t2")["is_admin_state_up"] is False
    cloud.openstack("network", "trunk", "delete", "t2")
    cloud.openstack("port", "delete", "trunk-parent-port", "trunk-a-port", "trunk-b-port")


def test_the_cli_forwards_ports_and_routes(cloud: CloudProcess) -> None:
    cloud.openstack("network", "create", "pf-net")
    cloud.openstack("subnet", "create", "--network", "pf-net", "--subnet-range",
                    "10.74.0.0/24", "pf-sub")
    cloud.openstack("router", "create", "--external-gateway", "public", "pf-router")
    cloud.openstack("router", "add", "subnet", "pf-router", "pf-sub")
    port = cloud.openstack_json("port", "create", "--network", "pf-net", "pf-port")
    address = port["fixed_ips"][0]["ip_address"]
    fip = cloud.openstack_json("floating", "ip", "create", "public")["floating_ip_address"]
    made = cloud.openstack_json("floating", "ip", "port", "forwarding", "create",
                                "--internal-ip-address", address, "--port", "pf-port",
                                "--internal-protocol-port", "22",
                                "--external-protocol-port", "2222", "--protocol", "tcp",
                                "--description", "ssh", fip)
    assert made["external_port"] == 2222 and made["internal_port"] == 22
    listed = cloud.openstack_json("floating", "ip", "port", "forwarding", "list", fip)
    assert [f["ID"] for f in listed] == [made["id"]]
    cloud.openstack("floating", "ip", "port", "forwarding", "set", "--external-protocol-port",
                    "2200", fip, made["id"])
    shown = cloud.openstack_json("floating", "ip", "port", "forwarding", "show", fip,
                                 made["id"])
    assert shown["external_port"] == 2200 and shown["description"] == "ssh"
    refused = cloud.openstack("floating", "ip", "set", "--port", "pf-port", fip, check=False)
    assert refused.returncode != 0
    cloud.openstack("floating", "ip", "port", "forwarding", "delete", fip, made["id"])
    # Extra routes through a next hop on one of the router's subnets.
    cloud.openstack("router", "add", "route", "--route",
                    "destination=192.168.50.0/24,gateway=10.74.0.9", "pf-router")
    routes = cloud.openstack_json("router", "show", "pf-router")["routes"]
    assert "192.168.50.0/24" in str(routes)
    cloud.openstack("router", "remove", "route", "--route",
                    "destination=192.168.50.0/24,gateway=10.74.0.9", "pf-router")
    assert "192.168.50.0/24" not in str(cloud.openstack_json("router", "show",
                                                              "pf-router")["routes"])
    cloud.openstack("floating", "ip", "delete", fip)
    cloud.openstack("port", "delete", "pf-port")
    cloud.openstack("router", "remove", "subnet", "pf-router", "pf-sub")
    cloud.openstack("router", "delete", "pf-router")
    cloud.openstack("network", "delete", "pf-net")


def test_the_cli_walks_segments(cloud: CloudProcess) -> None:
    net = cloud.openstack_json("network", "create", "--provider-network-type", "vlan",
                               "--provider-physical-network", "physnet1",
                               "--provider-segment", "310", "seg-net")
    [own] = cloud.openstack_json("network", "segment", "list", "--network", "seg-net")
    assert own["Network Type"] == "vlan" and own["Segment"] == 310
    made = cloud.openstack_json("network", "segment", "create", "--network-type", "vlan",
                                "--physical-network", "physnet2", "--segment", "2016",
                                "--network", "seg-net", "--description", "rack 2", "rack-2")
    assert made["segmentation_id"] == 2016 and made["network_id"] == net["id"]
    cloud.openstack("network", "segment", "set", "--name", "rack-two", "rack-2")
    shown = cloud.openstack_json("network", "segment", "show", "rack-two")
    assert shown["description"] == "rack 2"
    subnet = cloud.openstack_json("subnet", "create", "--network", "seg-net",
                                  "--network-segment", "rack-two", "--subnet-range",
                                  "10.75.0.0/24", "seg-sub")
    assert subnet["segment_id"] == made["id"]
    assert cloud.openstack("network", "segment", "delete", "rack-two",
                           check=False).returncode != 0
    availability = cloud.openstack_json("ip", "availability", "show", "seg-net")
    assert availability["network_id"] == net["id"] and availability["total_ips"] == 253
    assert net["id"] in {a["Network ID"] for a in cloud.openstack_json(
        "ip", "availability", "list")}
    cloud.openstack("subnet", "delete", "seg-sub")
    cloud.openstack("network", "segment", "delete", "rack-two")
    assert len(cloud.openstack_json("network", "segment", "list", "--network",
                                    "seg-net")) == 1
    cloud.openstack("network", "delete", "seg-net")


def test_the_cli_gets_a_project_a_network(cloud: CloudProcess) -> None:
    demo = {"cloud": "nimbus-demo"}
    assert cloud.openstack("network", "auto", "allocated", "topology", "create",
                           "--check-resources", **demo).returncode == 0
    made = cloud.openstack_json("network", "auto", "allocated", "topology", "create", **demo)
    network = cloud.openstack_json("network", "show", made["id"], **demo)
    assert network["name"] == "auto_allocated_network"
    [subnet] = cloud.openstack_json("subnet", "list", "--network", made["id"], **demo)
    assert subnet["Subnet"].startswith("10.128.")
    again = cloud.openstack_json("network", "auto", "allocated", "topology", "create", **demo)
    assert again["id"] == made["id"]
    cloud.openstack("network", "auto", "allocated", "topology", "delete", **demo)
    assert cloud.openstack("network", "show", made["id"], check=False,
                           **demo).returncode != 0


def test_the_cli_changes_what_new_groups_get(cloud: CloudProcess) -> None:
    made = cloud.openstack_json("default", "security", "group", "rule", "create",
                                "--protocol", "tcp", "--dst-port", "8080", "--ingress",
                                "--for-custom-sg",
                                "--remote-ip", "10.9.0.0/16")
    assert made["used_in_non_default_sg"] is True and made["used_in_default_sg"] is False
    listed = cloud.openstack_json("default", "security", "group", "rule", "list")
    assert made["id"] in {r["ID"] for r in listed} and len(listed) == 5
    shown = cloud.openstack_json("default", "security", "group", "rule", "show", made["id"])
    assert shown["port_range_min"] == 8080
    group = cloud.openstack_json("security", "group", "create", "templated")
    rules = cloud.openstack_json("security", "group", "rule", "list", "templated")
    assert any(r["Port Range"] == "8080:8080" for r in rules), rules
    cloud.openstack("default", "security", "group", "rule", "delete", made["id"])
    cloud.openstack("security", "group", "delete", group["id"])


def test_the_cli_walks_address_groups(cloud: CloudProcess) -> None:
    group = cloud.openstack_json("address", "group", "create", "--description", "web peers",
                                 "--address", "192.0.2.10", "--address", "198.51.100.7/24",
                                 "peers")
    # The CLI makes a bare address a /32; the service keeps the network a prefix names.
    assert sorted(group["addresses"]) == ["192.0.2.10/32", "198.51.100.0/24"]
    assert group["description"] == "web peers"
    listed = cloud.openstack_json("address", "group", "list")
    assert [g["Name"] for g in listed if g["ID"] == group["id"]] == ["peers"]
    cloud.openstack("address", "group", "set", "--name", "web-peers", "--address",
                    "2001:db8::/64", "peers")
    shown = cloud.openstack_json("address", "group", "show", "web-peers")
    assert "2001:db8::/64" in shown["addresses"] and shown["id"] == group["id"]
    cloud.openstack("address", "group", "unset", "--address", "192.0.2.10", "web-peers")
    shown = cloud.openstack_json("address", "group", "show", "web-peers")
    assert sorted(shown["addresses"]) == ["198.51.100.0/24", "2001:db8::/64"]
    # Adding one it has is refused, as in Neutron.
    assert cloud.openstack("address", "group", "set", "--address", "198.51.100.0/24",
                           "web-peers", check=False).returncode != 0
    cloud.openstack("security", "group", "create", "from-peers")
    rule = cloud.openstack_json("security", "group", "rule", "create", "--ingress",
                                "--protocol", "tcp", "--dst-port", "443",
                                "--remote-address-group", "web-peers", "from-peers")
    assert rule["remote_address_group_id"] == group["id"]
    rules = cloud.openstack_json("security", "group", "rule", "list", "from-peers")
    assert [r["Remote Address Group"] for r in rules if r["ID"] == rule["id"]] == [group["id"]]
    held = cloud.openstack("address", "group", "delete", "web-peers", check=False)
    assert held.returncode != 0
    cloud.openstack("security", "group", "rule", "delete", rule["id"])
    cloud.openstack("address", "group", "delete", "web-peers")
    cloud.openstack("security", "group", "delete", "from-peers")
    assert "web-peers" not in cloud.openstack("address", "group", "list").stdout


def test_the_cli_walks_flavors_and_conntrack_helpers(cloud: CloudProcess) -> None:
    flavor = cloud.openstack_json("network", "flavor", "create", "--service-type",
                                  "L3_ROUTER_NAT", "--description", "fast routers", "gold")
    assert flavor["service_type"] == "L3_ROUTER_NAT" and flavor["enabled"] is True
    assert cloud.openstack("network", "flavor", "create", "--service-type", "VPN", "bad",
                           check=False).returncode != 0
    profile = cloud.openstack_json("network", "flavor", "profile", "create", "--driver",
                                   "nimbus", "--description", "the provider")
    assert profile["driver"] == "nimbus" and profile["enabled"] is True
    listed = cloud.openstack_json("network", "flavor", "profile", "list")
    assert profile["id"] in {p["ID"] for p in listed}
    shown_profile = cloud.openstack_json("network", "flavor", "profile", "show", profile["id"])
    assert shown_profile["description"] == "the provider"
    cloud.openstack("network", "flavor", "add", "profile", "gold", profile["id"])
    shown = cloud.openstack_json("network", "flavor", "show", "gold")
    assert profile["id"] in str(shown["service_profile_ids"])
    assert [f["Name"] for f in cloud.openstack_json("network", "flavor", "list")
            if f["ID"] == flavor["id"]] == ["gold"]

    router = cloud.openstack_json("router", "create", "--flavor", "gold", "ct-router")
    assert router["flavor_id"] == flavor["id"]
    # A flavor a router was made with stays.
    assert cloud.openstack("network", "flavor", "delete", "gold", check=False).returncode != 0
    helper = cloud.openstack_json("network", "l3", "conntrack", "helper", "create",
                                  "--helper", "ftp", "--protocol", "tcp", "--port", "21",
                                  "ct-router")
    assert (helper["helper"], helper["protocol"], helper["port"]) == ("ftp", "tcp", 21)
    assert cloud.openstack("network", "l3", "conntrack", "helper", "create", "--helper",
                           "ftp", "--protocol", "udp", "--port", "21", "ct-router",
                           check=False).returncode != 0
    listed = cloud.openstack_json("network", "l3", "conntrack", "helper", "list", "ct-router")
    assert [(h["ID"], h["Helper"], h["Port"]) for h in listed] == [(helper["id"], "ftp", 21)]
    cloud.openstack("network", "l3", "conntrack", "helper", "set", "--port", "2121",
                    "ct-router", helper["id"])
    shown_helper = cloud.openstack_json("network", "l3", "conntrack", "helper", "show",
                                        "ct-router", helper["id"])
    assert shown_helper["port"] == 2121
    cloud.openstack("network", "l3", "conntrack", "helper", "delete", "ct-router",
                    helper["id"])
    assert cloud.openstack_json("network", "l3", "conntrack", "helper", "list",
                                "ct-router") == []
    cloud.openstack("router", "delete", "ct-router")

    cloud.openstack("network", "flavor", "set", "--disable", "--name", "silver", "gold")
    assert cloud.openstack_json("network", "flavor", "show", "silver")["enabled"] is False
    cloud.openstack("network", "flavor", "remove", "profile", "silver", profile["id"])
    cloud.openstack("network", "flavor", "delete", "silver")
    cloud.openstack("network", "flavor", "profile", "delete", profile["id"])
    assert profile["id"] not in cloud.openstack("network", "flavor", "profile", "list").stdout
