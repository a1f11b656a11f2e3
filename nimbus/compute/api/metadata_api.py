"""The metadata API (Nova's), under the compute prefix: ``GET metadata/<path>``.

It answers the network service's metadata proxy, which a guest reaches at 169.254.169.254:
the proxy names the guest in ``X-Instance-ID`` and its project in ``X-Tenant-ID``, and signs
the id with the shared secret (``X-Instance-ID-Signature``, HMAC-SHA256), as Neutron's proxy
does for Nova. The content is the config drive's (``manager/metadata.py``): ``openstack/``
and ``ec2/`` trees, directories answered with their entries one per line.
"""

from __future__ import annotations

import hmac

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from nimbus.compute.manager import metadata
from nimbus.compute.manager.guests import PasswordTaken, guest_metadata, set_guest_password
from nimbus.compute.state import ComputeState
from nimbus.core.api.service import ServiceRuntime

# Nova takes at most this much of a posted password (an encrypted blob, base64).
PASSWORD_MAX = 256


def routes(runtime: ServiceRuntime[ComputeState]) -> list[BaseRoute]:
    def refused(request: Request) -> Response | None:
        """The answer to a request the proxy did not sign with the shared secret, else None."""
        instance_id = request.headers.get("x-instance-id", "")
        given = request.headers.get("x-instance-id-signature", "")
        if not instance_id or not given:
            return PlainTextResponse("X-Instance-ID and X-Instance-ID-Signature are required.",
                                     status_code=400)
        secret = runtime.state.metadata_secret
        if not secret or not hmac.compare_digest(given, metadata.signature(secret, instance_id)):
            return PlainTextResponse("Invalid proxy request signature.", status_code=403)
        return None

    async def answer(request: Request) -> Response:
        failed = refused(request)
        if failed is not None:
            return failed
        content = await anyio.to_thread.run_sync(
            guest_metadata, runtime.state.db, request.headers["x-instance-id"],
            request.headers.get("x-tenant-id"))
        if content is None:
            return PlainTextResponse("Instance not found.", status_code=404)
        body = metadata.listing(content, request.path_params.get("path", ""))
        if body is None:
            return PlainTextResponse("Not found.", status_code=404)
        kind = "application/json" if request.url.path.endswith(".json") else "text/plain"
        return Response(body, media_type=kind)

    async def password(request: Request) -> Response:
        """A guest posts its encrypted password once (``openstack/<version>/password``)."""
        failed = refused(request)
        if failed is not None:
            return failed
        body = await request.body()
        if len(body) > PASSWORD_MAX:
            return PlainTextResponse("Request is too large.", status_code=400)
        try:
            found = await anyio.to_thread.run_sync(
                set_guest_password, runtime.state.servers, runtime.state.db,
                request.headers["x-instance-id"], request.headers.get("x-tenant-id"),
                body.decode(errors="replace"))
        except PasswordTaken:
            return PlainTextResponse("Password already set.", status_code=409)
        if not found:
            return PlainTextResponse("Instance not found.", status_code=404)
        return Response(b"", status_code=200)

    return [Route("/metadata/openstack/{version}/password", password, methods=["POST"]),
            Route("/metadata/", answer, methods=["GET", "HEAD"]),
            Route("/metadata/{path:path}", answer, methods=["GET", "HEAD"])]
