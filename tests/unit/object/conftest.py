"""Fixtures for object storage: a cloud running only the object service, with its file driver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.personas import project_of


def account(persona: str = "member") -> str:
    return f"/v1/AUTH_{project_of(persona)}"


@pytest.fixture
def swift(make_cloud: Callable[..., Any]) -> Any:
    """The persona client on ``/object``; paths start at ``/v1/AUTH_...``."""
    _cloud, api = make_cloud(["object"], prefix="/object")
    return api


@pytest.fixture
def member(swift: Any) -> Any:
    return swift.as_("member")
