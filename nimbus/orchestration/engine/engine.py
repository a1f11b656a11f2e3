"""The engine: runs stack actions in threads of the process that serves the engine's topic,
gives plugins their runtime (clients through the stack's trust, nested stacks), and marks
what a dead engine left in progress as failed when it starts."""

from __future__ import annotations

import json
import logging
import secrets
import string
import threading
import uuid
from typing import Any

from sqlalchemy import select

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database
from nimbus.core.platform import Platform
from nimbus.orchestration.db.models import Stack
from nimbus.orchestration.engine.loaded import LoadedStack
from nimbus.orchestration.engine.runner import StackRunner
from nimbus.orchestration.engine.store import EngineStore
from nimbus.orchestration.resources.base import ResourceFailure

LOG = logging.getLogger(__name__)
SERVICE_USER = "heat"
_CLIENTS = {"compute": ("nimbus.clients.compute", "ComputeClient"),
            "network": ("nimbus.clients.network", "NetworkClient"),
            "volume": ("nimbus.clients.volume", "VolumeClient"),
            "image": ("nimbus.clients.image", "ImageClient"),
            "object": ("nimbus.clients.object", "ObjectClient"),
            "identity": ("nimbus.clients.identity", "IdentityClient")}


class Engine:
    def __init__(self, platform: Platform | None, db: Database) -> None:
        self.platform = platform
        self.db = db
        self.store = EngineStore(db)
        self._threads: dict[str, threading.Thread] = {}
        # Stacks whose action is to stop, and whether they roll back when it has.
        self._cancelled: dict[str, bool] = {}
        self._lock = threading.Lock()

    # -- running actions --------------------------------------------------------------------
    def _row(self, stack_id: str) -> Stack | None:
        return self.store.stack(stack_id)

    def start(self, stack_id: str, action: str, **kwargs: Any) -> None:
        """Run ``action`` on the stack in a thread of its own."""
        def run() -> None:
            try:
                self.run(stack_id, action, **kwargs)
            except Exception:  # the thread's end: logged, the stack's status says the rest
                LOG.exception("stack %s: %s failed", stack_id, action)
            finally:
                with self._lock:
                    self._threads.pop(stack_id, None)
                    self._cancelled.pop(stack_id, None)

        thread = threading.Thread(target=run, name=f"stack-{action.lower()}-{stack_id[:8]}",
                                  daemon=True)
        with self._lock:
            self._threads[stack_id] = thread
        thread.start()

    def run(self, stack_id: str, action: str, parent: StackRunner | None = None,
            **kwargs: Any) -> bool:
        row = self._row(stack_id)
        if row is None:
            return False
        runner = StackRunner(self, row, parent)
        if action == "CREATE":
            return runner.create()
        if action == "ADOPT":
            return runner.create("ADOPT")
        if action == "DELETE":
            return runner.delete()
        if action == "UPDATE":
            return runner.update(kwargs["target"])
        return runner.simple(action)

    def signal(self, stack_id: str, resource: str, details: Any) -> None:
        threading.Thread(target=_signal, args=(self, stack_id, resource, details),
                         name=f"stack-signal-{stack_id[:8]}", daemon=True).start()

    def cancel(self, stack_id: str, rollback: bool = True) -> None:
        with self._lock:
            self._cancelled[stack_id] = rollback

    def is_cancelled(self, stack_id: str) -> bool:
        with self._lock:
            return stack_id in self._cancelled

    def take_cancel(self, stack_id: str) -> bool | None:
        """Whether a cancelled stack rolls back (None: not cancelled); the mark is taken
        away, so that the rollback itself runs."""
        with self._lock:
            return self._cancelled.pop(stack_id, None)

    def busy(self, stack_id: str) -> bool:
        with self._lock:
            return stack_id in self._threads

    def signal_url(self, deployment_id: str) -> str:
        from nimbus.orchestration.manager.signals import signed_url

        if self.platform is None:
            return ""
        return signed_url(self.platform, deployment_id)

    def forget(self, stack_id: str) -> None:
        """A deleted stack's row stays (``show_deleted``) with its deletion time; the trust
        its engine acted through goes (the service user may delete it as an administrator)."""
        row = self._row(stack_id)
        self.store.stack_status(stack_id, "DELETE", "COMPLETE",
                                "Stack DELETE completed successfully", deleted_at=utcnow(),
                                trust_id=None)
        if row is not None and row.trust_id and self.platform is not None:
            from nimbus.clients.identity import IdentityClient
            from nimbus.core.errors import NimbusError

            try:
                IdentityClient(self.platform, SERVICE_USER).delete(
                    f"/OS-TRUST/trusts/{row.trust_id}")
            except NimbusError as exc:
                LOG.warning("stack %s: its trust was not deleted: %s", stack_id, exc.message)

    def recover(self) -> None:
        """Stacks left in progress by an engine that stopped are failed, as Heat does."""
        with self.db.writer() as session:
            for row in session.scalars(select(Stack).where(Stack.status == "IN_PROGRESS",
                                                           Stack.deleted_at.is_(None))):
                row.status = "FAILED"
                row.status_reason = f"Engine went down during stack {row.action}"

    # -- what plugins are given -------------------------------------------------------------
    def root_of(self, row: Stack) -> Stack:
        current = row
        while current.owner_id:
            parent = self._row(current.owner_id)
            if parent is None:
                break
            current = parent
        return current

    def facade_of(self, row: Stack) -> dict[str, Any]:
        """What ``resource_facade`` reads in a nested stack: its owner resource's settings."""
        if not row.owner_id or not row.owner_resource:
            return {}
        parent = self._row(row.owner_id)
        if parent is None:
            return {}
        resource = (parent.template.get("resources") or {}).get(row.owner_resource) or {}
        return {"metadata": resource.get("metadata") or {},
                "deletion_policy": resource.get("deletion_policy") or "Delete",
                "update_policy": resource.get("update_policy") or {}}

    def client(self, row: Stack, service: str) -> Any:
        """A client of ``service`` acting through the (root) stack's trust."""
        from importlib import import_module

        if self.platform is None:
            raise ResourceFailure(f"The {service} service is not reachable from here.")
        module, name = _CLIENTS[service]
        cls = getattr(import_module(module), name)
        client = cls(self.platform, SERVICE_USER)
        trust_id = self.root_of(row).trust_id
        if not trust_id:
            raise ResourceFailure("The stack has no trust to act through.", "Forbidden")
        return client.through(self.platform.creds.trust_session(SERVICE_USER, trust_id))

    def runtime(self, runner: StackRunner, stack: LoadedStack, name: str) -> Any:
        return PluginRuntime(self, runner, stack, name)


class PluginRuntime:
    """The ``Runtime`` a plugin gets (see ``resources/base.py``)."""

    def __init__(self, engine: Engine, runner: StackRunner, stack: LoadedStack,
                 name: str) -> None:
        self.engine = engine
        self.runner = runner
        self.stack = stack
        self.stack_id = runner.stack_id
        self.stack_name = runner.row.name
        self.project_id = runner.row.project_id
        self.resource_name = name

    def client(self, service: str) -> Any:
        return self.engine.client(self.runner.row, service)

    def nested(self) -> NestedStacks:
        return NestedStacks(self)

    def software(self) -> Any:
        from nimbus.orchestration.db.software import SoftwareStore

        return SoftwareStore(self.engine.db)

    def signal_url(self, deployment_id: str) -> str:
        """A URL the server may POST its deployment's outputs to without a token."""
        return self.engine.signal_url(deployment_id)

    def resource_signal_url(self, stack_id: str, resource_name: str) -> str:
        from nimbus.orchestration.manager.signals import resource_target

        return self.engine.signal_url(resource_target(stack_id, resource_name))

    def resource_data(self, resource_id: str) -> dict[str, Any]:
        return self.engine.store.data_of(resource_id)

    def native_signal_url(self) -> str:
        if self.engine.platform is None:
            return ""
        base = self.engine.platform.settings.public_url.rstrip("/")
        return (f"{base}/orchestration/v1/{self.project_id}/stacks/{self.stack_name}/"
                f"{self.stack_id}/resources/{self.resource_name}/signal")

    @property
    def aborted(self) -> bool:
        return self.runner.abort.is_set()


class NestedStacks:
    """The nested stack a resource owns: made, changed and removed by running the engine on
    it in the resource's own thread, so its progress is the resource's."""

    def __init__(self, rt: PluginRuntime) -> None:
        self.rt = rt
        self.engine = rt.engine

    def _name(self) -> str:
        short = "".join(secrets.choice(string.ascii_lowercase + string.digits)
                        for _ in range(12))
        return f"{self.rt.stack_name}-{self.rt.resource_name}-{short}"[:255]

    def prepare(self, template: dict[str, Any], params: dict[str, Any],
                files: dict[str, Any], env: dict[str, Any], timeout_mins: int | None = None,
                tags: list[str] | None = None) -> str:
        """The nested stack's row, made but not yet built (``build``), so that its id is
        the resource's while it is built."""
        parent = self.rt.runner.row
        child = Stack(id=str(uuid.uuid4()), name=self._name(), project_id=parent.project_id,
                      user_id=parent.user_id, username=parent.username, owner_id=parent.id,
                      owner_resource=self.rt.resource_name, action="INIT", status="COMPLETE",
                      status_reason="", template=template, files=files, environment=env,
                      params=params, tags=tags or [], timeout_mins=timeout_mins,
                      disable_rollback=True, trust_id=None, outputs={}, created_at=utcnow())
        with self.engine.db.writer() as session:
            session.add(child)
        return child.id

    def build(self, child_id: str) -> None:
        self._run(child_id, "CREATE")

    def _run(self, child_id: str, action: str, **kwargs: Any) -> None:
        ok = self.engine.run(child_id, action, parent=self.rt.runner, **kwargs)
        row = self.engine.store.stack(child_id)
        if not ok:
            reason = row.status_reason if row is not None else f"Nested stack {action} failed"
            raise ResourceFailure(reason, "ResourceFailure")

    def update(self, child_id: str, template: dict[str, Any], params: dict[str, Any],
               files: dict[str, Any], env: dict[str, Any]) -> None:
        target = {"template": template, "params": params, "files": files, "environment": env,
                  "disable_rollback": True}
        self._run(child_id, "UPDATE", target=target)

    def delete(self, child_id: str) -> None:
        if self.engine.store.stack(child_id) is None:
            return
        self._run(child_id, "DELETE")

    def loaded(self, child_id: str) -> LoadedStack | None:
        """The nested stack loaded with its resources' plugins, to read outputs and
        attributes from."""
        row = self.engine.store.stack(child_id)
        if row is None:
            return None
        runner = StackRunner(self.engine, row)
        stack = runner.load(strict=False)
        runner.attach(stack)
        return stack

    def outputs(self, child_id: str) -> dict[str, dict[str, Any]]:
        """The nested stack's outputs by key, each with its value or its error."""
        stack = self.loaded(child_id)
        if stack is None:
            return {}
        return {o["output_key"]: o for o in stack.outputs()}

    def simple(self, child_id: str, action: str) -> None:
        self._run(child_id, action)


def _signal(engine: Engine, stack_id: str, resource: str, details: Any) -> None:
    """A signal to one resource (a scaling policy's webhook, a wait condition handle): its
    plugin takes it, and what it changed is saved."""
    row = engine.store.stack(stack_id)
    if row is None:
        return
    runner = StackRunner(engine, row)
    stack = runner.load(strict=False)
    runner.attach(stack)
    state = stack.resources.get(resource)
    if state is None or state.plugin is None:
        return
    before = {n: json.dumps(s.data, sort_keys=True, default=str)
              for n, s in stack.resources.items()}
    try:
        state.plugin.signal(details)
    except Exception as exc:  # noqa: BLE001 - a failed signal is an event, not a crash
        from nimbus.orchestration.engine.steps import failure_text

        engine.store.event(stack_id, state.name, state.type, state.physical_id, "SIGNAL",
                           "FAILED", failure_text(state.name, exc))
        return
    # The signalled resource, and any other the signal changed (the group a policy scaled).
    for other in stack.resources.values():
        if other is state or before.get(other.name) != json.dumps(other.data, sort_keys=True,
                                                                  default=str):
            engine.store.save(stack_id, other)
    engine.store.event(stack_id, state.name, state.type, state.physical_id, "SIGNAL",
                       "COMPLETE", f"Signal: {_describe(details)}")


def _describe(details: Any) -> str:
    if isinstance(details, dict) and details.get("reason"):
        return str(details["reason"])
    return "signal received" if not details else str(details)[:200]
