"""Metering labels counted in the routers' namespaces: the nftables table each router gets,
how its counters are read, and what the agent reports from them."""

from __future__ import annotations

import json
import sys

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.metering import (
    MeterReport,
    counter_name,
    meter_rules,
    read_counters,
)
from nimbus.network.drivers.linux.model import MeterRec, MeterRuleRec, RouterRec, Topology
from nimbus.network.drivers.linux.plan_l3 import plan_l3
from tests.unit.network.test_linux_plan import NS, _port, _topology

COVERS = [("network", "linux driver: metering labels become nftables counters in their "
                      "routers (ingress and egress through the gateway, excluded first); the "
                      "agent reports each label's new bytes and packets as l3.meter")]

LABEL = "11111111-aaaa-bbbb-cccc-000000000001"


def _meter(shared: bool = False, project: str = "p") -> MeterRec:
    return MeterRec(LABEL, project, shared, (
        MeterRuleRec("egress", False, "0.0.0.0/0", None, None),
        MeterRuleRec("egress", True, "172.24.4.9/32", None, None),
        MeterRuleRec("ingress", False, None, "192.0.2.0/24", "10.0.0.0/24")))


def test_a_label_counts_through_the_gateway_excluded_traffic_first() -> None:
    rules = meter_rules("gw-port-0000-0000", (_meter(),))
    qg, name = names.gateway_leg("gw-port-0000-0000"), counter_name(LABEL)
    assert f"counter {name} {{ }}" in rules
    assert f'oifname "{qg}" jump {name}_egress' in rules
    assert f'iifname "{qg}" jump {name}_ingress' in rules
    egress = rules[rules.index(f"chain {name}_egress"):]
    assert egress.index("ip daddr 172.24.4.9/32 return") < egress.index(
        f'counter name "{name}" return')
    assert f'ip saddr 192.0.2.0/24 ip daddr 10.0.0.0/24 counter name "{name}" return' in rules
    # Without a gateway there is nothing to count.
    assert "counter" not in meter_rules(None, (_meter(),))


def test_labels_count_on_their_projects_routers_or_every_router_when_shared() -> None:
    gateway = _port("p-gw-000000-0000", owner="network:router_gateway", device_id="r1")
    top: Topology = _topology(gateway)
    top.routers["r1"] = RouterRec("r1", True, gateway.id, True, (), "p")
    top.meters = [_meter(project="p"), MeterRec("other", "q", False, ()),
                  MeterRec("everyone", "q", True, ())]
    meters = plan_l3(top, NS).routers["r1"].meters
    assert [m.label_id for m in meters] == [LABEL, "everyone"]


def test_counters_are_read_and_reported_as_what_is_new() -> None:
    listing = {"nftables": [{"metainfo": {}}, {"counter": {
        "family": "ip", "name": counter_name(LABEL), "table": "nimbus-meter",
        "packets": 12, "bytes": 9000}}]}
    argv = [sys.executable, "-c", f"print({json.dumps(json.dumps(listing))})"]
    assert read_counters(argv) == {LABEL: (12, 9000)}
    assert read_counters([sys.executable, "-c", "raise SystemExit(1)"]) == {}
    report = MeterReport()
    first = report.deltas({"r1": {LABEL: (12, 9000)}, "r2": {LABEL: (1, 100)}},
                          {LABEL: "p"}, "host-a")
    assert [(d["label_id"], d["pkts"], d["bytes"], d["tenant_id"], d["host"])
            for d in first] == [(LABEL, 13, 9100, "p", "host-a")]
    # Only what is new; nothing new, nothing said; a counter made again counts from zero.
    assert report.deltas({"r1": {LABEL: (12, 9000)}, "r2": {LABEL: (1, 100)}},
                         {LABEL: "p"}, "host-a") == []
    again = report.deltas({"r1": {LABEL: (2, 300)}, "r2": {LABEL: (1, 100)}}, {}, "host-a")
    assert [(d["pkts"], d["bytes"]) for d in again] == [(2, 300)]
