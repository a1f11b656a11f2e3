"""Client for the Networking API (Neutron v2.0): networks, ports and security groups."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nimbus.clients.base import ServiceClient, item_path


class NetworkClient(ServiceClient):
    service_type = "network"

    def get_network(self, network_id: str) -> dict[str, Any]:
        return self.get(item_path("/v2.0/networks", network_id))["network"]  # type: ignore[no-any-return]

    def list_networks(self, **filters: Any) -> list[dict[str, Any]]:
        query = f"?{urlencode(filters, doseq=True)}" if filters else ""
        return self.get(f"/v2.0/networks{query}")["networks"]  # type: ignore[no-any-return]

    def auto_allocated_topology(self, project_id: str) -> dict[str, Any]:
        """The project's auto-allocated network (made the first time): ``{"id": ...}``."""
        return self.get(item_path("/v2.0/auto-allocated-topology", project_id))[  # type: ignore[no-any-return]
            "auto_allocated_topology"]

    def get_port(self, port_id: str) -> dict[str, Any]:
        return self.get(item_path("/v2.0/ports", port_id))["port"]  # type: ignore[no-any-return]

    def list_ports(self, **filters: Any) -> list[dict[str, Any]]:
        query = f"?{urlencode(filters, doseq=True)}" if filters else ""
        return self.get(f"/v2.0/ports{query}")["ports"]  # type: ignore[no-any-return]

    def create_port(self, port: dict[str, Any]) -> dict[str, Any]:
        return self.post("/v2.0/ports", {"port": port})["port"]  # type: ignore[no-any-return]

    def update_port(self, port_id: str, port: dict[str, Any]) -> dict[str, Any]:
        return self.put(f"/v2.0/ports/{port_id}", {"port": port})["port"]  # type: ignore[no-any-return]

    def delete_port(self, port_id: str) -> None:
        self.delete(f"/v2.0/ports/{port_id}", ok=(404,))

    # -- binding-extended: a port bound to a live migration's destination too ---------------
    def create_port_binding(self, port_id: str, host: str,
                            profile: dict[str, Any] | None = None) -> dict[str, Any]:
        binding: dict[str, Any] = {"host": host}
        if profile:
            binding["profile"] = profile
        return self.post(f"/v2.0/ports/{port_id}/bindings",  # type: ignore[no-any-return]
                         {"binding": binding})["binding"]

    def activate_port_binding(self, port_id: str, host: str) -> dict[str, Any]:
        return self.put(f"/v2.0/ports/{port_id}/bindings/{host}/activate",  # type: ignore[no-any-return]
                        {})["binding"]

    def delete_port_binding(self, port_id: str, host: str) -> None:
        self.delete(f"/v2.0/ports/{port_id}/bindings/{host}", ok=(404,))

    def list_security_groups(self, **filters: Any) -> list[dict[str, Any]]:
        query = f"?{urlencode(filters, doseq=True)}" if filters else ""
        return self.get(f"/v2.0/security-groups{query}")["security_groups"]  # type: ignore[no-any-return]

    def get_security_group(self, group_id: str) -> dict[str, Any]:
        return self.get(item_path("/v2.0/security-groups", group_id))["security_group"]  # type: ignore[no-any-return]

    def create_security_group(self, group: dict[str, Any]) -> dict[str, Any]:
        return self.post("/v2.0/security-groups",  # type: ignore[no-any-return]
                         {"security_group": group})["security_group"]

    def update_security_group(self, group_id: str, group: dict[str, Any]) -> dict[str, Any]:
        return self.put(f"/v2.0/security-groups/{group_id}",  # type: ignore[no-any-return]
                        {"security_group": group})["security_group"]

    def delete_security_group(self, group_id: str) -> None:
        self.delete(f"/v2.0/security-groups/{group_id}")

    def get_security_group_rule(self, rule_id: str) -> dict[str, Any]:
        return self.get(item_path("/v2.0/security-group-rules", rule_id))[  # type: ignore[no-any-return]
            "security_group_rule"]

    def create_security_group_rule(self, rule: dict[str, Any]) -> dict[str, Any]:
        return self.post("/v2.0/security-group-rules",  # type: ignore[no-any-return]
                         {"security_group_rule": rule})["security_group_rule"]

    def delete_security_group_rule(self, rule_id: str) -> None:
        self.delete(f"/v2.0/security-group-rules/{rule_id}")

    def get_floatingip(self, fip_id: str) -> dict[str, Any]:
        return self.get(item_path("/v2.0/floatingips", fip_id))["floatingip"]  # type: ignore[no-any-return]

    def create_floatingip(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.post("/v2.0/floatingips",  # type: ignore[no-any-return]
                         {"floatingip": body})["floatingip"]

    def list_floatingips(self, **filters: Any) -> list[dict[str, Any]]:
        query = f"?{urlencode(filters, doseq=True)}" if filters else ""
        return self.get(f"/v2.0/floatingips{query}")["floatingips"]  # type: ignore[no-any-return]

    def delete_floatingip(self, fip_id: str) -> None:
        self.delete(f"/v2.0/floatingips/{fip_id}", ok=(404,))

    def update_floatingip(self, fip_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.put(f"/v2.0/floatingips/{fip_id}",  # type: ignore[no-any-return]
                        {"floatingip": body})["floatingip"]
