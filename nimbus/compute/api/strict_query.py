"""Query parameters a route does not know: ignored before the microversion at which Nova's
schema for it starts refusing them, a 400 naming them from then on."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import ValidationError


def refuse_unknown(req: ApiRequest[Any], known: Collection[str], since: str) -> None:
    """Nova's 400 for parameters outside ``known``, from microversion ``since`` on."""
    extra = sorted(set(req.query) - set(known))
    if not extra or not req.at_least(since):
        return
    shown = ", ".join(repr(name) for name in extra)
    raise ValidationError(
        f"Invalid input for query parameters {', '.join(extra)}. Value: "
        f"{req.query.get(extra[0])}. Additional properties are not allowed ({shown} "
        f"{'was' if len(extra) == 1 else 'were'} unexpected)", field=extra[0],
        reason="Additional properties are not allowed")
