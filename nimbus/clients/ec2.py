"""The identity API's EC2 side as the object service's S3 API uses it, as Swift's s3token
middleware does: signatures are checked by identity, which alone keeps the secrets."""

from __future__ import annotations

import base64
from typing import Any

from nimbus.clients.base import ServiceClient, item_path


class Ec2Client(ServiceClient):
    service_type = "identity"

    def s3token(self, access: str, string_to_sign: bytes, signature: str) -> dict[str, Any]:
        """The token body for a request ``access`` signed; ``Unauthorized`` when the signature
        is not the one its secret gives, ``NotFound`` for an unknown access key."""
        token = base64.urlsafe_b64encode(string_to_sign).decode("ascii")
        body = self.post("/s3tokens", {"credentials": {"access": access, "token": token,
                                                       "signature": signature}}) or {}
        return dict(body.get("token") or {})

    def ec2_secret(self, user_id: str, access: str) -> str:
        """The secret of a user's EC2 credential (read with the service's own rights), for a
        check identity cannot make remotely: each chunk of a streamed upload is signed."""
        body = self.get(item_path(f"/users/{user_id}/credentials/OS-EC2", access)) or {}
        return str((body.get("credential") or {}).get("secret") or "")
