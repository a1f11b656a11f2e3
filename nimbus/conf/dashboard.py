"""Dashboard settings."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DashboardSettings:
    # Sign-in through identity providers (Horizon's WEBSSO_CHOICES and WEBSSO_IDP_MAPPING):
    # each ``{id, label, idp, protocol}`` is offered beside the user name and password, and
    # sends the browser to identity's WebSSO URL for that provider and protocol.
    websso_choices: list[dict[str, str]] = field(default_factory=list)
