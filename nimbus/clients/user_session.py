"""The public APIs as one signed-in user sees them: what the dashboard calls, as Horizon does.

A password login gets a token from identity; every later call carries that token, and finds its
endpoint in the catalog that came with it, so policy applies to each call exactly as it does to
the same call from the CLI. Faults come back as the matching ``NimbusError`` with the service's
own message. Nothing here is logged with its token.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from nimbus.clients.base import _BY_STATUS, fault_message
from nimbus.core import errors

# Seconds a dashboard call may take before the page says the service is unavailable.
TIMEOUT = 30.0


@dataclass
class Scoped:
    """A token and what it was issued for."""

    token: str
    user_id: str
    user_name: str
    domain_name: str
    project_id: str | None
    project_name: str | None
    roles: list[str]
    expires_at: str
    catalog: list[dict[str, Any]] = field(default_factory=list)


_SHARED: list[Any] = []
_SHARED_LOCK = threading.Lock()


def _session() -> Any:
    """One HTTP session for every user's calls in this process: its connections are kept
    open and reused (no token lives in it; each request carries its own)."""
    with _SHARED_LOCK:
        if not _SHARED:
            from keystoneauth1 import session as ks_session

            _SHARED.append(ks_session.Session(timeout=TIMEOUT))
        return _SHARED[0]


# Statuses a page shows as the caller's own mistake beside those every client knows.
_MORE: dict[int, type[errors.NimbusError]] = {
    405: errors.MethodNotAllowed, 406: errors.NotAcceptable, 408: errors.RequestTimeout,
    410: errors.Gone, 411: errors.BadRequest, 412: errors.BadRequest, 415:
    errors.UnsupportedMediaType, 416: errors.RangeNotSatisfiable, 422: errors.BadRequest,
    429: errors.ServiceUnavailable,
}


def _raise_for(resp: Any) -> None:
    if resp.status_code >= 400:
        cls = _BY_STATUS.get(resp.status_code) or _MORE.get(resp.status_code)
        if cls is None:
            cls = errors.BadRequest if resp.status_code < 500 else errors.NimbusError
        raise cls(fault_message(resp.text))


def _scoped(resp: Any) -> Scoped:
    body = resp.json()["token"]
    project = body.get("project") or {}
    user = body["user"]
    return Scoped(token=resp.headers["X-Subject-Token"], user_id=user["id"],
                  user_name=user["name"], domain_name=user.get("domain", {}).get("name", ""),
                  project_id=project.get("id"), project_name=project.get("name"),
                  roles=sorted(r["name"] for r in body.get("roles", [])),
                  expires_at=body.get("expires_at", ""), catalog=body.get("catalog", []))


def _issue(identity_url: str, auth: dict[str, Any]) -> Scoped:
    from keystoneauth1 import exceptions as ks_exc

    try:
        resp = _session().post(f"{identity_url}/auth/tokens", json={"auth": auth},
                               authenticated=False, raise_exc=False)
    except ks_exc.ClientException:
        raise errors.ServiceUnavailable(reason="The identity service is unavailable.") from None
    _raise_for(resp)
    return _scoped(resp)


def password_login(identity_url: str, username: str, password: str,
                   domain: str) -> Scoped:
    """An unscoped token for a user of ``domain`` (a name) and password."""
    return _issue(identity_url, {"identity": {"methods": ["password"], "password": {"user": {
        "name": username, "password": password, "domain": {"name": domain}}}}})


def inspect(identity_url: str, token: str) -> Scoped:
    """What a token handed over by a sign-in elsewhere (WebSSO) is, asked of identity with the
    token itself; a token identity does not know is ``Unauthorized``."""
    from keystoneauth1 import exceptions as ks_exc

    try:
        resp = _session().get(f"{identity_url}/auth/tokens", authenticated=False,
                              raise_exc=False,
                              headers={"X-Auth-Token": token, "X-Subject-Token": token})
    except ks_exc.ClientException:
        raise errors.ServiceUnavailable(reason="The identity service is unavailable.") from None
    if resp.status_code == 404:
        raise errors.Unauthorized("The token is not valid.")
    _raise_for(resp)
    return _scoped(resp)


def rescope(identity_url: str, token: str, project_id: str) -> Scoped:
    """A token for ``project_id`` made from the user's current one."""
    return _issue(identity_url, {"identity": {"methods": ["token"], "token": {"id": token}},
                                 "scope": {"project": {"id": project_id}}})


class UserSession:
    """Calls every service's public API with one user's token."""

    def __init__(self, identity_url: str, scoped: Scoped, region: str) -> None:
        self.identity_url = identity_url
        self.scoped = scoped
        self.region = region
        self._http = _session()

    def endpoint(self, service_type: str) -> str:
        for entry in self.scoped.catalog:
            if entry.get("type") != service_type:
                continue
            for endpoint in entry.get("endpoints", []):
                if endpoint.get("interface") == "public" and \
                        endpoint.get("region_id", self.region) in (self.region, None):
                    return str(endpoint["url"]).rstrip("/")
        if service_type == "identity":
            return self.identity_url
        raise errors.ServiceUnavailable(reason=f"The {service_type} service is not in the "
                                               "catalog.")

    def request(self, service_type: str, method: str, path: str, body: Any = None, *,
                headers: dict[str, str] | None = None, ok: tuple[int, ...] = ()) -> Any:
        from keystoneauth1 import exceptions as ks_exc

        hdrs = {"X-Auth-Token": self.scoped.token, **(headers or {})}
        kwargs: dict[str, Any] = {"headers": hdrs, "authenticated": False, "raise_exc": False}
        if body is not None:
            kwargs["json"] = body
        try:
            resp = self._http.request(f"{self.endpoint(service_type)}{path}", method, **kwargs)
        except ks_exc.ClientException:
            raise errors.ServiceUnavailable(
                reason=f"The {service_type} service is unavailable.") from None
        if resp.status_code not in ok:
            _raise_for(resp)
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json() if "json" in resp.headers.get("content-type", "") else resp.content

    def put_stream(self, service_type: str, path: str, chunks: Any,
                   headers: dict[str, str] | None = None) -> None:
        """``PUT`` a body read from the iterable ``chunks`` as it comes (chunked), never held
        whole: an image's data on its way from the browser."""
        from keystoneauth1 import exceptions as ks_exc

        hdrs = {"X-Auth-Token": self.scoped.token, **(headers or {})}
        try:
            resp = self._http.request(f"{self.endpoint(service_type)}{path}", "PUT",
                                      headers=hdrs, data=chunks, authenticated=False,
                                      raise_exc=False)
        except ks_exc.ClientException:
            raise errors.ServiceUnavailable(
                reason=f"The {service_type} service is unavailable.") from None
        _raise_for(resp)

    def get_stream(self, service_type: str, path: str) -> Any:
        """``GET`` whose answer is returned unread (``iter_content`` streams it)."""
        from keystoneauth1 import exceptions as ks_exc

        try:
            resp = self._http.request(f"{self.endpoint(service_type)}{path}", "GET",
                                      headers={"X-Auth-Token": self.scoped.token},
                                      authenticated=False, raise_exc=False, stream=True)
        except ks_exc.ClientException:
            raise errors.ServiceUnavailable(
                reason=f"The {service_type} service is unavailable.") from None
        if resp.status_code >= 400:
            resp.close()
            _raise_for(resp)
        return resp

    def get(self, service_type: str, path: str, **kw: Any) -> Any:
        return self.request(service_type, "GET", path, **kw)

    def projects(self) -> list[dict[str, Any]]:
        """The projects the user may scope to (``GET /v3/auth/projects``)."""
        found = self.get("identity", "/auth/projects") or {}
        return sorted(found.get("projects", []), key=lambda p: p.get("name", ""))

    def revoke(self) -> None:
        """Revoke the token (a logout); one already gone is not an error."""
        self.request("identity", "DELETE", "/auth/tokens",
                     headers={"X-Subject-Token": self.scoped.token}, ok=(401, 404))
