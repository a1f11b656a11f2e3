"""Networks for servers: checking what a create request asks for, and wiring ports.

The API side checks requested networks and ports before a server is recorded (so an unknown one is
a 400 naming it); the agent creates or binds the ports on its host. What the ports give the
server's ``addresses`` is a view (``schemas/server_views.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from nimbus.clients.network import NetworkClient
from nimbus.core.errors import BadRequest, Conflict, NimbusError, NotFound

LOG = logging.getLogger(__name__)
DEVICE_OWNER = "compute:nova"


def _usable(network: dict[str, Any], project_id: str) -> bool:
    owner = network.get("project_id", network.get("tenant_id"))
    return bool(network.get("shared")) or owner == project_id


def port_info(port: dict[str, Any], net_name: str, created: bool, tag: str | None) -> dict[str, Any]:
    return {"port_id": port["id"], "net_id": port["network_id"], "net_name": net_name,
            "mac": port.get("mac_address", ""), "fixed_ips": port.get("fixed_ips", []),
            "status": port.get("status", "ACTIVE"), "created": created, "tag": tag,
            # How the host plugs it (a real network driver's tap, and where it lives).
            "vif_type": port.get("binding:vif_type"),
            "vif_details": dict(port.get("binding:vif_details") or {})}


class Networking:
    """The server side of ports: what the user asked for, and the ports made for it."""

    def __init__(self, client: NetworkClient) -> None:
        self.client = client

    @staticmethod
    def _auto_allocated(client: NetworkClient, project_id: str) -> list[dict[str, Any]]:
        try:
            topology = client.auto_allocated_topology(project_id)
            return [client.get_network(str(topology["id"]))]
        except NimbusError as exc:
            LOG.info("no network could be allocated for project %s: %s", project_id, exc)
            return []

    def resolve_requested(self, project_id: str, requested: Any, is_admin: bool = False,
                          caller: NetworkClient | None = None) -> list[dict[str, Any]]:
        """Turn the create request's ``networks`` into ``[{net_id, port_id, fixed_ip, tag}]``.

        ``requested`` is ``"auto"``, ``"none"``, None (pre-2.37: pick the only usable network) or a
        list of ``{"uuid"|"port", "fixed_ip", "tag"}``. ``caller`` is the network client acting
        with the caller's own token: what it cannot see, the server cannot use.
        """
        client = caller or self.client
        if requested == "none":
            return []
        if requested in ("auto", None):
            candidates = [n for n in client.list_networks(project_id=project_id)
                          if not n.get("router:external")]
            if not candidates:
                candidates = [n for n in client.list_networks(shared=True)
                              if not n.get("router:external")]
            if not candidates and requested == "auto":
                # Nova's "get me a network": the network service makes the project one.
                candidates = self._auto_allocated(client, project_id)
            if not candidates:
                if requested is None:
                    return []
                raise BadRequest("Unable to automatically allocate a network for project "
                                 f"{project_id}: no usable network exists.")
            if len(candidates) > 1:
                raise Conflict("Multiple possible networks found, use a Network ID to be more "
                               "specific.")
            return [{"net_id": candidates[0]["id"], "net_name": candidates[0].get("name", ""),
                     "port_id": None, "fixed_ip": None, "tag": None,
                     "port_security": candidates[0].get("port_security_enabled", True)}]
        result: list[dict[str, Any]] = []
        for item in requested:
            port_id, net_id = item.get("port"), item.get("uuid")
            entry: dict[str, Any] = {"net_id": net_id, "port_id": port_id,
                                     "fixed_ip": item.get("fixed_ip"), "tag": item.get("tag")}
            if port_id:
                try:
                    port = client.get_port(port_id)
                except NotFound:
                    raise BadRequest(f"Port id {port_id} could not be found.") from None
                if not is_admin and port.get("project_id", port.get("tenant_id")) != project_id:
                    raise BadRequest(f"Port id {port_id} could not be found.")
                if port.get("device_id"):
                    raise Conflict(f"Port {port_id} is still in use.")
                entry["net_id"] = port["network_id"]
                # What its QoS policy asks of Placement: only the service may read it.
                entry["resource_request"] = self.client.get_port(port_id).get(
                    "resource_request") if client is not self.client \
                    else port.get("resource_request")
            try:
                network = client.get_network(entry["net_id"])
            except NotFound:
                network = None
            if network is None or not (is_admin or _usable(network, project_id)):
                raise BadRequest(f"Network {entry['net_id']} could not be found.")
            entry["net_name"] = network.get("name", "")
            entry["port_security"] = network.get("port_security_enabled", True)
            result.append(entry)
        return result

    @staticmethod
    def server_security_groups(requested: list[dict[str, Any]],
                               groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The groups a new server records. As Nova: on networks without port security no
        group applies, so "default" (asked for or implied) is dropped and any other refused."""
        new_ports = [r for r in requested if not r.get("port_id")]
        if new_ports and not any(r.get("port_security", True) for r in new_ports):
            if {str(g.get("name")) for g in groups} - {"default"}:
                raise BadRequest("Network requires port_security_enabled and subnet associated "
                                 "in order to apply security groups.")
            return []
        return groups or [{"name": "default"}]

    def allocate(self, instance: dict[str, Any], host: str, requested: list[dict[str, Any]],
                 placed: dict[str, dict[str, str]] | None = None) -> list[dict[str, Any]]:
        """Create (or bind) one port per requested network; undo what was done on failure.
        ``placed``: port id -> {request group: provider} of the ports whose QoS asked for
        resources, told to the network service in ``binding:profile.allocation``."""
        done: list[dict[str, Any]] = []
        binding = {"device_id": instance["uuid"], "device_owner": DEVICE_OWNER,
                   "binding:host_id": host}
        try:
            for req in requested:
                if req.get("port_id"):
                    extra = {"binding:profile": {"allocation": placed[req["port_id"]]}} \
                        if placed and req["port_id"] in placed else {}
                    port = self.client.update_port(req["port_id"], {**binding, **extra})
                    done.append(port_info(port, req.get("net_name", ""), False, req.get("tag")))
                    continue
                body: dict[str, Any] = dict(binding, network_id=req["net_id"],
                                            project_id=instance["project_id"])
                # As Nova does with dns-integration: the port takes the server's hostname,
                # so the network's DHCP server hands it out and answers for it in DNS.
                hostname = str(instance.get("hostname") or "").split(".")[0]
                if hostname:
                    body["dns_name"] = hostname
                if req.get("fixed_ip"):
                    body["fixed_ips"] = [{"ip_address": req["fixed_ip"]}]
                groups = self.security_group_ids(instance)
                if groups:
                    body["security_groups"] = groups
                port = self.client.create_port(body)
                done.append(port_info(port, req.get("net_name", ""), True, req.get("tag")))
            if any(not info["created"] for info in done):
                # A port the user brought may already hold a floating IP.
                done = self.refresh(done)
        except Exception:
            self.deallocate(done)
            raise
        return done

    def security_group_ids(self, instance: dict[str, Any]) -> list[str]:
        """Ids of the server's named groups; "default" alone is left to Neutron's own default."""
        names = [str(g.get("name")) for g in instance.get("security_groups") or []]
        if not names or names == ["default"]:
            return []
        return [find_security_group(self.client, name, instance["project_id"])
                for name in names]

    def check_security_groups(self, caller: NetworkClient, project_id: str,
                              groups: list[dict[str, Any]]) -> None:
        """Refuse (400) a group the caller cannot see in its project, before anything is made."""
        for name in dict.fromkeys(str(g.get("name")) for g in groups):
            if name != "default":
                find_security_group(caller, name, project_id)

    def release(self, instance_uuid: str, ports: list[dict[str, Any]],
                requested: list[dict[str, Any]]) -> None:
        """Release the server's recorded ports and any other port still bound to it (made by
        a build cut short before it recorded them); never raises."""
        self.deallocate(ports)
        self.deallocate(self.leftovers(instance_uuid, ports, requested))

    def leftovers(self, instance_uuid: str, known: list[dict[str, Any]],
                  requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Ports bound to the server beyond ``known``, as ``port_info`` records: the ones the
        user brought (named in ``requested``) are to be unbound, ours to be deleted."""
        try:
            bound = self.client.list_ports(device_id=instance_uuid)
        except NimbusError as exc:
            LOG.warning("could not list the ports of %s: %s", instance_uuid, exc)
            return []
        seen = {p.get("port_id") for p in known}
        brought = {r.get("port_id") for r in requested if r.get("port_id")}
        found = []
        for port in bound:
            if port["id"] in seen or port.get("device_id") != instance_uuid:
                continue
            if port["id"] in brought or port.get("device_owner") == DEVICE_OWNER:
                found.append(port_info(port, "", port["id"] not in brought, None))
        return found

    def refresh(self, ports: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The server's port records with the fixed and floating IPs Neutron has for them now
        (what Nova's network info cache learns on a ``network-changed`` event)."""
        if not ports:
            return []
        ids = [str(p["port_id"]) for p in ports]
        current = {p["id"]: p for p in self.client.list_ports(id=ids)}
        floating: dict[str, list[str]] = {}
        for fip in self.client.list_floatingips(port_id=ids):
            floating.setdefault(str(fip.get("port_id")), []).append(
                str(fip["floating_ip_address"]))
        refreshed = []
        for info in ports:
            port = current.get(info["port_id"])
            updated = dict(info, floating_ips=sorted(floating.get(info["port_id"], [])))
            if port is not None:
                updated.update(fixed_ips=port.get("fixed_ips", []),
                               status=port.get("status", info.get("status")))
            refreshed.append(updated)
        return refreshed

    # -- moves ------------------------------------------------------------------------------
    def rebind(self, ports: list[dict[str, Any]], host: str,
               placed: dict[str, dict[str, str]] | None = None) -> list[dict[str, Any]]:
        """Bind the server's ports to ``host`` (a cold move); the records with how it plugs
        them there. ``placed``: as for ``allocate``."""
        out = []
        for info in ports:
            body: dict[str, Any] = {"binding:host_id": host}
            if placed and info["port_id"] in placed:
                body["binding:profile"] = {"allocation": placed[info["port_id"]]}
            port = self.client.update_port(info["port_id"], body)
            out.append(dict(info, vif_type=port.get("binding:vif_type"),
                            vif_details=dict(port.get("binding:vif_details") or {})))
        return out

    def bind_destination(self, ports: list[dict[str, Any]], host: str,
                         placed: dict[str, dict[str, str]] | None = None) -> list[dict[str, Any]]:
        """An inactive binding of each port to a live migration's destination, whose agent
        plugs it before the guest arrives; the records as the destination plugs them."""
        out = []
        for info in ports:
            profile = {"allocation": placed[info["port_id"]]} \
                if placed and info["port_id"] in placed else None
            binding = self.client.create_port_binding(info["port_id"], host, profile)
            out.append(dict(info, vif_type=binding.get("vif_type"),
                            vif_details=dict(binding.get("vif_details") or {})))
        return out

    def activate_destination(self, ports: list[dict[str, Any]], source: str,
                             host: str) -> None:
        """The guest runs on ``host``: its bindings there become the ports' own, and the
        source's go."""
        for info in ports:
            try:
                self.client.activate_port_binding(info["port_id"], host)
            except NimbusError as exc:
                if getattr(exc, "code", 0) != 409:    # already active: a repeated step
                    raise
            if source and source != host:
                self.client.delete_port_binding(info["port_id"], source)

    def drop_destination(self, ports: list[dict[str, Any]], host: str) -> None:
        """A live migration that failed: the destination's bindings go."""
        for info in ports:
            try:
                self.client.delete_port_binding(info["port_id"], host)
            except NimbusError as exc:   # the source keeps working; the binding is inert
                LOG.warning("could not remove port %s's binding to %s: %s",
                            info["port_id"], host, exc)

    def floating_ips(self, ports: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The floating IPs on the server's ports (for ``delete_server(delete_ips=True)``
        clients find them in ``addresses``; Nova itself leaves them be)."""
        ids = [str(p["port_id"]) for p in ports]
        return self.client.list_floatingips(port_id=ids) if ids else []

    def change_security_group(self, caller: NetworkClient, project_id: str,
                              ports: list[dict[str, Any]], current: list[str], name: str,
                              add: bool) -> list[str]:
        """Add the group ``name`` to (or take it from) every port of a server, as Nova does
        through Neutron; the server's group names after it. 404 for a group the caller
        cannot see, 400 for one already there (or, removed, not there)."""
        try:
            group_id = find_security_group(caller, name, project_id)
        except BadRequest:
            raise NotFound(f"Security group {name} not found for project {project_id}.",
                           resource="security_group", id=name) from None
        if add and name in current:
            raise BadRequest(f"Security group {name} is already associated with the instance")
        if not add and name not in current:
            raise BadRequest(f"Security group {name} not associated with the instance")
        for info in ports:
            port = self.client.get_port(info["port_id"])
            groups = list(port.get("security_groups") or [])
            groups = [*groups, group_id] if add else [g for g in groups if g != group_id]
            self.client.update_port(info["port_id"], {"security_groups":
                                                      list(dict.fromkeys(groups))})
        return [*current, name] if add else [g for g in current if g != name]

    def associate_floating_ip(self, caller: NetworkClient, ports: list[dict[str, Any]],
                              address: str, fixed_address: str | None, add: bool) -> None:
        """The deprecated ``addFloatingIp``/``removeFloatingIp``: point the floating IP at
        the server's first port (or at its port holding ``fixed_address``), or take it off."""
        found = caller.list_floatingips(floating_ip_address=address)
        if not found:
            raise NotFound(f"Floating IP {address} could not be found.",
                           resource="floating_ip", id=address)
        fip = found[0]
        mine = {p["port_id"] for p in ports}
        if not add:
            if fip.get("port_id") not in mine:
                raise Conflict(f"Floating IP {address} is not associated with the instance.")
            caller.update_floatingip(fip["id"], {"port_id": None})
            return
        target = None
        for info in ports:
            addresses = [ip.get("ip_address") for ip in info.get("fixed_ips", [])]
            if fixed_address is None or fixed_address in addresses:
                target = info
                break
        if target is None:
            raise BadRequest(f"The instance has no fixed address {fixed_address}."
                             if fixed_address else "The instance has no port.")
        body: dict[str, Any] = {"port_id": target["port_id"]}
        if fixed_address:
            body["fixed_ip_address"] = fixed_address
        caller.update_floatingip(fip["id"], body)

    def deallocate(self, ports: list[dict[str, Any]]) -> None:
        """Delete the ports we created and unbind the ones the user brought; never raises."""
        for info in ports:
            try:
                if info.get("created"):
                    self.client.delete_port(info["port_id"])
                else:
                    # Its allocation goes with the server's: the profile no longer names it.
                    self.client.update_port(info["port_id"], {
                        "device_id": "", "device_owner": "", "binding:host_id": "",
                        "binding:profile": {}})
            except NimbusError as exc:
                LOG.warning("could not release port %s: %s", info.get("port_id"), exc)


def find_security_group(client: NetworkClient, ref: str, project_id: str) -> str:
    """The id of the project's security group named (or with the id) ``ref``; 400 when
    ``client`` sees no such group of that project."""
    found = client.list_security_groups(name=ref, project_id=project_id)
    if not found:
        found = [g for g in client.list_security_groups(id=ref)
                 if g.get("project_id", g.get("tenant_id")) == project_id]
    if not found:
        raise BadRequest(f"Security group {ref} not found for project {project_id}.")
    return str(found[0]["id"])
