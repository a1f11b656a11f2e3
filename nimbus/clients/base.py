"""A small client for Nimbus's own public APIs, used for every cross-service call.

It authenticates with the calling service's credentials (never the user's token, which may
expire mid-operation), finds the endpoint in the catalog and turns the other service's fault
body back into the matching ``NimbusError``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from nimbus.core import errors

if TYPE_CHECKING:
    from keystoneauth1.session import Session

    from nimbus.core.cloud import Cloud

_BY_STATUS: dict[int, type[errors.NimbusError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    413: errors.PayloadTooLarge,
    503: errors.ServiceUnavailable,
}


def fault_message(text: str) -> str:
    """The human message out of any OpenStack fault body (Nova, Keystone, Neutron, Placement)."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:500]
    if isinstance(body, dict):
        if "errors" in body and body["errors"]:
            return str(body["errors"][0].get("detail", ""))
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    return text[:500]


class ServiceClient:
    """Calls one service type's public endpoint as ``user`` (a service user such as ``nova``)."""

    service_type = ""
    microversion_service: str | None = None

    def __init__(self, cloud: Cloud, user: str) -> None:
        self.cloud = cloud
        self.user = user

    @property
    def session(self) -> Session:
        return self.cloud.creds.session(self.user)

    def request(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
                microversion: str | None = None, data: Any = None, ok: tuple[int, ...] = ()) -> Any:
        """Send a request; 2xx gives the decoded JSON (or None), anything else raises."""
        hdrs = dict(headers or {})
        if microversion and self.microversion_service:
            hdrs["OpenStack-API-Version"] = f"{self.microversion_service} {microversion}"
        kwargs: dict[str, Any] = {"headers": hdrs, "raise_exc": False,
                                  "endpoint_filter": {"service_type": self.service_type,
                                                      "interface": "public",
                                                      "region_name": self.cloud.settings.region}}
        if body is not None:
            kwargs["json"] = body
        if data is not None:
            kwargs["data"] = data
        from keystoneauth1 import exceptions as ks_exc

        try:
            resp = self.session.request(path, method, **kwargs)
        except ks_exc.ClientException as exc:
            # Unreachable, no endpoint in the catalog, our own credentials refused: the other
            # service is unavailable to us, which is a 503 for the caller, never a 500.
            raise errors.ServiceUnavailable(
                reason=f"The {self.service_type} service is unavailable: {type(exc).__name__}."
            ) from None
        if resp.status_code >= 400 and resp.status_code not in ok:
            cls = _BY_STATUS.get(resp.status_code, errors.NimbusError)
            raise cls(fault_message(resp.text))
        if resp.status_code == 204 or not resp.content:
            return None
        ctype = resp.headers.get("content-type", "")
        return resp.json() if "json" in ctype else resp.content

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)
