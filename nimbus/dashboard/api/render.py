"""Pages from the dashboard's Jinja2 templates, every value escaped unless a template says not.

Every page carries headers that keep it from being framed or sniffed, and from being cached:
it shows one user's data.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    # No form-action limit: the login form may be sent on to identity's WebSSO URL, which is
    # on another host in a scaled cloud.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'",
}


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def text(name: str, **context: Any) -> str:
    return str(_environment().get_template(name).render(**context))


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(text(name, **context), status_code=status,
                        headers=dict(SECURITY_HEADERS))
