"""The dashboard's pages, under ``/dashboard`` on the API's own port.

Horizon's URLs and login form (``id_username``, ``csrfmiddlewaretoken``, ``region``, a form
whose ``action`` is the login URL), so that tools written for Horizon sign in unchanged. Pages
are plain functions run on the server's thread pool: each calls the public APIs as the signed-in
user, which may take a moment, without holding up the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nimbus.clients import user_session
from nimbus.clients.user_session import UserSession
from nimbus.core.errors import NimbusError, Unauthorized
from nimbus.dashboard.api import csrf
from nimbus.dashboard.api.render import page
from nimbus.dashboard.manager import overview
from nimbus.dashboard.manager.sessions import Signed
from nimbus.dashboard.schemas.forms import LoginForm, login_form
from nimbus.dashboard.state import DashboardState

LOG = logging.getLogger(__name__)
SESSION_COOKIE = "sessionid"
# The largest form body read (a login, a name): anything bigger is refused unread.
MAX_FORM = 64 * 1024
ROOT = "/dashboard"


def _status(exc: NimbusError) -> int:
    """A page's status for a service's fault: its own when it is the caller's, else 503 (the
    service could not answer; the dashboard itself did not fail)."""
    return exc.code if 400 <= exc.code < 500 else 503


def _form(request: Request, body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


class Pages:
    def __init__(self, state: DashboardState) -> None:
        self.state = state

    # -- plumbing ------------------------------------------------------------------------

    def signed(self, request: Request) -> Signed | None:
        return self.state.sessions.find(request.cookies.get(SESSION_COOKIE))

    def user(self, signed: Signed) -> UserSession:
        return UserSession(self.state.identity_url, signed.scoped, self.state.region)

    def base(self, signed: Signed, **context: Any) -> dict[str, Any]:
        """What every signed-in page shows around its content (the header, the switcher, the
        panels)."""
        from nimbus.dashboard.manager.admin_tables import ADMIN_TABLES
        from nimbus.dashboard.manager.tables import TABLES

        # (dashboard, group) → the panels' (path, title), in the order shown.
        panels: dict[tuple[str, str], list[tuple[str, str]]] = {
            ("Project", "Compute"): [("project/instances", "Instances")]}
        for table in TABLES.values():
            panels.setdefault(("Project", table.group), []).append((table.url, table.title))
        panels[("Project", "Network")].insert(0, ("project/network_topology",
                                                  "Network Topology"))
        panels.setdefault(("Project", "Access"), []).append(("project/api_access",
                                                             "API Access"))
        if "admin" in signed.scoped.roles:
            # Shown to admins; the pages themselves are as the APIs allow (others get 403).
            for table in ADMIN_TABLES.values():
                panels.setdefault((table.scope.title(), table.group), []).append(
                    (table.url, table.title))
        return {"root": ROOT, "user": signed.scoped, "csrf": signed.csrf, "panels": panels,
                "projects": self.state.project_choices(self.user(signed)), **context}

    @staticmethod
    def to_login(request: Request) -> Response:
        response = RedirectResponse(f"{ROOT}/auth/login/?next={request.url.path}", 302)
        response.delete_cookie(SESSION_COOKIE, path=ROOT)
        return response

    # -- sign-in -------------------------------------------------------------------------

    def login_page(self, request: Request, form: LoginForm | None = None,
                   error: str = "", status: int = 200) -> Response:
        token = csrf.login_token(request)
        response = page("login.html", status=status, root=ROOT, csrf=token, form=form,
                        error=error, regions=[self.state.region], websso=self.state.websso,
                        next=request.query_params.get("next", ""))
        response.set_cookie(csrf.COOKIE, token, path=ROOT, httponly=False, samesite="lax",
                            secure=request.url.scheme == "https")
        return response

    def index(self, request: Request) -> Response:
        """``/dashboard/``: the user's overview when signed in, else the login form."""
        signed = self.signed(request)
        if signed is None:
            return self.login_page(request)
        return self.project_overview(request, signed)

    def login(self, request: Request, body: bytes) -> Response:
        if request.method == "GET":
            return self.login_page(request)
        fields = _form(request, body)
        if not csrf.valid(fields.get(csrf.FIELD), request.cookies.get(csrf.COOKIE)):
            return forbidden()
        choice = fields.get("auth_type", "credentials")
        if choice != "credentials":
            target = self.state.websso_url(choice)
            if target is None:
                return self.login_page(request, None, "Authenticate using: not a choice "
                                                      "of this cloud.", 400)
            return RedirectResponse(target, 303)
        form, problem = login_form(fields, self.state.region)
        if problem:
            return self.login_page(request, form, problem, 400)
        try:
            scoped = self.state.sign_in(form)
        except Unauthorized:
            return self.login_page(request, form, "Invalid credentials.", 401)
        except NimbusError as exc:
            return self.login_page(request, form, exc.message, _status(exc))
        return self.signed_in_response(request, scoped, fields.get("next", ""))

    def websso(self, request: Request, body: bytes) -> Response:
        """The token identity hands back after a provider's sign-in (its form posts here, so,
        as Horizon's, this form carries no CSRF token: the token is the proof)."""
        token = _form(request, body).get("token", "")
        if not token:
            return self.login_page(request, None, "The sign-in handed over no token.", 400)
        try:
            scoped = self.state.sign_in_with_token(token)
        except Unauthorized:
            return self.login_page(request, None, "The sign-in was not accepted.", 401)
        except NimbusError as exc:
            return self.login_page(request, None, exc.message, _status(exc))
        return self.signed_in_response(request, scoped, "")

    def signed_in_response(self, request: Request, scoped: Any, target: str) -> Response:
        signed = self.state.sessions.create(scoped)
        if not target.startswith(f"{ROOT}/") or target.startswith(f"{ROOT}/auth/"):
            target = f"{ROOT}/project/"
        response = RedirectResponse(target, 303)
        response.set_cookie(SESSION_COOKIE, signed.cookie, path=ROOT, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")
        return response

    def logout(self, request: Request, body: bytes) -> Response:
        signed = self.signed(request)
        if signed is not None:
            if not csrf.valid(_form(request, body).get(csrf.FIELD), signed.csrf):
                return forbidden()
            try:
                self.user(signed).revoke()
            except NimbusError as exc:
                LOG.info("the token of a dashboard session was not revoked: %s", exc.message)
            self.state.sessions.end(signed.cookie)
        response = RedirectResponse(f"{ROOT}/auth/login/", 303)
        response.delete_cookie(SESSION_COOKIE, path=ROOT)
        return response

    def switch(self, request: Request, body: bytes, signed: Signed) -> Response:
        project_id = request.path_params["project_id"]
        if not csrf.valid(_form(request, body).get(csrf.FIELD), signed.csrf):
            return forbidden()
        try:
            scoped = user_session.rescope(self.state.identity_url, signed.scoped.token,
                                          project_id)
        except NimbusError as exc:
            return page("forbidden.html", status=_status(exc), root=ROOT, reason=exc.message)
        self.state.sessions.replace(signed, scoped)
        return RedirectResponse(f"{ROOT}/project/", 303)

    # -- project pages -------------------------------------------------------------------

    def project_overview(self, request: Request, signed: Signed) -> Response:
        usages, missing = overview.usage(self.user(signed))
        return page("overview.html", **self.base(signed, usages=usages, missing=missing,
                                                 section="overview"))


def forbidden() -> Response:
    return page("forbidden.html", status=403, root=ROOT,
                reason="The form's CSRF token is missing or does not match.")


def error_page(p: Pages, signed: Signed, exc: NimbusError) -> Response:
    """A service refused or failed: its own message, in the page, with its status."""
    if isinstance(exc, Unauthorized):
        raise exc  # the session's token is gone: sign in again
    return page("error.html", status=_status(exc), **p.base(signed, message=exc.message))


def routes(state_of: Callable[[], DashboardState]) -> list[BaseRoute]:
    """The dashboard's routes; ``state_of`` gives the service's state at request time."""

    from nimbus.dashboard.api import (
        actions,
        api_access,
        images,
        instances,
        launch,
        objects,
        security_groups,
        stacks,
        tables,
        topology,
    )

    def pages() -> Pages:
        return Pages(state_of())

    async def read(request: Request) -> bytes | None:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return None
        return body

    def public(handler: Callable[[Pages, Request, bytes], Response]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            body = await read(request) if request.method == "POST" else b""
            if body is None:
                return page("forbidden.html", status=413, root=ROOT, reason="Too large.")
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(handler, pages(), request, body)
        return endpoint

    def signed_in(handler: Callable[[Pages, Request, bytes, Signed], Response]
                  ) -> Callable[..., Any]:
        def run(p: Pages, request: Request, body: bytes) -> Response:
            signed = p.signed(request)
            if signed is None:
                return Pages.to_login(request)
            try:
                return handler(p, request, body, signed)
            except Unauthorized:
                # The token was revoked or expired under the session: sign in again.
                p.state.sessions.end(signed.cookie)
                return Pages.to_login(request)
        return public(run)

    return [
        Route("/", public(lambda p, r, b: p.index(r)), methods=["GET"]),
        Route("/auth/login/", public(Pages.login), methods=["GET", "POST"]),
        Route("/auth/logout/", public(Pages.logout), methods=["POST"]),
        Route("/auth/websso/", public(Pages.websso), methods=["POST"]),
        Route("/auth/switch/{project_id}/", signed_in(Pages.switch), methods=["POST"]),
        Route("/project/", signed_in(lambda p, r, b, s: p.project_overview(r, s)),
              methods=["GET"]),
        Route("/project/instances/", signed_in(instances.index), methods=["GET"]),
        Route("/project/instances/rows/", signed_in(instances.rows), methods=["GET"]),
        Route("/project/instances/launch/", signed_in(launch.form_page),
              methods=["GET", "POST"]),
        Route("/project/instances/{server_id}/action/", signed_in(instances.act),
              methods=["POST"]),
        Route("/project/instances/{server_id}/", signed_in(instances.show), methods=["GET"]),
        Route("/project/instances/{server_id}/console/", signed_in(instances.console),
              methods=["GET"]),
        Route("/project/api_access/", signed_in(api_access.index), methods=["GET"]),
        Route("/project/api_access/clouds.yaml", signed_in(api_access.clouds_yaml),
              methods=["GET"]),
        Route("/project/api_access/openrc/", signed_in(api_access.openrc), methods=["GET"]),
        Route("/project/api_access/application_credentials/", signed_in(api_access.create),
              methods=["POST"]),
        Route("/project/images/create/", signed_in(images.create), methods=["GET", "POST"]),
        Route("/project/images/{image_id}/data/", images.upload_endpoint(pages),
              methods=["PUT"]),
        Route("/project/containers/{container}/browse/", signed_in(objects.browse),
              methods=["GET"]),
        Route("/project/containers/{container}/act/", signed_in(objects.act),
              methods=["POST"]),
        Route("/project/containers/{container}/download/", signed_in(objects.download),
              methods=["GET"]),
        Route("/project/containers/{container}/upload/", objects.upload_endpoint(pages),
              methods=["PUT"]),
        Route("/project/security_groups/{group_id}/rules/",
              signed_in(security_groups.rules), methods=["GET"]),
        Route("/project/stacks/{stack_id}/", signed_in(stacks.show), methods=["GET"]),
        Route("/project/network_topology/", signed_in(topology.index), methods=["GET"]),
        Route("/project/network_topology/svg/", signed_in(topology.svg), methods=["GET"]),
        Route("/project/{panel}/", signed_in(tables.index), methods=["GET"]),
        Route("/admin/{panel}/", signed_in(tables.index), methods=["GET"]),
        Route("/identity/{panel}/", signed_in(tables.index), methods=["GET"]),
        *[Route(f"/{scope}/{{panel}}/{where}do/{{action}}/", signed_in(actions.handle),
                methods=["GET", "POST"])
          for scope in ("admin", "identity") for where in ("", "{target}/")],
        Route("/project/{panel}/do/{action}/", signed_in(actions.handle),
              methods=["GET", "POST"]),
        Route("/project/{panel}/{target}/do/{action}/", signed_in(actions.handle),
              methods=["GET", "POST"]),
    ]
