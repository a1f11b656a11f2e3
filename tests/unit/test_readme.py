"""The README's coverage table is generated from the tests and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_table_is_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "coverage_table.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
