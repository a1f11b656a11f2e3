#!/usr/bin/env python3
"""Write the README's coverage table from the tests themselves.

Every test module may declare ``COVERS = [("service", "operation"), ...]``; the table lists each
service × operation with the modules that test it, plus the tempest tests in the ratchet.
`--check` exits 1 when the README is stale (a unit test runs it).
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- coverage-table:start -->", "<!-- coverage-table:end -->"


def collect() -> dict[tuple[str, str], set[str]]:
    table: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                if isinstance(target, ast.Name) and target.id == "COVERS" and node.value:
                    for service, operation in ast.literal_eval(node.value):
                        table[(service, operation)].add(str(path.relative_to(ROOT)))
    return table


def ratchet() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    path = ROOT / "tests" / "interop" / "passing.txt"
    for line in path.read_text().split() if path.exists() else []:
        parts = line.split(".")
        if parts[0] == "heat_tempest_plugin":
            counts["orchestration (heat-tempest-plugin)"] += 1
        else:
            counts[parts[2] if len(parts) > 2 else "other"] += 1
    return counts


def render() -> str:
    rows = ["| service | operation | tested by |", "|---|---|---|"]
    for (service, operation), modules in sorted(collect().items()):
        rows.append(f"| {service} | {operation} | {', '.join(f'`{m}`' for m in sorted(modules))} |")
    counts = ratchet()
    if counts:
        rows.append("")
        rows.append("Stock tempest tests that pass and are held by the ratchet "
                    "(`tests/interop/passing.txt`): " +
                    ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ".")
    return "\n".join(rows)


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    new = re.sub(re.escape(START) + ".*?" + re.escape(END),
                 lambda _: f"{START}\n{render()}\n{END}", text, flags=re.S)
    if "--check" in sys.argv:
        if new != text:
            print("README coverage table is stale: run scripts/coverage_table.py")
            return 1
        return 0
    readme.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
