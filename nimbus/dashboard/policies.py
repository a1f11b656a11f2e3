"""The dashboard has no API of its own to protect: each page calls the services' APIs as the
signed-in user, and their policies decide what it may see and do, as for the CLI."""

from __future__ import annotations

RULES: dict[str, str] = {}
