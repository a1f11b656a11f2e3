"""The contract between the engine and a resource plugin.

The engine resolves a resource's properties, checks them against the plugin's schema and then
drives the plugin: ``create`` starts the work and ``check_create_complete`` is polled until it
says done (or raises); ``update`` and ``delete`` likewise. A plugin reaches the cloud only
through ``self.rt`` (the stack's runtime), whose clients act through the stack's trust, so a
long stack never depends on its owner's token. What a plugin must remember between calls, and
across engine restarts, it keeps in ``self.data`` (saved with the resource).
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from nimbus.orchestration.resources.schema import SHOW, Attr, Prop, Support, TypeInfo


class UpdateReplace(Exception):
    """Raised by ``update`` when the change cannot be made in place: the engine makes a new
    resource and deletes the old one."""


class ResourceFailure(Exception):
    """A resource could not reach the state asked for; the message is the reason shown in the
    resource's status and events (the service's own fault text, usually)."""

    def __init__(self, message: str, kind: str = "ResourceFailure") -> None:
        super().__init__(message)
        self.kind = kind


class Runtime(Protocol):
    """What the engine gives a plugin: who and where it is, and the cloud's APIs."""

    stack_id: str
    stack_name: str
    project_id: str
    resource_name: str

    def client(self, service: str) -> Any:
        """A client of ``service`` ("compute", "network"…) acting through the stack's trust."""

    def nested(self) -> Any:
        """Operations on the nested stack this resource owns (template and group resources)."""

    def software(self) -> Any:
        """The orchestration service's own software configs and deployments."""

    def signal_url(self, ident: str) -> str:
        """A pre-signed URL a server may POST to, without a token, to signal ``ident``."""

    def resource_signal_url(self, stack_id: str, resource_name: str) -> str:
        """A pre-signed URL that signals a resource of a stack (no token needed)."""

    def native_signal_url(self) -> str:
        """This resource's signal URL in the orchestration API (a token is needed there)."""

    def resource_data(self, resource_id: str) -> dict[str, Any]:
        """Another resource's saved data as it is now (signals it recorded)."""


class Resource:
    """A resource type; subclasses declare their schema and override the steps they have."""

    TYPE: ClassVar[str] = ""
    DESCRIPTION: ClassVar[str] = ""
    PROPERTIES: ClassVar[dict[str, Prop]] = {}
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {}
    SUPPORT: ClassVar[Support] = Support()
    # Signals (``POST .../signal``) are taken by this type.
    SIGNALS: ClassVar[bool] = False

    def __init__(self, rt: Runtime, properties: dict[str, Any], data: dict[str, Any],
                 physical_id: str | None = None) -> None:
        self.rt = rt
        self.properties = properties
        self.data = data
        self.physical_id = physical_id
        # Metadata the resource publishes (what software deployments read), saved with it.
        self.metadata: dict[str, Any] | None = None

    @classmethod
    def info(cls) -> TypeInfo:
        attributes = {**cls.ATTRIBUTES, "show": SHOW}
        return TypeInfo(cls.TYPE, dict(cls.PROPERTIES), attributes, cls.DESCRIPTION,
                        cls.SUPPORT)

    # -- the steps --------------------------------------------------------------------------
    def create(self) -> None:
        """Start making the resource; set ``physical_id`` as soon as it is known."""

    def check_create_complete(self) -> bool:
        return True

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        """Apply ``changed`` properties in place (``new`` are all of them), or raise
        ``UpdateReplace``. By default only properties marked ``update_allowed`` are changed
        in place, by doing nothing more than keeping the new values."""
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        self.properties = new

    def check_update_complete(self) -> bool:
        return True

    def delete(self) -> None:
        """Start removing the resource; one that is already gone is not an error."""

    def check_delete_complete(self) -> bool:
        return True

    def cancel(self) -> None:
        """The step in progress is given up (the stack timed out or was cancelled): let
        whatever waits on it know."""

    def suspend(self) -> None:
        """Pause what can be paused (a server); most resources have nothing to do."""

    def resume(self) -> None:
        """Undo ``suspend``."""

    def check(self) -> None:
        """Confirm the resource still exists as it should; raise ``ResourceFailure`` if not."""

    def signal(self, details: Any) -> None:
        raise ResourceFailure(f"Signal resource during {self.TYPE} is not supported.",
                              "ResourceActionNotSupported")

    # -- what templates read ----------------------------------------------------------------
    def reference(self) -> Any:
        """What ``get_resource`` gives: the physical id, or the name while there is none."""
        return self.physical_id

    def attribute(self, name: str) -> Any:
        """The value of attribute ``name`` (``show`` is the whole resource as its API shows
        it); None when not available."""
        if name == "show":
            return self.show()
        return self.data.get("attributes", {}).get(name)

    def show(self) -> Any:
        return None
