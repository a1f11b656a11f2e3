"""One resource's step (create, update, delete…): its plugin driven through it, its state
saved and its events written as it goes, hooks waited on, and failures worded as Heat words
them (``ValueError: resources.name: what went wrong``)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nimbus.core.errors import NimbusError
from nimbus.orchestration.engine.loaded import LoadedStack, ResourceState
from nimbus.orchestration.resources.base import Resource, ResourceFailure, UpdateReplace

if TYPE_CHECKING:
    from nimbus.orchestration.engine.runner import StackRunner


class StepFailed(Exception):
    """A resource failed; ``reason`` is what its status and the stack's say."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Aborted(Exception):
    pass


def failure_text(name: str, exc: BaseException) -> str:
    """How Heat words a resource's failure: the error's kind, the resource, the message."""
    if isinstance(exc, StepFailed):
        return exc.reason
    if isinstance(exc, ResourceFailure):
        kind = exc.kind
    elif isinstance(exc, NimbusError):
        kind = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                413: "OverLimit"}.get(exc.code, type(exc).__name__)
        message = exc.message
        return f"{kind}: resources.{name}: {message}"
    else:
        kind = type(exc).__name__
    message = getattr(exc, "message", None) or str(exc)
    if message.startswith(f"resources.{name}"):
        return f"{kind}: {message}"
    return f"{kind}: resources.{name}: {message}"


class Steps:
    """The steps of one runner's resources."""

    def __init__(self, runner: StackRunner) -> None:
        self.runner = runner
        self.store = runner.store

    @property
    def abort(self) -> threading.Event:
        return self.runner.abort

    def _event(self, state: ResourceState, reason: str = "state changed",
               props: dict[str, Any] | None = None) -> None:
        self.store.event(self.runner.stack_id, state.name, state.type, state.physical_id,
                         state.action, state.status, reason, props)

    def set_state(self, state: ResourceState, action: str, status: str,
                  reason: str = "state changed", props: dict[str, Any] | None = None) -> None:
        state.action, state.status = action, status
        state.reason = reason
        self.store.save(self.runner.stack_id, state)
        self._event(state, reason, props)

    def _poll(self, check: Callable[[], bool], plugin: Resource, state: ResourceState,
              action: str) -> None:
        delay = 0.02
        while not check():
            if self.abort.is_set():
                plugin.cancel()
                raise Aborted(f"{action} aborted")
            state.physical_id = plugin.physical_id
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        state.physical_id = plugin.physical_id

    def wait_hook(self, stack: LoadedStack, state: ResourceState, hook: str,
                  action: str) -> None:
        """Stop before ``action`` until the hook is cleared by a signal (``unset_hook``)."""
        if hook not in self.runner.hooks_of(stack, state.name):
            return
        state.data["_hook"] = hook
        self.store.save(self.runner.stack_id, state)
        self._event(state, f"{action.upper()} paused until Hook {hook} is cleared")
        while True:
            data = self.store.data_of(state.id)
            if data.get("_hook") != hook:
                state.data.pop("_hook", None)
                return
            if self.abort.is_set():
                raise Aborted(f"{action.upper()} aborted")
            time.sleep(0.25)

    def _plugin(self, stack: LoadedStack, state: ResourceState,
                props: dict[str, Any]) -> Resource:
        cls = stack.plugin_class(state.name)
        plugin = cls(self.runner.runtime(stack, state.name), props, state.data,
                     state.physical_id)
        state.plugin = plugin
        return plugin

    def _failed(self, state: ResourceState, action: str, exc: BaseException) -> StepFailed:
        reason = failure_text(state.name, exc) if not isinstance(exc, Aborted) else \
            f"{action} aborted"
        if isinstance(exc, Aborted):
            reason = f"{action} aborted (Timed out)" if self.runner.timed_out() else reason
        self.set_state(state, action, "FAILED", reason)
        return StepFailed(reason)

    # -- create -----------------------------------------------------------------------------
    def create(self, stack: LoadedStack, name: str, hooks: bool = True) -> None:
        """Make ``name``; its pre-create hook holds it only while the stack is being created
        (a resource new in an update is made without)."""
        state = stack.resources[name]
        if hooks:
            self.wait_hook(stack, state, "pre-create", "create")
        try:
            props = stack.properties_of(name)
        except Exception as exc:  # noqa: BLE001 - any failure is the resource's, worded
            raise self._failed(state, "CREATE", exc) from None
        state.type = stack.type_of(name)
        self.set_state(state, "CREATE", "IN_PROGRESS")
        plugin = self._plugin(stack, state, props)
        try:
            plugin.create()
            state.physical_id = plugin.physical_id
            self.store.save(self.runner.stack_id, state)
            self._poll(plugin.check_create_complete, plugin, state, "CREATE")
        except Exception as exc:  # noqa: BLE001 - any failure is the resource's, worded
            state.physical_id = plugin.physical_id
            raise self._failed(state, "CREATE", exc) from None
        state.properties = props
        state.metadata = plugin.metadata or state.metadata
        self.set_state(state, "CREATE", "COMPLETE")
        if hooks:
            self.wait_hook(stack, state, "post-create", "create")

    def adopt(self, stack: LoadedStack, name: str, record: dict[str, Any] | None) -> None:
        """Take over what another stack made (its abandon record): the resource gets the
        physical id and data recorded; one the record lacks is made afresh."""
        if not record or not record.get("resource_id"):
            self.create(stack, name, hooks=False)
            return
        state = stack.resources[name]
        state.type = stack.type_of(name)
        self.set_state(state, "ADOPT", "IN_PROGRESS")
        try:
            props = stack.properties_of(name)
        except Exception as exc:  # noqa: BLE001 - any failure is the resource's, worded
            raise self._failed(state, "ADOPT", exc) from None
        state.physical_id = str(record["resource_id"])
        state.data = dict(record.get("resource_data") or {})
        state.metadata = dict(record.get("metadata") or {})
        state.properties = props
        self._plugin(stack, state, props)
        self.set_state(state, "ADOPT", "COMPLETE")

    # -- delete -----------------------------------------------------------------------------
    def delete(self, stack: LoadedStack | None, state: ResourceState,
               policy: str = "Delete") -> None:
        if state.action == "INIT" and state.status == "COMPLETE":
            self.store.remove(state.id)
            return
        if state.action == "DELETE" and state.status == "COMPLETE":
            self.store.remove(state.id)
            return
        if stack is not None and state.name in stack.definitions:
            self.wait_hook(stack, state, "pre-delete", "delete")
        self.set_state(state, "DELETE", "IN_PROGRESS")
        plugin = state.plugin
        try:
            if plugin is not None and policy != "Retain":
                plugin.delete()
                self._poll(plugin.check_delete_complete, plugin, state, "DELETE")
        except Exception as exc:  # noqa: BLE001 - any failure is the resource's, worded
            raise self._failed(state, "DELETE", exc) from None
        self.set_state(state, "DELETE", "COMPLETE")
        self.store.remove(state.id)

    # -- update -----------------------------------------------------------------------------
    def update(self, old: LoadedStack, new: LoadedStack, name: str,
               replaced: list[ResourceState]) -> None:
        """Bring ``name`` to its new definition: made if new, changed in place if its type
        allows, else replaced (the old one is deleted once the update is done)."""
        state = old.resources.get(name)
        if state is None or state.action == "INIT" or \
                (state.action == "CREATE" and state.status == "FAILED" and not state.physical_id):
            if state is None:
                state = ResourceState(id=str(uuid.uuid4()), name=name, type=new.type_of(name))
            new.resources[name] = state
            state.requires = sorted(new.needs[name])
            self.create(new, name, hooks=False)
            return
        new.resources[name] = state
        # Held before anything is decided, even when nothing changes, as Heat holds it.
        self.wait_hook(new, state, "pre-update", "update")
        new_type = new.type_of(name)
        try:
            props = new.properties_of(name)
        except Exception as exc:  # noqa: BLE001 - any failure is the resource's, worded
            raise self._failed(state, "UPDATE", exc) from None
        changed = {k for k in set(props) | set(state.properties)
                   if props.get(k) != state.properties.get(k)}
        old_defn = old.definitions.get(name)
        meta_changed = (new.definitions[name].metadata or {}) != \
            ((old_defn.metadata if old_defn is not None else None) or {})
        if new_type == state.type and not changed and not meta_changed and \
                state.status == "COMPLETE":
            state.requires = sorted(new.needs[name])
            if state.plugin is not None:
                state.plugin.rt = self.runner.runtime(new, name)
            return
        plugin = state.plugin
        if new_type == state.type and plugin is not None:
            try:
                plugin.rt = self.runner.runtime(new, name)
                before = dict(plugin.properties)
                plugin.update(props, changed)
                self.set_state(state, "UPDATE", "IN_PROGRESS")
                self._poll(plugin.check_update_complete, plugin, state, "UPDATE")
                del before
            except UpdateReplace:
                pass
            except Exception as exc:  # noqa: BLE001 - any failure is the resource's, worded
                raise self._failed(state, "UPDATE", exc) from None
            else:
                state.properties = props
                state.requires = sorted(new.needs[name])
                state.metadata = plugin.metadata or state.metadata
                self.set_state(state, "UPDATE", "COMPLETE")
                return
        # Replacement: a new resource of the same name, the old one deleted afterwards.
        fresh = ResourceState(id=str(uuid.uuid4()), name=name, type=new_type,
                              requires=sorted(new.needs[name]))
        new.resources[name] = fresh
        self.store.replaced(state.id, fresh.id)
        replaced.append(state)
        self.create(new, name, hooks=False)
