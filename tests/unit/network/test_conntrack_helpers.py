"""Routers' conntrack helpers (Neutron's ``l3-conntrack-helper``): the allowed helpers over
their protocols, one rule once per router, the router's owner alone, and the nftables table
that assigns them in the router's namespace."""

from __future__ import annotations

import logging
import subprocess
from typing import Any

import pytest
from sqlalchemy import select

from nimbus.network.agent import topology as agent_topology
from nimbus.network.db import models
from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.cthelpers import TABLE, helper_rules, probe_rules
from nimbus.network.drivers.linux.model import HelperRec
from nimbus.network.drivers.linux.plan_l3 import plan_l3
from nimbus.network.drivers.linux.routers import Routers, RouterWant
from tests.unit.network.conftest import Net

COVERS = [("network", "router conntrack helpers: create, list (filters, sorting, fields), "
                      "show, update, delete; helpers and protocols checked against the allowed "
                      "list, duplicates refused, protection; the nftables ct helper table in "
                      "the router, a helper the kernel refuses left out")]

MISSING = "00000000-0000-0000-0000-00000000c7c7"


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _base(router: dict[str, Any]) -> str:
    return f"/v2.0/routers/{router['id']}/conntrack_helpers"


def _helper(protocol: str, port: int | str, helper: str) -> dict[str, Any]:
    return {"conntrack_helper": {"protocol": protocol, "port": port, "helper": helper}}


def test_helpers_of_a_router(net: Net) -> None:
    router = net.router()
    api, base = net.as_("member"), _base(router)
    made = api.post(base, json=_helper("tcp", 21, "ftp"))
    assert made.status_code == 201, made.text
    ftp = made.json()["conntrack_helper"]
    # Neutron shows no project: the router says whose it is.
    assert set(ftp) == {"id", "protocol", "port", "helper"}
    assert (ftp["protocol"], ftp["port"], ftp["helper"]) == ("tcp", 21, "ftp")
    tftp = api.post(base, json=_helper("udp", "69", "tftp")).json()["conntrack_helper"]
    assert tftp["port"] == 69
    sip = api.post(base, json=_helper("udp", 5060, "sip")).json()["conntrack_helper"]
    driver = net.cloud.runtimes["network"].state.driver
    assert driver.calls.count(("sync_router", router["id"])) >= 4

    listed = api.get(base, params={"protocol": "udp", "sort_key": "port",
                                   "sort_dir": "desc"}).json()["conntrack_helpers"]
    assert [h["id"] for h in listed] == [sip["id"], tftp["id"]]
    fields = api.get(base, params={"fields": "helper", "port": "21"}).json()
    assert fields["conntrack_helpers"] == [{"helper": "ftp"}]
    page = api.get(base, params={"limit": 2, "sort_key": "port"}).json()
    assert [h["port"] for h in page["conntrack_helpers"]] == [21, 69]
    assert page["conntrack_helpers_links"][0]["rel"] == "next"
    assert api.get(f"{base}/{ftp['id']}").json()["conntrack_helper"] == ftp

    # One rule once per router: the same protocol, port and helper again is a bad request.
    again = api.post(base, json=_helper("tcp", 21, "ftp"))
    assert again.status_code == 400 and fault(again)["type"] == "BadRequest"
    assert "A duplicate conntrack helper entry with same attributes already exists" in \
        fault(again)["message"]
    clash = api.put(f"{base}/{sip['id']}", json={"conntrack_helper": {
        "protocol": "udp", "port": 69, "helper": "tftp"}})
    assert clash.status_code == 400 and "duplicate" in fault(clash)["message"]
    # Another router may have the same rule.
    assert api.post(_base(net.router(name="r2")), json=_helper("tcp", 21, "ftp")
                    ).status_code == 201

    moved = api.put(f"{base}/{ftp['id']}", json={"conntrack_helper": {"port": 2121}})
    assert moved.status_code == 200 and moved.json()["conntrack_helper"]["port"] == 2121
    assert api.get(f"{base}/{ftp['id']}").json()["conntrack_helper"]["port"] == 2121
    assert api.delete(f"{base}/{ftp['id']}").status_code == 204
    gone = api.get(f"{base}/{ftp['id']}")
    assert gone.status_code == 404 and fault(gone)["type"] == "ConntrackHelperNotFound"
    assert api.delete(f"{base}/{ftp['id']}").status_code == 404

    # The router's helpers go with it.
    assert api.delete(f"/v2.0/routers/{router['id']}").status_code == 204
    with net.cloud.db.reader() as session:
        left = session.scalars(select(models.ConntrackHelper.router_id)).all()
    assert router["id"] not in left


def test_helper_faults(net: Net) -> None:
    router = net.router()
    api, base = net.as_("member"), _base(router)
    refused = api.post(base, json=_helper("tcp", 21, "telnet"))
    assert refused.status_code == 400
    assert fault(refused) == {"type": "ConntrackHelperNotAllowed", "detail": "",
                              "message": "Conntrack Helper telnet is not allowed."}
    wrong = api.post(base, json=_helper("udp", 21, "ftp"))
    assert wrong.status_code == 400 and fault(wrong)["type"] == "InvalidProtocolForHelper"
    assert fault(wrong)["message"] == ("Conntrack Helper ftp does not support: udp. Supported "
                                       "protocols are: tcp")
    both = api.post(base, json=_helper("tcp", 5060, "sip"))
    assert both.status_code == 201
    for body, attr in ((_helper("gre", 21, "ftp"), "protocol"),
                       (_helper("TCP", 21, "ftp"), "protocol"),
                       (_helper("tcp", 0, "ftp"), "port"),
                       (_helper("tcp", 65536, "ftp"), "port"),
                       (_helper("tcp", "x", "ftp"), "port"),
                       (_helper("tcp", 21, "f" * 65), "helper")):
        resp = api.post(base, json=body)
        assert resp.status_code == 400, body
        assert fault(resp)["type"] == "HTTPBadRequest" and attr in fault(resp)["message"]
    missing = api.post(base, json={"conntrack_helper": {"protocol": "tcp", "port": 21}})
    assert missing.status_code == 400 and "'helper'" in fault(missing)["message"]
    made = both.json()["conntrack_helper"]
    owner = api.put(f"{base}/{made['id']}", json={"conntrack_helper": {"project_id": "x"}})
    assert owner.status_code == 400 and "read-only" in fault(owner)["message"]
    unknown = api.put(f"{base}/{made['id']}", json={"conntrack_helper": {"zone": 1}})
    assert unknown.status_code == 400
    # Changed to a helper over a protocol it does not take: refused, and nothing changed.
    assert api.put(f"{base}/{made['id']}", json={"conntrack_helper": {
        "helper": "tftp"}}).status_code == 400
    assert api.get(f"{base}/{made['id']}").json()["conntrack_helper"]["helper"] == "sip"

    nowhere = api.get(f"/v2.0/routers/{MISSING}/conntrack_helpers")
    assert nowhere.status_code == 404 and fault(nowhere)["type"] == "RouterNotFound"
    assert api.post(f"/v2.0/routers/{MISSING}/conntrack_helpers",
                    json=_helper("tcp", 21, "ftp")).status_code == 404
    # A helper is found only under its own router.
    other = _base(net.router(name="r2"))
    elsewhere = api.get(f"{other}/{made['id']}")
    assert elsewhere.status_code == 404 and fault(elsewhere)["type"] == "ConntrackHelperNotFound"
    assert api.delete(f"{other}/{made['id']}").status_code == 404
    assert api.get(base, params={"sort_key": "zone"}).status_code == 400


@pytest.mark.parametrize("persona", ["reader", "other"])
def test_helper_protection(net: Net, persona: str) -> None:
    router = net.router()
    base = _base(router)
    made = net.as_("member").post(base, json=_helper("tcp", 21, "ftp")).json()["conntrack_helper"]
    api = net.as_(persona)
    # A reader of the router's project reads its helpers; another project does not see it.
    seen = 200 if persona == "reader" else 404
    write = 403 if persona == "reader" else 404
    assert api.get(base).status_code == seen
    assert api.get(f"{base}/{made['id']}").status_code == seen
    assert api.post(base, json=_helper("udp", 69, "tftp")).status_code == write
    assert api.put(f"{base}/{made['id']}", json={"conntrack_helper": {
        "port": 2121}}).status_code == write
    assert api.delete(f"{base}/{made['id']}").status_code == write
    # An admin sees and changes any project's.
    admin = net.as_("admin")
    assert admin.get(f"{base}/{made['id']}").status_code == 200
    assert admin.put(f"{base}/{made['id']}", json={"conntrack_helper": {
        "port": 2121}}).status_code == 200


def test_the_agent_gives_each_router_its_helpers(net: Net) -> None:
    public, _ = net.public()
    router = net.router(external_gateway_info={"network_id": public["id"]})
    lonely = net.router(name="no-legs")
    api = net.as_("member")
    api.post(_base(router), json=_helper("tcp", 21, "ftp"))
    api.post(_base(router), json=_helper("udp", 5060, "sip"))
    api.post(_base(lonely), json=_helper("tcp", 21, "ftp"))
    top = agent_topology.read(net.cloud.db)
    assert sorted((h.router_id, h.protocol, h.port, h.helper) for h in top.helpers) == sorted([
        (router["id"], "tcp", 21, "ftp"), (router["id"], "udp", 5060, "sip"),
        (lonely["id"], "tcp", 21, "ftp")])
    planned = plan_l3(top, names.Namespaces("nimbus-test")).routers
    assert planned[router["id"]].helpers == (HelperRec(router["id"], "tcp", 21, "ftp"),
                                             HelperRec(router["id"], "udp", 5060, "sip"))
    # A router with neither a gateway nor an interface has no namespace to help in.
    assert lonely["id"] not in planned


def test_the_helper_table_assigns_each_helper_to_its_port() -> None:
    helpers = (HelperRec("r", "udp", 5060, "sip"), HelperRec("r", "tcp", 21, "ftp"),
               HelperRec("r", "tcp", 2121, "ftp"), HelperRec("r", "udp", 1719, "h323"),
               HelperRec("r", "tcp", 1720, "h323"), HelperRec("r", "udp", 137, "netbios-ns"),
               HelperRec("r", "icmp", 7, "ftp"))
    rules = helper_rules(helpers)
    assert rules.startswith(f"add table inet {TABLE}\ndelete table inet {TABLE}\n")
    # One object per helper and protocol, under the kernel's own name (H.323 has two).
    assert '    ct helper ftp_tcp { type "ftp" protocol tcp; }' in rules
    assert rules.count("ct helper ftp_tcp {") == 1
    assert 'ct helper h323_udp { type "RAS" protocol udp; }' in rules
    assert 'ct helper h323_tcp { type "Q.931" protocol tcp; }' in rules
    assert 'ct helper netbios_ns_udp { type "netbios-ns" protocol udp; }' in rules
    # After conntrack, before DNAT: the port the client asked for.
    assert "type filter hook prerouting priority -150;" in rules
    chain = rules[rules.index("chain prerouting"):].splitlines()[2:-2]
    assert [line.strip() for line in chain] == [
        'tcp dport 21 ct helper set "ftp_tcp"', 'tcp dport 1720 ct helper set "h323_tcp"',
        'tcp dport 2121 ct helper set "ftp_tcp"', 'udp dport 137 ct helper set "netbios_ns_udp"',
        'udp dport 1719 ct helper set "h323_udp"', 'udp dport 5060 ct helper set "sip_udp"']
    # No kernel helper follows ICMP, and nft could not name one.
    assert "icmp" not in rules
    # Without helpers the table goes.
    assert helper_rules(()) == f"add table inet {TABLE}\ndelete table inet {TABLE}\n"
    probe = probe_rules("ftp", "tcp")
    assert 'ct helper ftp_tcp { type "ftp" protocol tcp; }' in probe
    assert probe.rstrip().endswith(f"delete table inet {TABLE}-probe")


class _Ip:
    """Enough of ``Ip`` for the router's nft runs."""

    namespaces = names.Namespaces("nimbus-test")

    def exec_argv(self, ns: str, argv: list[str]) -> list[str]:
        return argv


def test_a_helper_the_kernel_refuses_is_left_out(monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    # The kernel's amanda helper follows UDP: nft refuses it over TCP, and with it the table.
    applied: list[str] = []

    def nft(self: Routers, ns: str, rules: str) -> subprocess.CompletedProcess[str]:
        applied.append(rules)
        refused = 'type "amanda" protocol tcp' in rules
        return subprocess.CompletedProcess([], 1 if refused else 0, "",
                                           "Error: Could not process rule: No such file or "
                                           "directory" if refused else "")

    monkeypatch.setattr(Routers, "_nft", nft)
    routers = Routers(_Ip(), None)  # type: ignore[arg-type]
    helpers = (HelperRec("r1", "tcp", 21, "ftp"), HelperRec("r1", "tcp", 10080, "amanda"))
    want = RouterWant("r1", True, (), None, None, (), (), (), helpers=helpers)
    with caplog.at_level(logging.WARNING):
        routers._helpers(want)
    assert "amanda/tcp refused by the kernel" in caplog.text
    # The whole table, a probe per helper, then the table without the refused one.
    assert len(applied) == 4
    assert applied[-1] == helper_rules(helpers[:1])
    # Nothing is tried again until the router's helpers change.
    routers._helpers(want)
    assert len(applied) == 4
    routers._helpers(RouterWant("r1", True, (), None, None, (), (), (), helpers=helpers[:1]))
    assert len(applied) == 5 and applied[-1] == helper_rules(helpers[:1])
