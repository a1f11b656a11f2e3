"""Attribute policy and shaping shared by the resource APIs: which attributes a caller may set
and see, ``fields=`` selection, and the bodies of bulk creates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.api.request import ApiRequest
from nimbus.network.errors import HiddenNotFound
from nimbus.network.schemas import convert
from nimbus.network.schemas.attributes import Attr, items_of
from nimbus.network.state import NetworkState


def fields_of(req: ApiRequest[NetworkState]) -> list[str]:
    return [f for value in req.query.getlist("fields") for f in value.split(",") if f]


def select_fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in fields} if fields else item


def hidden(req: ApiRequest[NetworkState], resource: str) -> frozenset[str]:
    """The attributes the caller may not see at all (``get_port:binding:host_id`` and friends,
    checked against the caller's own project)."""
    prefix = f"get_{resource}:"
    return frozenset(rule[len(prefix):] for rule in req.enforcer.rule_names
                     if rule.startswith(prefix) and not req.allowed(rule))


def strip(req: ApiRequest[NetworkState], resource: str, item: dict[str, Any]) -> dict[str, Any]:
    """Drop the attributes the caller may not see on this item."""
    names = req.enforcer.rule_names
    gone = [k for k in item if f"get_{resource}:{k}" in names
            and not req.allowed(f"get_{resource}:{k}", item)]
    return {k: v for k, v in item.items() if k not in gone}


def show(req: ApiRequest[NetworkState], resource: str, item: dict[str, Any]) -> dict[str, Any]:
    return {resource: select_fields(strip(req, resource, item), fields_of(req))}


def enforce_seen(req: ApiRequest[NetworkState], action: str,
                 target: dict[str, Any] | None = None, seen: str | None = None) -> None:
    """Enforce ``action`` as Neutron does on one resource: a caller who may not even see it
    (``seen``, the ``get_`` rule) is told it does not exist (404), not that it is refused."""
    if seen is not None and not req.decide(seen, target):
        raise HiddenNotFound()
    req.enforce(action, target)


# Attribute defaults a create may state without asking for anything: Neutron enforces an
# attribute's rule on create only when the value differs from its default (a template that
# says ``shared: false`` is not asking to share).
_CREATE_DEFAULTS: dict[str, Any] = {"shared": False, "router:external": False,
                                    "is_default": False, "port_security_enabled": True,
                                    "distributed": False, "ha": False,
                                    "mac_learning_enabled": False}


def enforce_attrs(req: ApiRequest[NetworkState], action: str, attrs: dict[str, Any],
                  target: dict[str, Any]) -> None:
    """Enforce ``action`` and each ``action:attr[:sub]`` rule the request's attributes touch."""
    req.enforce(action, target)
    names = req.enforcer.rule_names
    for key, value in attrs.items():
        rule = f"{action}:{key}"
        if action.startswith("create_") and key in _CREATE_DEFAULTS and \
                value == _CREATE_DEFAULTS[key]:
            continue
        if rule in names:
            req.enforce(rule, target)
        subs: list[dict[str, Any]] = []
        if isinstance(value, dict):
            subs = [value]
        elif isinstance(value, list):
            subs = [v for v in value if isinstance(v, dict)]
        for sub in subs:
            for subkey in sub:
                if f"{rule}:{subkey}" in names:
                    req.enforce(f"{rule}:{subkey}", target)


def created(req: ApiRequest[NetworkState], resource: str, collection: str,
            spec: dict[str, Attr]) -> tuple[list[dict[str, Any]], bool]:
    """The normalised attributes of each resource in a create body, and whether it was bulk."""
    items, bulk = items_of(req.json, resource, collection)
    return [convert.attributes(item, spec) for item in items], bulk


def updated(req: ApiRequest[NetworkState], resource: str, spec: dict[str, Attr]) -> dict[str, Any]:
    return convert.attributes(req.json[resource], spec)


def create_all(attrs: list[dict[str, Any]], create: Callable[[dict[str, Any]], dict[str, Any]],
               undo: Callable[[str], None] | None) -> list[dict[str, Any]]:
    """Create each resource; when one fails, the ones made before it are deleted again."""
    done: list[dict[str, Any]] = []
    try:
        for item in attrs:
            done.append(create(item))
    except Exception:
        if undo is not None:
            for made in done:
                undo(made["id"])
        raise
    return done


def network_target(req: ApiRequest[NetworkState], item: dict[str, Any], as_caller: bool) -> dict[str, Any]:
    """A policy target for something on a network: its own attributes plus the network's owner
    and sharing. ``as_caller`` looks the network up as the caller (a create: unknown or
    invisible networks are a 404 before policy); otherwise as the service."""
    ctx = req.ctx if as_caller else RequestContext.admin()
    net = req.svc.networks.get_network(ctx, item["network_id"])
    # Shared as the caller sees it: an RBAC policy may share it with the caller's project.
    shared = net["shared"] or (not as_caller and req.svc.networks.shared_with(
        req.ctx, net["id"]))
    return {"project_id": item.get("project_id") or req.ctx.project_id,
            "network:project_id": net["project_id"], "shared": shared,
            "router:external": net["router:external"], **item}
