"""Hostile input on every route of every service: a 4xx in the service's own fault, never a 5xx,
and no ERROR in the log.

Each write route gets a body shaped after its declared schema (so the values reach past the
wrapper object) with every string made hostile (NUL, a lone surrogate, 100,000 characters)
or every number made hostile (2**64, 1e400), plus a body nested 50,000 levels deep. Every
route gets numeric headers that are not numbers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.core.api.validation import Versioned
from nimbus.core.plugins import SERVICES
from tests.support.backends import scratch_database

COVERS = [("all", "hostile input on every route (nesting, NUL, surrogates, 2**64, 1e400, "
                  "huge strings, bad numeric headers, NUL and invalid UTF-8 in paths and queries): "
                  "never a 5xx, no ERROR logged")]

STRINGS = ["a\\u0000b", "\\ud800", "x" * 100_000]
NUMBERS = ["18446744073709551616", "1e400", "-1e400"]
HEADERS = [{"X-Delete-At": "99999999999999999999999"}, {"X-Delete-After": "soon"},
           {"OpenStack-API-Version": "compute 2.99999999999999999999"},
           {"X-OpenStack-Nova-API-Version": "2.x"}, {"Content-Type": "application/json\x7f"}]


def _fill(path: str, value: str = "00000000-0000-0000-0000-000000000000") -> str:
    path = re.sub(r"\{project_id\}|\{tenant_id\}|\{account\}", "a0000000000000000000000000000000",
                  path)
    return re.sub(r"\{[^}:]+(:path)?\}", value, path)


def _shape(schema: Any, leaf: Callable[[str], str], depth: int = 0) -> str:
    """A JSON text shaped like ``schema``, with ``leaf(kind)`` for each scalar."""
    if not isinstance(schema, dict) or depth > 4:
        return leaf("string")
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    props = schema.get("properties")
    if isinstance(props, dict) and props and ("object" in kinds or not kinds):
        items = [f'"{name}": {_shape(sub, leaf, depth + 1)}' for name, sub in props.items()]
        return "{" + ", ".join(items) + "}"
    if "array" in kinds:
        return "[" + _shape(schema.get("items", {}), leaf, depth + 1) + "]"
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _shape(schema[key][0], leaf, depth + 1)
    if kinds and set(kinds) <= {"integer", "number"}:
        return leaf("number")
    return leaf("string")


def _bodies(spec: Any) -> list[bytes]:
    schema = spec.body.schemas[-1][1] if isinstance(spec.body, Versioned) else spec.body or {}
    found = [b"[" * 50_000]
    for value in STRINGS:
        found.append(_shape(schema, lambda k, v=value: f'"{v}"' if k == "string" else "1")
                     .encode())
    for value in NUMBERS:
        found.append(_shape(schema, lambda k, v=value: v if k == "number" else f'"{v}"')
                     .encode())
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_hostile_input_is_a_4xx(make_cloud: Callable[..., Any], service: str,
                                caplog: pytest.LogCaptureFixture) -> None:
    _probe(make_cloud([service]), service, caplog)


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES)
def test_hostile_input_is_a_4xx_on_postgresql(make_cloud: Callable[..., Any], service: str,
                                              caplog: pytest.LogCaptureFixture) -> None:
    # PostgreSQL is stricter than SQLite: 32-bit integer columns, no NUL in text.
    with scratch_database("postgresql") as url:
        cloud, api = make_cloud([service], db_url=url)
        try:
            _probe((cloud, api), service, caplog, reaching_the_database=True)
        finally:
            cloud.db.dispose()


def _probe(made: tuple[Any, Any], service: str, caplog: pytest.LogCaptureFixture,
           reaching_the_database: bool = False) -> None:
    """``reaching_the_database``: only the values a database sees (strings, numbers, path
    and query values); headers and nesting are refused before any query, alike on all."""
    cloud, api = made
    runtime = cloud.runtimes[service]
    failures = []
    caplog.set_level(logging.ERROR)
    for spec in runtime.definition.router.routes:
        path = runtime.prefix + _fill(spec.path)
        for method in spec.methods:
            cases: list[tuple[bytes, dict[str, str]]] = [] if reaching_the_database else \
                [(b"", h) for h in HEADERS]
            if method in ("POST", "PUT", "PATCH") and not spec.stream:
                bodies = _bodies(spec)
                cases += [(body, {}) for body in (bodies[1:] if reaching_the_database
                                                  else bodies)]
            targets = [(path, body, headers) for body, headers in cases]
            # NUL (and invalid UTF-8) in every path segment and in query values.
            targets += [(runtime.prefix + _fill(spec.path, "a%00b"), b"", {}),
                        (runtime.prefix + _fill(spec.path, "a%ff%feb"), b"", {}),
                        (f"{path}?name=a%00b&marker=x%00&limit=1%00", b"", {})]
            for target, body, headers in targets:
                resp = api.client.request(method, target, content=body, headers={
                    "X-Auth-Token": "persona-admin", "Content-Type": "application/json",
                    **headers})
                # Each service runs alone here: a proxy route can only say the other is away.
                away = resp.status_code == 503 and "service is unavailable" in resp.text
                if resp.status_code >= 500 and not away:
                    failures.append(f"{method} {spec.path} {body[:30]!r} {headers} -> "
                                    f"{resp.status_code} {resp.text[:200]}")
    errors = [r.getMessage()[:300] for r in caplog.records if r.levelno >= logging.ERROR
              and "service is unavailable" not in r.getMessage()]
    assert failures == [] and errors == []
