"""The dashboard (Horizon's part): web pages on the cloud's own port, under ``/dashboard``."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Mount

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef, ServiceRuntime
from nimbus.dashboard.policies import RULES
from nimbus.dashboard.state import DashboardState, build


def _routes(runtime: ServiceRuntime[DashboardState]) -> list[BaseRoute]:
    """The pages, loaded with the dashboard's first request."""
    from starlette.staticfiles import StaticFiles

    from nimbus.dashboard.api import pages
    from nimbus.dashboard.api.render import TEMPLATES

    return [*pages.routes(lambda: runtime.state),
            Mount("/static", StaticFiles(directory=str(TEMPLATES.parent / "static")),
                  name="static")]


def health(state: DashboardState) -> dict[str, Any]:
    return {"status": "ok"}


SERVICE = ServiceDef[DashboardState](
    name="dashboard",
    service_type="dashboard",
    prefix="/dashboard",
    fault_style="keystone",
    router=Router(),
    policy=RULES,
    start=build,
    health=health,
    raw_routes=_routes,
    # As Horizon: a web site for people, not a service the catalog lists.
    in_catalog=False,
    # Horizon's URLs end in a slash.
    keep_trailing_slash=True,
    title="Dashboard",
)
