"""What a server's ports ask of Placement (their ``resource_request``, as Neutron gives it for
minimum-bandwidth and minimum-packet-rate rules), and which provider each request went to.

The scheduler claims a host together with the ports' request groups in that host's tree (one
``allocation_candidates`` request, each group suffixed, each port's groups in one subtree);
the agent then binds each port with ``binding:profile.allocation``: its group ids and the
providers they took, as Nova does.
"""

from __future__ import annotations

from typing import Any

from nimbus.clients.placement import PlacementClient
from nimbus.core.errors import Conflict


def requests_of(requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"port_id", "resource_request"}]`` of the requested ports that ask for something."""
    return [{"port_id": r["port_id"], "resource_request": r["resource_request"]}
            for r in requested if r.get("port_id") and r.get("resource_request")]


def query(flavor: dict[str, int], ports: list[dict[str, Any]],
          tree: str) -> list[tuple[str, str]]:
    """The candidates query for the flavor's resources and every port group, on ``tree``."""
    found = {"group_policy": "none", "limit": "1"}
    if any(n > 0 for n in flavor.values()):
        found["resources"] = ",".join(f"{rc}:{n}" for rc, n in sorted(flavor.items())
                                      if n > 0)
        found["in_tree"] = tree
    subtrees: list[str] = []
    for p, port in enumerate(ports):
        request = port["resource_request"]
        suffixes = {}
        for g, group in enumerate(request.get("request_groups") or []):
            suffix = f"_p{p}g{g}"
            suffixes[group["id"]] = suffix
            found[f"resources{suffix}"] = ",".join(
                f"{rc}:{n}" for rc, n in sorted(group["resources"].items()))
            if group.get("required"):
                found[f"required{suffix}"] = ",".join(group["required"])
            found[f"in_tree{suffix}"] = tree
        same = [suffixes[i] for i in request.get("same_subtree") or [] if i in suffixes]
        if len(same) > 1:
            subtrees.append(",".join(same))
    # One same_subtree per port: the parameter is given once for each.
    return [*found.items(), *(("same_subtree", s) for s in subtrees)]


def claim_for(placement: PlacementClient, flavor: dict[str, int], ports: list[dict[str, Any]],
              tree: str) -> dict[str, Any]:
    """The allocation of the flavor and the ports' groups on ``tree``; Conflict when the host
    cannot give them."""
    found = placement.candidates(query(flavor, ports, tree))
    requests = found.get("allocation_requests") or []
    if not requests:
        raise Conflict("The host cannot give the ports the bandwidth or packet rate their "
                       "QoS policies ask for.")
    return dict(requests[0]["allocations"])


def mappings(ports: list[dict[str, Any]], allocations: dict[str, Any]) -> dict[str, dict[str, str]]:
    """port id -> {group id: provider}: for each group, the provider of the server's
    allocation that holds the group's resource classes."""
    out: dict[str, dict[str, str]] = {}
    for port in ports:
        for group in port["resource_request"].get("request_groups") or []:
            wanted = set(group["resources"])
            rp = next((rp for rp, held in allocations.items()
                       if wanted <= set((held or {}).get("resources") or {})), None)
            if rp is not None:
                out.setdefault(port["port_id"], {})[group["id"]] = rp
    return out


def merged(held: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``held`` with ``extra``'s resources added, provider by provider."""
    out = {rp: {"resources": dict(v.get("resources") or {})} for rp, v in held.items()}
    for rp, more in extra.items():
        resources = out.setdefault(rp, {"resources": {}})["resources"]
        for rc, n in (more.get("resources") or {}).items():
            resources[rc] = int(resources.get(rc, 0)) + int(n)
    return out


def without(held: dict[str, Any], request: dict[str, Any] | None,
            placed: dict[str, str]) -> dict[str, Any]:
    """``held`` less what ``request``'s groups took where ``placed`` says."""
    out = {rp: {"resources": dict(v.get("resources") or {})} for rp, v in held.items()}
    for group in (request or {}).get("request_groups") or []:
        rp = placed.get(group["id"])
        if rp not in out:
            continue
        resources = out[rp]["resources"]
        for rc, n in group["resources"].items():
            left = int(resources.get(rc, 0)) - int(n)
            if left > 0:
                resources[rc] = left
            else:
                resources.pop(rc, None)
    return {rp: v for rp, v in out.items() if v["resources"]}
