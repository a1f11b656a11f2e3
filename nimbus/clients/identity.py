"""The identity API as another service sees it: catalog services and unified limits."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nimbus.clients.base import ServiceClient


class IdentityClient(ServiceClient):
    service_type = "identity"

    def service_id(self, service_type: str) -> str | None:
        """The catalog id of the (first) service of ``service_type``; None when there is none."""
        body = self.get(f"/services?{urlencode({'type': service_type})}") or {}
        services = body.get("services") or []
        return str(services[0]["id"]) if services else None

    def registered_limits(self, service_id: str, region: str | None) -> dict[str, int]:
        """Resource name -> default limit the cloud registered for ``service_id``."""
        query = {"service_id": service_id, **({"region_id": region} if region else {})}
        body = self.get(f"/registered_limits?{urlencode(query)}") or {}
        return {r["resource_name"]: int(r["default_limit"])
                for r in body.get("registered_limits") or []}

    def project_limits(self, service_id: str, region: str | None,
                       project_id: str) -> dict[str, int]:
        """Resource name -> the limit set for ``project_id`` (only those overridden)."""
        query = {"service_id": service_id, "project_id": project_id,
                 **({"region_id": region} if region else {})}
        body = self.get(f"/limits?{urlencode(query)}") or {}
        return {r["resource_name"]: int(r["resource_limit"]) for r in body.get("limits") or []
                if r.get("project_id") == project_id}

    def register_limits(self, service_id: str, region: str | None,
                        defaults: dict[str, int]) -> list[dict[str, Any]]:
        """Create registered limits for the resources in ``defaults``."""
        items = [{"service_id": service_id, "resource_name": name, "default_limit": value,
                  **({"region_id": region} if region else {})}
                 for name, value in defaults.items()]
        body = self.post("/registered_limits", {"registered_limits": items}) or {}
        return list(body.get("registered_limits") or [])
