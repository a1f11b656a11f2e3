"""What the plugins of the OpenStack services share: the path of one item, finding what a
template names by name or id, Heat's wording of statuses a resource should not reach, a
base that hides deprecated properties from ``GET /resource_types`` and a small runner for
multi-step updates polled by the engine."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from nimbus.core import errors
from nimbus.orchestration.resources.base import Resource, ResourceFailure
from nimbus.orchestration.resources.heat_basic import physical_name
from nimbus.orchestration.resources.schema import Prop, TypeInfo

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                     r"[0-9a-fA-F]{12}$")
# How long a delete refused with a conflict (still in use: a port going away, a detach not
# yet seen) is tried again before the conflict is the resource's failure.
CONFLICT_RETRY_SECS = 60.0


def is_uuid(value: str) -> bool:
    return bool(UUID_RE.match(value or ""))


def item(collection: str, ident: str) -> str:
    """``collection/ident`` with the id quoted, so no name or id becomes another URL."""
    if not ident:
        raise errors.NotFound(f"{collection.rsplit('/', 1)[-1]} {ident!r} could not be found.")
    return f"{collection}/{quote(str(ident), safe='')}"


def query(path: str, **params: Any) -> str:
    wanted = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(wanted, doseq=True)}" if wanted else path


def fetch(client: Any, path: str, key: str | None = None, **kw: Any) -> dict[str, Any] | None:
    """GET ``path`` (the ``key`` member of the answer); None when it is not there (404)."""
    try:
        body = client.get(path, **kw)
    except errors.NotFound:
        return None
    if not isinstance(body, dict):
        return None
    if key is None:
        return body
    found = body.get(key)
    return found if isinstance(found, dict) else None


def remove(client: Any, path: str, **kw: Any) -> None:
    """DELETE ``path``; one already gone is not an error."""
    client.delete(path, ok=(404,), **kw)


def failure(kind: str, message: str) -> ResourceFailure:
    return ResourceFailure(message, kind)


def in_error(status: str, reason: str = "Unknown") -> ResourceFailure:
    """Heat's ``ResourceInError``."""
    return ResourceFailure(f'Went to status {status} due to "{reason}"', "ResourceInError")


def unknown_status(result: str, status: str, reason: str = "Unknown") -> ResourceFailure:
    """Heat's ``ResourceUnknownStatus``."""
    return ResourceFailure(f'{result} - Unknown status {status} due to "{reason}"',
                           "ResourceUnknownStatus")


def conflict(*props: str) -> ResourceFailure:
    return failure("ResourcePropertyConflict", "Cannot define the following properties at the "
                                               f"same time: {', '.join(props)}.")


def unspecified(*props: str) -> ResourceFailure:
    return failure("PropertyUnspecifiedError", "At least one of the following properties must "
                                               f"be specified: {', '.join(props)}.")


def not_assigned(prop: str) -> ResourceFailure:
    return failure("StackValidationFailed", f"Property {prop} not assigned")


def dumps_meta(metadata: dict[str, Any] | None) -> dict[str, str]:
    """Metadata as Nova and Cinder take it: non-string values serialised to JSON."""
    return {str(k): v if isinstance(v, str) else json.dumps(v)
            for k, v in (metadata or {}).items()}


def _public(props: dict[str, Prop], hidden: frozenset[str], required: frozenset[str],
            prefix: str = "") -> dict[str, Prop]:
    shown: dict[str, Prop] = {}
    for key, prop in props.items():
        path = f"{prefix}{key}"
        if path in hidden:
            continue
        if path in required:
            prop = dataclasses.replace(prop, required=True)
        if prop.schema:
            prop = dataclasses.replace(prop, schema=_public(prop.schema, hidden, required,
                                                            f"{path}."))
        elif prop.items is not None and prop.items.schema:
            inner = dataclasses.replace(prop.items, schema=_public(prop.items.schema, hidden,
                                                                   required, f"{path}."))
            prop = dataclasses.replace(prop, items=inner)
        shown[key] = prop
    return shown


class ServiceResource(Resource):
    """A resource made in another service.

    ``HIDDEN`` names (dotted, list items transparent) properties Heat still takes but no longer
    shows: the deprecated spellings (``network_id`` for ``network``...). Such a pair cannot be
    required by the schema, so ``SHOWN_REQUIRED`` names those described as required, as Heat
    describes them, and ``validate_properties`` enforces it.
    """

    HIDDEN: ClassVar[frozenset[str]] = frozenset()
    SHOWN_REQUIRED: ClassVar[frozenset[str]] = frozenset()
    # Attributes still given but no longer shown (``first_address`` of a server).
    HIDDEN_ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def info(cls) -> TypeInfo:
        found = super().info()
        found.properties = _public(found.properties, cls.HIDDEN, cls.SHOWN_REQUIRED)
        found.attributes = {k: v for k, v in found.attributes.items()
                            if k not in cls.HIDDEN_ATTRIBUTES}
        return found

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        """Heat's own checks of how properties hold together (no service is asked), raising
        ``ResourceFailure`` with Heat's kind. ``complete`` is False while values may still be
        unknown (None): then only what is given is checked, never what is missing. ``create``
        runs it with everything resolved."""

    # -- helpers ----------------------------------------------------------------------------
    def default_name(self) -> str:
        """The name Heat gives what an unnamed resource makes, kept once chosen."""
        name = self.data.get("physical_name")
        if not name:
            name = physical_name(self.rt.stack_name, self.rt.resource_name)
            self.data["physical_name"] = name
        return str(name)

    def name_or_default(self, props: dict[str, Any] | None = None) -> str:
        value = (props if props is not None else self.properties).get("name")
        return str(value) if value else self.default_name()

    def client(self, service: str) -> Any:
        """The runtime's client of ``service``, made once per runtime (an update gives the
        plugin a new one)."""
        cache: dict[str, tuple[Any, Any]] = self.__dict__.setdefault("_clients", {})
        known = cache.get(service)
        if known is None or known[0] is not self.rt:
            known = (self.rt, self.rt.client(service))
            cache[service] = known
        return known[1]

    def delete_retrying(self, attempt: Callable[[], None]) -> bool:
        """Run ``attempt`` (a DELETE); True once done. A conflict (still in use) is tried
        again on later polls for a while, as Heat retries a delete refused so."""
        try:
            attempt()
        except errors.Conflict:
            first = float(self.data.setdefault("_conflict_since", time.time()))
            if time.time() - first > CONFLICT_RETRY_SECS:
                raise
            return False
        self.data.pop("_conflict_since", None)
        return True


# -- multi-step work polled by the engine ----------------------------------------------------
class ItemResource(ServiceResource):
    """A resource that is one item of ``COLLECTION`` (answered under ``KEY``) of the API of
    ``SERVICE``: its path, its record as the API shows it, its attributes read from it."""

    SERVICE: ClassVar[str] = ""
    COLLECTION: ClassVar[str] = ""
    KEY: ClassVar[str] = ""

    @property
    def api(self) -> Any:
        return self.client(self.SERVICE)

    def _path(self) -> str:
        return item(self.COLLECTION, str(self.physical_id))

    def _show(self) -> dict[str, Any] | None:
        if not self.physical_id:
            return None
        return fetch(self.api, self._path(), self.KEY)

    def show(self) -> Any:
        return self._show()

    def attribute(self, name: str) -> Any:
        if name == "show":
            return self.show()
        found = self._show()
        return found.get(name) if found else None


def run_steps(data: dict[str, Any], call: Callable[[dict[str, Any]], None],
              done: Callable[[dict[str, Any]], bool], key: str = "_steps") -> bool:
    """Advance the first unfinished step of ``data[key]`` once: start it (``call``) or look
    whether it is over (``done``). True when no step is left. Steps are plain dicts (saved with
    the resource) with at least ``op``."""
    steps: list[dict[str, Any]] = data.setdefault(key, [])
    while steps:
        step = steps[0]
        if not step.get("called"):
            call(step)
            step["called"] = True
            return False
        if not done(step):
            return False
        steps.pop(0)
    data.pop(key, None)
    return True


def plan(data: dict[str, Any], steps: Iterable[dict[str, Any]], key: str = "_steps") -> None:
    data[key] = [dict(s) for s in steps]
