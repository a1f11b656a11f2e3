"""How a metadata proxy vouches for the guest it forwards a request for (Neutron to Nova)."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, instance_id: str) -> str:
    """The ``X-Instance-ID-Signature`` a metadata proxy sends: HMAC-SHA256 of the id."""
    return hmac.new(secret.encode(), instance_id.encode(), hashlib.sha256).hexdigest()
