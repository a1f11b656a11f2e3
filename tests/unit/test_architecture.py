"""The shape every service shares, and the import rules that keep it (no exception list).

- Calls go one way: api -> manager -> db/drivers; workers (agent, scheduler) use managers,
  db and drivers; nothing below imports what is above it.
- A service never imports another service: it calls it through ``nimbus/clients/``.
- No circle between modules, counting every import (``TYPE_CHECKING`` and function-level ones
  too: a circle hidden from the interpreter is still a circle for the reader).

Each failure names the offending ``file:line``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "nimbus"
SERVICES = ("identity", "compute", "placement", "image", "network", "volume", "object")
WITH_DRIVERS = ("identity", "compute", "image", "network", "volume", "object")

# What may sit at the top of a service package, and the layer each name belongs to.
LAYERS = {
    "service": "wiring", "state": "state",
    "api": "api", "schemas": "schemas",
    "manager": "manager", "agent": "worker", "scheduler": "worker",
    "db": "db", "drivers": "drivers",
    "rpcapi": "leaf", "policies": "leaf", "errors": "leaf", "states": "leaf",
    "constants": "leaf",
}
# For each layer, the layers of its own service it may import.
ALLOWED = {
    "wiring": set(LAYERS.values()),
    "state": {"state", "manager", "worker", "db", "drivers", "schemas", "leaf"},
    "api": {"api", "state", "schemas", "manager", "leaf"},
    "worker": {"worker", "manager", "db", "drivers", "schemas", "leaf"},
    "manager": {"manager", "db", "drivers", "schemas", "leaf"},
    # Views shape rows into wire bodies; the rows' model types are theirs to name.
    "schemas": {"schemas", "db", "leaf"},
    "db": {"db", "leaf"},
    "drivers": {"drivers", "leaf"},
    "leaf": {"leaf"},
}
# Packages outside the services, and what they may import.
OUTSIDE = {
    "conf": {"conf"},
    "core": {"core", "conf"},
    "clients": {"clients", "core", "conf"},
    "cmd": {"cmd", "core", "conf", "clients"},
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    file: Path
    line: int

    def where(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _edges(modules: dict[str, Path]) -> list[Edge]:
    edges = []
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            for target in targets:
                if not target.startswith("nimbus"):
                    continue
                resolved = _resolve(target, modules)
                if resolved and resolved != module:
                    edges.append(Edge(module, resolved, path, node.lineno))
    return edges


MODULES = _modules()
EDGES = _edges(MODULES)


def _place(module: str) -> tuple[str, str | None]:
    """(top package, layer within a service or None)."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top in SERVICES:
        return top, LAYERS.get(parts[2]) if len(parts) > 2 else "wiring"
    return top, None


PACKAGES = (*SERVICES, *OUTSIDE)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_module_sits_in_a_known_layer(service: str) -> None:
    stray = [f"{MODULES[m].relative_to(ROOT)}" for m in MODULES
             if _place(m)[0] == service and _place(m)[1] is None]
    assert not stray, "modules outside the service shape (move them into a layer):\n" + \
        "\n".join(sorted(stray))


@pytest.mark.parametrize("service", SERVICES)
def test_the_shape_is_the_same_in_every_service(service: str) -> None:
    missing = []
    base = PACKAGE / service
    for name in ("state.py", "service.py", "api", "schemas", "db"):
        if not (base / name).exists():
            missing.append(f"nimbus/{service}/{name}")
    if not ((base / "manager.py").exists() or (base / "manager").is_dir()):
        missing.append(f"nimbus/{service}/manager")
    if service in WITH_DRIVERS and not (base / "drivers" / "base.py").exists():
        missing.append(f"nimbus/{service}/drivers/base.py")
    assert not missing, "missing from the service shape:\n" + "\n".join(missing)


@pytest.mark.parametrize("service", SERVICES)
def test_calls_go_one_way(service: str) -> None:
    wrong = []
    for edge in EDGES:
        (src_top, src_layer), (dst_top, dst_layer) = _place(edge.source), _place(edge.target)
        if (src_top == service and dst_top == src_top and src_layer and dst_layer
                and dst_layer not in ALLOWED[src_layer]):
            wrong.append(f"{edge.where()}: {src_layer} imports {dst_layer} "
                             f"({edge.target})")
    assert not wrong, "imports against the api -> manager -> db/drivers direction:\n" + \
        "\n".join(wrong)


@pytest.mark.parametrize("package", PACKAGES)
def test_services_reach_each_other_only_through_clients(package: str) -> None:
    wrong = []
    for edge in EDGES:
        src_top, dst_top = _place(edge.source)[0], _place(edge.target)[0]
        if src_top != package:
            continue
        if src_top in SERVICES:
            if dst_top in SERVICES and dst_top != src_top or dst_top in ("cmd",):
                wrong.append(f"{edge.where()}: {src_top} imports {edge.target}")
        elif src_top in OUTSIDE and dst_top not in OUTSIDE[src_top]:
            wrong.append(f"{edge.where()}: {src_top} imports {edge.target}")
    assert not wrong, "imports across services (use nimbus/clients or nimbus/core):\n" + \
        "\n".join(wrong)


def _cycles(edges: list[Edge]) -> list[list[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        graph[edge.source].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        # Tarjan's strongly connected components, iteratively deep enough for this graph.
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(MODULES):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_circles_between_modules(package: str) -> None:
    report = []
    for component in _cycles(EDGES):
        if not any(_place(m)[0] == package for m in component):
            continue
        members = set(component)
        inside = [e for e in EDGES if e.source in members and e.target in members]
        lines = "\n".join(f"  {e.where()}: imports {e.target}" for e in inside)
        report.append(f"circle of {len(component)} modules:\n{lines}")
    assert not report, "\n".join(report)


# Outside a ``db`` package, code may name a session (to hold a transaction open across calls)
# and catch database errors, but never write a query.
SQL_ALLOWED = {"sqlalchemy.orm": {"Session"}, "sqlalchemy.exc": None}


def _sql_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("sqlalchemy")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            allowed = SQL_ALLOWED.get(node.module or "", set())
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names
                      if allowed is not None and a.name not in allowed]
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_sql_is_written_only_in_db_packages(package: str) -> None:
    wrong = []
    for module, path in MODULES.items():
        parts = module.split(".")
        if len(parts) < 2 or parts[1] != package or "db" in parts[1:3] or parts[1] == "cmd":
            continue
        wrong += [f"{path.relative_to(ROOT)}:{line}: imports {name}"
                  for line, name in _sql_imports(path)]
    assert not wrong, "SQL outside a db package (move the query into <service>/db/):\n" + \
        "\n".join(wrong)
