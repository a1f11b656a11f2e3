"""A small client for Nimbus's own public APIs, used for every cross-service call.

It authenticates with the calling service's credentials (never the user's token, which may
expire mid-operation), finds the endpoint in the catalog and turns the other service's fault
body back into the matching ``NimbusError``.
"""

from __future__ import annotations

import copy
import json
import threading
import weakref
from typing import TYPE_CHECKING, Any, Self

from nimbus.core import errors

if TYPE_CHECKING:
    from keystoneauth1.session import Session

    from nimbus.core.platform import Platform

_BY_STATUS: dict[int, type[errors.NimbusError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    413: errors.PayloadTooLarge,
    503: errors.ServiceUnavailable,
}


# Per session, the endpoints its catalog gave and the token they came with: keystoneauth
# deep-copies the whole catalog at every lookup, which cost more than the call itself. A new
# token (renewed, or a re-read catalog) means looking again.
_ENDPOINTS: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], tuple[Any, str | None, str | None]]] = (
    weakref.WeakKeyDictionary())
_ENDPOINTS_LOCK = threading.Lock()


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


def item_path(collection: str, ident: str) -> str:
    """``collection/ident`` for one resource; an empty id (or one with a path separator) names
    no resource, and must not turn into the collection itself: a 404 here."""
    if not ident or "/" in ident or "?" in ident or "#" in ident:
        raise errors.NotFound(f"{collection.rsplit('/', 1)[-1]} {ident!r} could not be found.")
    return f"{collection}/{ident}"


class ServiceClient:
    """Calls one service type's public endpoint as ``user`` (a service user such as ``nova``)."""

    service_type = ""
    microversion_service: str | None = None

    def __init__(self, cloud: Platform, user: str) -> None:
        self.cloud = cloud
        self.user = user
        self._user_token: str | None = None
        self._user_project: str | None = None
        self._session: Session | None = None

    def through(self, session: Session) -> Self:
        """A copy that calls with ``session`` (a trust-scoped one: work that outlives the
        request, done for a user with the roles they delegated)."""
        clone = copy.copy(self)
        clone._session = session
        return clone

    def acting_for(self, token: str | None, project_id: str | None) -> Self:
        """A copy that sends the caller's own token instead of the service's.

        Only for short calls made while the user's request is being served, where what is made
        must belong to the user's project (Cinder has no way to create a volume for another
        project). The endpoint is still found through the service's catalog. Work that outlives
        the request keeps using the service's credentials.
        """
        if not token:
            raise errors.Unauthorized("The request carries no token to act on.")
        clone = copy.copy(self)
        clone._user_token = token
        clone._user_project = project_id
        return clone

    @property
    def session(self) -> Session:
        if self._session is not None:
            return self._session
        return self.cloud.creds.session(self.user)

    def request(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
                microversion: str | None = None, data: Any = None, ok: tuple[int, ...] = (),
                stream: bool = False) -> Any:
        """Send a request; 2xx gives the decoded JSON (or None), anything else raises. With
        ``stream``, a 2xx gives the response itself, its body not yet read."""
        hdrs = dict(headers or {})
        if microversion and self.microversion_service:
            hdrs["OpenStack-API-Version"] = f"{self.microversion_service} {microversion}"
        kwargs: dict[str, Any] = {"headers": hdrs, "raise_exc": False}
        if body is not None:
            kwargs["json"] = body
        if data is not None:
            kwargs["data"] = data
        if stream:
            kwargs["stream"] = True
        from keystoneauth1 import exceptions as ks_exc

        try:
            if self._user_token:
                hdrs["X-Auth-Token"] = self._user_token
                # The service's own token beside it: the other service knows a service acts.
                service_token = self.session.get_token()
                if service_token:
                    hdrs["X-Service-Token"] = service_token
                kwargs["authenticated"] = False
                kwargs["endpoint_override"] = self._user_endpoint()
            else:
                kwargs["endpoint_override"] = self._endpoint()[0]
            if not kwargs["endpoint_override"]:
                raise ks_exc.EndpointNotFound()
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
        if stream:
            return resp
        if resp.status_code == 204 or not resp.content:
            return None
        ctype = resp.headers.get("content-type", "")
        return resp.json() if "json" in ctype else resp.content

    def _endpoint(self) -> tuple[str | None, str | None]:
        """This service type's public endpoint in the service's catalog, and the service's
        project id; looked up once per token (raises keystoneauth's ClientException)."""
        sess = self.session
        key = (self.service_type, "public", self.cloud.settings.region)
        with _ENDPOINTS_LOCK:
            known = _ENDPOINTS.get(sess, {}).get(key)
        ref = getattr(sess.auth, "auth_ref", None)
        if known is not None and ref is not None and known[0] is ref:
            return known[1], known[2]
        url = sess.get_endpoint(service_type=key[0], interface=key[1], region_name=key[2])
        project = sess.get_project_id()
        with _ENDPOINTS_LOCK:
            _ENDPOINTS.setdefault(sess, {})[key] = (getattr(sess.auth, "auth_ref", None),
                                                   str(url) if url else None, project)
        return (str(url) if url else None), project

    def _user_endpoint(self) -> str | None:
        """The endpoint as the user's catalog has it: endpoints that carry a project id (Cinder's
        ``/v3/{project_id}``) name the user's project, not the service's."""
        url, service_project = self._endpoint()
        if url and service_project and self._user_project:
            url = url.replace(f"/{service_project}", f"/{self._user_project}")
        return url

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def stream(self, path: str, **kw: Any) -> Any:
        """``GET path``, answered with the response whose body is still to be read."""
        return self.request("GET", path, stream=True, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)
