"""Remote consoles (``/servers/{id}/remote-consoles``, 2.6+), their tokens
(``/os-console-auth-tokens``) and a server's diagnostics."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, server_for
from nimbus.compute.api.strict_query import refuse_unknown
from nimbus.compute.schemas import consoles as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Router

router = Router()


@router.post(f"{V}/servers/{{server_id}}/remote-consoles", body=schemas.REMOTE_CONSOLE,
             min_version="2.6", faults=(409,))
def create(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Open a remote console on a server."""
    row = server_for(req, "os_compute_api:os-remote-consoles")
    wanted = req.json["remote_console"]
    console = req.svc.consoles.create(req.ctx, row, wanted["protocol"], wanted["type"],
                                      req.service_url)
    return {"remote_console": console}


@router.get(f"{V}/os-console-auth-tokens/{{console_token}}",
            policy="os_compute_api:os-console-auth-tokens")
def show_token(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show where a console token leads."""
    # From 2.99 the query takes nothing, and the answer has a TLS port (none here).
    refuse_unknown(req, (), "2.99")
    console = req.svc.consoles.show_token(req.params["console_token"],
                                          rdp_only=not req.at_least("2.31"))
    if req.at_least("2.99"):
        console.setdefault("tls_port", None)
    return {"console": console}


@router.get(f"{V}/servers/{{server_id}}/diagnostics", faults=(409,))
def diagnostics(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show a server's diagnostics (the standard shape from 2.48, the driver's own before)."""
    row = server_for(req, "os_compute_api:os-server-diagnostics")
    found = req.svc.lifecycle.diagnostics(req.ctx, row)
    if req.at_least("2.48"):
        return found
    # Before 2.48 each driver answered with its own flat keys; these are libvirt's.
    flat: dict[str, Any] = {f"cpu{c['id']}_time": c["time"] for c in found["cpu_details"]}
    flat["memory"] = found["memory_details"]["maximum"] * 1024
    for i, disk in enumerate(found["disk_details"]):
        name = f"vd{chr(97 + i)}"
        flat.update({f"{name}_read": disk["read_bytes"], f"{name}_read_req": disk["read_requests"],
                     f"{name}_write": disk["write_bytes"],
                     f"{name}_write_req": disk["write_requests"],
                     f"{name}_errors": disk["errors_count"]})
    for i, nic in enumerate(found["nic_details"]):
        for direction, short in (("rx", "rx"), ("tx", "tx")):
            flat[f"tap{i}_{short}"] = nic[f"{direction}_octets"]
            for part in ("drop", "errors", "packets"):
                flat[f"tap{i}_{short}_{part}"] = nic[f"{direction}_{part}"]
    return flat
