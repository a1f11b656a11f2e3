"""A stack's actions from start to end: create, update (with rollback), delete, suspend,
resume and check; each walks the resources' graph, and sets the stack's status and events
as Heat does (``Stack CREATE started`` … ``Stack CREATE completed successfully``)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from nimbus.orchestration.engine import graph
from nimbus.orchestration.engine.loaded import Identity, LoadedStack, ResourceState
from nimbus.orchestration.engine.steps import StepFailed, Steps, failure_text
from nimbus.orchestration.engine.store import EngineStore
from nimbus.orchestration.engine.walk import WalkCancelled, WalkFailed, WalkTimedOut, walk
from nimbus.orchestration.template import environment

if TYPE_CHECKING:
    from nimbus.orchestration.db.models import Stack
    from nimbus.orchestration.engine.engine import Engine


class StackRunner:
    """Runs one action on one stack, in the calling thread."""

    def __init__(self, engine: Engine, row: Stack, parent: StackRunner | None = None) -> None:
        self.engine = engine
        # A nested stack's runner stops when its parent's does, and by the parent's clock.
        self.parent = parent
        self.store: EngineStore = engine.store
        self.row = row
        self.stack_id = row.id
        self.abort = threading.Event()
        self.started = time.monotonic()
        self.deadline = (self.started + row.timeout_mins * 60) if row.timeout_mins else None
        if parent is not None and parent.deadline is not None:
            self.deadline = min(self.deadline or parent.deadline, parent.deadline)
        self.steps = Steps(self)
        # A rollback is not held by hooks: it undoes what was held already.
        self.rolling_back = False

    # -- loading ----------------------------------------------------------------------------
    def identity(self) -> Identity:
        return Identity(self.row.id, self.row.name, self.row.project_id, self.row.owner_id,
                        self.row.owner_resource)

    def load(self, doc: dict[str, Any] | None = None, files: dict[str, Any] | None = None,
             env: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
             strict: bool = True) -> LoadedStack:
        row = self.row
        return LoadedStack(self.identity(), doc if doc is not None else row.template,
                           files if files is not None else row.files,
                           environment.read(env if env is not None else row.environment),
                           params if params is not None else row.params, strict=strict,
                           facade=self.engine.facade_of(row))

    def attach(self, stack: LoadedStack) -> None:
        """The resources' rows as states with their plugins (for those already made)."""
        for row in self.store.rows(self.stack_id):
            if row.replaced_by is not None:
                continue
            state = ResourceState(id=row.id, name=row.name, type=row.type, action=row.action,
                                  status=row.status, reason=row.status_reason,
                                  physical_id=row.physical_id, properties=dict(row.properties),
                                  data=dict(row.data), metadata=dict(row.metadata_),
                                  requires=list(row.requires))
            stack.resources[row.name] = state
            if state.action != "INIT" and row.name in stack.definitions:
                try:
                    cls = stack.plugin_class(row.name)
                except Exception:  # noqa: BLE001 - a type gone from the registry: no plugin
                    continue
                state.plugin = cls(self.runtime(stack, row.name), state.properties, state.data,
                                   state.physical_id)
            elif state.action != "INIT":
                self._orphan_plugin(stack, state)

    def _orphan_plugin(self, stack: LoadedStack, state: ResourceState) -> None:
        """A resource no longer in the template still needs its plugin to be deleted."""
        from nimbus.orchestration.resources import registry

        try:
            cls = registry.plugin(stack.env.mapped_type(state.type, state.name))
        except Exception:  # noqa: BLE001 - unknown now: deleted by forgetting it
            return
        state.plugin = cls(self.runtime(stack, state.name), state.properties, state.data,
                           state.physical_id)

    def runtime(self, stack: LoadedStack, name: str) -> Any:
        return self.engine.runtime(self, stack, name)

    def hooks_of(self, stack: LoadedStack, name: str) -> set[str]:
        return set() if self.rolling_back else stack.env.hooks(name)

    def timed_out(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def cancelled(self) -> bool:
        if self.parent is not None and self.parent.abort.is_set():
            return True
        return self.engine.is_cancelled(self.stack_id)

    # -- the stack's own state --------------------------------------------------------------
    def _stack_state(self, action: str, status: str, reason: str, **changes: Any) -> None:
        self.store.stack_status(self.stack_id, action, status, reason, **changes)
        self.store.event(self.stack_id, self.row.name, "OS::Heat::Stack", self.stack_id,
                         action, status, reason)

    def _walk(self, needs: dict[str, set[str]], step: Any) -> None:
        walk(needs, step, deadline=self.deadline, cancelled=self.cancelled, abort=self.abort)

    def _reason(self, action: str, exc: Exception) -> str:
        if isinstance(exc, WalkTimedOut):
            return "Timed out"
        if isinstance(exc, WalkCancelled):
            return f"Stack {action} cancelled"
        if isinstance(exc, WalkFailed):
            cause = exc.cause
            text = cause.reason if isinstance(cause, StepFailed) else \
                failure_text(exc.name, cause)
            return f"Resource {action} failed: {text}"
        return f"{type(exc).__name__}: {exc}"

    # -- create -----------------------------------------------------------------------------
    def create(self, action: str = "CREATE") -> bool:
        self._stack_state(action, "IN_PROGRESS", f"Stack {action} started")
        try:
            stack = self.load()
            self.attach(stack)
            for name in stack.definitions:
                if name not in stack.resources:
                    stack.resources[name] = ResourceState(
                        id=str(uuid.uuid4()), name=name, type=stack.definitions[name].type,
                        requires=sorted(stack.needs[name]))
                    self.store.save(self.stack_id, stack.resources[name])
            adopting = ((self.row.pending or {}).get("adopt") or {}).get("resources") \
                if action == "ADOPT" else None
            if adopting is not None:
                self._walk(stack.needs, lambda n: self.steps.adopt(stack, n, adopting.get(n)))
            else:
                self._walk(stack.needs, lambda n: self.steps.create(stack, n))
        except Exception as exc:  # noqa: BLE001 - the stack fails with the reason
            reason = self._reason(action, exc)
            self._stack_state(action, "FAILED", reason)
            if isinstance(exc, WalkCancelled):
                self.engine.take_cancel(self.stack_id)
            elif not self.row.disable_rollback and action == "CREATE":
                self.abort = threading.Event()
                self.deadline = None
                self._rollback_create()
            return False
        self._stack_state(action, "COMPLETE", f"Stack {action} completed successfully")
        return True

    def _rollback_create(self) -> None:
        self.rolling_back = True
        self._stack_state("ROLLBACK", "IN_PROGRESS", "Stack ROLLBACK started")
        try:
            self._delete_all(self.load(strict=False))
        except Exception as exc:  # noqa: BLE001 - the rollback fails with the reason
            self._stack_state("ROLLBACK", "FAILED", self._reason("ROLLBACK", exc))
            return
        self._stack_state("ROLLBACK", "COMPLETE", "Stack ROLLBACK completed successfully")

    # -- delete -----------------------------------------------------------------------------
    def _delete_all(self, stack: LoadedStack) -> None:
        self.attach(stack)
        states = {s.name: s for s in stack.resources.values()}
        needs = {n: set(s.requires) & set(states) for n, s in states.items()}
        for name, defn_needs in stack.needs.items():
            if name in needs:
                needs[name] |= defn_needs & set(states)
        reverse = graph.required_by(needs)
        policies = {n: d.deletion_policy for n, d in stack.definitions.items()}
        self._walk({n: reverse.get(n, set()) & set(states) for n in states},
                   lambda n: self.steps.delete(stack, states[n], policies.get(n, "Delete")))

    def delete(self) -> bool:
        self._stack_state("DELETE", "IN_PROGRESS", "Stack DELETE started")
        self.deadline = None
        try:
            self._delete_all(self.load(strict=False))
        except Exception as exc:  # noqa: BLE001 - the stack fails with the reason
            self._stack_state("DELETE", "FAILED", self._reason("DELETE", exc))
            return False
        self._stack_state("DELETE", "COMPLETE", "Stack DELETE completed successfully")
        self.engine.forget(self.stack_id)
        return True

    # -- update -----------------------------------------------------------------------------
    def update(self, target: dict[str, Any], action: str = "UPDATE") -> bool:
        """Move the stack to ``target`` (template, files, environment, params, and the
        stack's other settings); on failure roll back to what it was, unless told not to."""
        previous = {"template": self.row.template, "files": self.row.files,
                    "environment": self.row.environment, "params": self.row.params}
        self._stack_state(action, "IN_PROGRESS", f"Stack {action} started")
        try:
            old = self.load(strict=False)
            self.attach(old)
            new = self.load(target["template"], target["files"], target["environment"],
                            target["params"])
            self.store.stack_status(self.stack_id, action, "IN_PROGRESS",
                                    f"Stack {action} started", template=target["template"],
                                    files=target["files"], environment=target["environment"],
                                    params=target["params"],
                                    pending={"previous": previous})
            self._move(old, new)
        except Exception as exc:  # noqa: BLE001 - the stack fails with the reason
            self._stack_state(action, "FAILED", self._reason(action, exc))
            rollback = not target.get("disable_rollback", self.row.disable_rollback)
            if isinstance(exc, WalkCancelled):
                # ``cancel_update`` rolls back whatever the stack says; the other kind not.
                rollback = bool(self.engine.take_cancel(self.stack_id))
            if rollback and action == "UPDATE":
                self.abort = threading.Event()
                self._rollback_update(previous)
            return False
        self._stack_state(action, "COMPLETE", f"Stack {action} completed successfully",
                          pending=None)
        return True

    def _move(self, old: LoadedStack, new: LoadedStack) -> None:
        replaced: list[ResourceState] = []
        self._walk(new.needs, lambda n: self.steps.update(old, new, n, replaced))
        gone = {n: s for n, s in old.resources.items() if n not in new.definitions}
        gone_needs = {n: set(s.requires) & set(gone) for n, s in gone.items()}
        reverse = graph.required_by(gone_needs)
        self._walk({n: reverse.get(n, set()) & set(gone) for n in gone},
                   lambda n: self.steps.delete(old, gone[n]))
        for state in replaced:
            self.steps.delete(old, state)

    def _rollback_update(self, previous: dict[str, Any]) -> None:
        self.rolling_back = True
        self.row.template, self.row.files = previous["template"], previous["files"]
        self._stack_state("ROLLBACK", "IN_PROGRESS", "Stack ROLLBACK started",
                          template=previous["template"], files=previous["files"],
                          environment=previous["environment"], params=previous["params"])
        try:
            current = self.load(strict=False)
            self.attach(current)
            target = self.load(previous["template"], previous["files"],
                               previous["environment"], previous["params"], strict=False)
            self._move(current, target)
        except Exception as exc:  # noqa: BLE001 - the rollback fails with the reason
            self._stack_state("ROLLBACK", "FAILED", self._reason("ROLLBACK", exc),
                              pending=None)
            return
        self._stack_state("ROLLBACK", "COMPLETE", "Stack ROLLBACK completed successfully",
                          pending=None)

    # -- suspend, resume, check -------------------------------------------------------------
    def simple(self, action: str) -> bool:
        """Suspend, resume or check every resource (suspend in reverse order)."""
        self._stack_state(action, "IN_PROGRESS", f"Stack {action} started")
        try:
            stack = self.load(strict=False)
            self.attach(stack)
            states = {n: s for n, s in stack.resources.items() if s.plugin is not None}
            needs = {n: set(stack.needs.get(n, set())) & set(states) for n in states}
            if action == "SUSPEND":
                needs = {n: graph.required_by(needs).get(n, set()) & set(states)
                         for n in states}

            def step(name: str) -> None:
                state = states[name]
                self.steps.set_state(state, action, "IN_PROGRESS")
                try:
                    plugin = state.plugin
                    assert plugin is not None
                    getattr(plugin, action.lower())()
                    # A step that takes a while (a server suspending) is waited for.
                    done = getattr(plugin, f"check_{action.lower()}_complete", None)
                    if done is not None:
                        while not done():
                            if self.abort.is_set():
                                raise StepFailed(f"{action} aborted")
                            time.sleep(0.2)
                except Exception as exc:  # noqa: BLE001 - the resource's failure, worded
                    reason = failure_text(name, exc)
                    self.steps.set_state(state, action, "FAILED", reason)
                    raise StepFailed(reason) from None
                self.steps.set_state(state, action, "COMPLETE")

            self._walk(needs, step)
        except Exception as exc:  # noqa: BLE001 - the stack fails with the reason
            self._stack_state(action, "FAILED", self._reason(action, exc))
            return False
        self._stack_state(action, "COMPLETE", f"Stack {action} completed successfully")
        return True
