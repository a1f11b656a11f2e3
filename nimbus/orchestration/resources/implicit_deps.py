"""The dependencies Heat adds between networking resources that the template does not state.

A port on a network must wait for the subnets of that network (or it gets no address), a
server for the subnets of the networks it is on, a router for the subnets of its gateway's
network, and a floating IP for the router and the router interface that make its port
reachable. Heat derives these from the properties as written; so does ``implicit_needs``,
comparing property values as snippets (``{get_resource: net}`` on both sides is the same
network, as is the same literal name or id).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SUBNET, PORT, SERVER = "OS::Neutron::Subnet", "OS::Neutron::Port", "OS::Nova::Server"
ROUTER, INTERFACE = "OS::Neutron::Router", "OS::Neutron::RouterInterface"
FLOATING, ASSOCIATION = "OS::Neutron::FloatingIP", "OS::Neutron::FloatingIPAssociation"


def _first(props: dict[str, Any], *keys: str) -> Any:
    return next((props[k] for k in keys if props.get(k) is not None), None)


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _reaches(needs: dict[str, set[str]], start: str, target: str) -> bool:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name == target:
            return True
        if name in seen:
            continue
        seen.add(name)
        todo.extend(needs.get(name, ()))
    return False


def _port_subnets(props: dict[str, Any]) -> list[Any]:
    return [_first(_map(ip), "subnet", "subnet_id") for ip in _list(props.get("fixed_ips"))]


def implicit_needs(types: dict[str, str], props: dict[str, Any],
                   needs: dict[str, set[str]]) -> dict[str, set[str]]:
    """Extra requirements by resource name: ``types`` are the resources' (mapped) types,
    ``props`` their properties as written (or partly resolved), ``needs`` what each already
    requires. An edge that would close a circle is left out."""
    of = {t: [n for n in types if types[n] == t] for t in set(types.values())}
    found: dict[str, set[str]] = {n: set() for n in types}

    def props_of(name: str) -> dict[str, Any]:
        return _map(props.get(name))

    def subnet_net(name: str) -> Any:
        return _first(props_of(name), "network", "network_id")

    def add(name: str, others: Iterable[str]) -> None:
        for other in others:
            if other != name and not _reaches(needs, other, name):
                found[name].add(other)

    for name in of.get(PORT, []):
        network = _first(props_of(name), "network", "network_id")
        add(name, [s for s in of.get(SUBNET, []) if subnet_net(s) == network])
    for name in of.get(SERVER, []):
        nets = [_map(n) for n in _list(props_of(name).get("networks"))]
        if not nets:
            continue
        for subnet in of.get(SUBNET, []):
            owner = subnet_net(subnet)
            wanted = [_first(n, "network", "uuid") for n in nets]
            if owner is None or any(w is None or w == owner for w in wanted):
                add(name, [subnet])
    for name in of.get(ROUTER, []):
        gateway = _map(props_of(name).get("external_gateway_info")).get("network")
        if gateway is not None:
            add(name, [s for s in of.get(SUBNET, []) if subnet_net(s) == gateway])

    def interfaces_for(name: str) -> list[str]:
        """The router interfaces on the subnets of the ports ``name`` requires."""
        chosen = []
        ports = [p for p in needs.get(name, set()) if types.get(p) == PORT]
        for interface in of.get(INTERFACE, []):
            subnet = _first(props_of(interface), "subnet", "subnet_id")
            for port in ports:
                subnets = _port_subnets(props_of(port))
                if subnets:
                    match = subnet in subnets
                else:
                    # A port without fixed IPs is on every subnet of its network.
                    match = subnet is None or (
                        _is_ref_to(subnet, of.get(SUBNET, [])) and
                        subnet_net(_ref_name(subnet)) == _first(props_of(port), "network",
                                                                "network_id"))
                if match:
                    chosen.append(interface)
                    break
        return chosen

    for name in of.get(FLOATING, []):
        network = _first(props_of(name), "floating_network", "floating_network_id")
        routers = [r for r in of.get(ROUTER, [])
                   if _map(props_of(r).get("external_gateway_info")).get("network") == network]
        add(name, routers + interfaces_for(name))
    for name in of.get(ASSOCIATION, []):
        add(name, interfaces_for(name))
    return {n: extra for n, extra in found.items() if extra}


def _ref_name(value: Any) -> str:
    return str(_map(value).get("get_resource") or value)


def _is_ref_to(value: Any, names: list[str]) -> bool:
    return isinstance(value, dict) and _map(value).get("get_resource") in names
