"""Pre-signed signal URLs: what a server POSTs its deployment's outputs to without a token.

The URL names the deployment and carries an HMAC of it under the cloud's orchestration signal
key, so only someone who was given the URL (the server, through its metadata) can signal."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

# A signal target naming a resource (rather than a deployment): ``res.<stack>.<name>``, the
# name in URL-safe base64 so that any name fits in one path segment.
_RESOURCE = "res."


def resource_target(stack_id: str, resource_name: str) -> str:
    name = base64.urlsafe_b64encode(resource_name.encode()).decode().rstrip("=")
    return f"{_RESOURCE}{stack_id}.{name}"


def resource_of(target: str) -> tuple[str, str] | None:
    """(stack id, resource name) of a resource target; None for a deployment's."""
    if not target.startswith(_RESOURCE):
        return None
    stack_id, _, encoded = target[len(_RESOURCE):].partition(".")
    try:
        name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except ValueError:
        return None
    return stack_id, name


def _key(platform: Any) -> bytes:
    return str(platform.secrets.get("orchestration_signal_key") or
               platform.secrets["heat_password"]).encode()


def signature(platform: Any, deployment_id: str) -> str:
    return hmac.new(_key(platform), deployment_id.encode(), hashlib.sha256).hexdigest()


def signed_url(platform: Any, deployment_id: str) -> str:
    base = platform.settings.public_url.rstrip("/")
    return (f"{base}/orchestration/v1/signal/{deployment_id}"
            f"?signature={signature(platform, deployment_id)}")


def valid(platform: Any, deployment_id: str, given: str) -> bool:
    return hmac.compare_digest(signature(platform, deployment_id), given or "")
