"""Pre-signed signal URLs: what a server POSTs its deployment's outputs to without a token.

The URL names the deployment and carries an HMAC of it under the cloud's orchestration signal
key, so only someone who was given the URL (the server, through its metadata) can signal."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any


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
