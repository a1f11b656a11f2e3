"""Stacks as the API handles them: created (checked, stored, a trust made for the engine,
handed to the engine), read, listed, changed and deleted."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import PageQuery
from nimbus.core.errors import BadRequest, Conflict, NimbusError
from nimbus.orchestration.db import stacks as stack_db
from nimbus.orchestration.db.models import Stack
from nimbus.orchestration.engine.engine import Engine
from nimbus.orchestration.engine.loaded import Identity, LoadedStack
from nimbus.orchestration.engine.runner import StackRunner
from nimbus.orchestration.manager import requests
from nimbus.orchestration.manager.requests import StackRequest
from nimbus.orchestration.manager.trusts import Trusts
from nimbus.orchestration.rpcapi import EngineAPI
from nimbus.orchestration.template import environment
from nimbus.orchestration.template.errors import EntityNotFound

LOG = logging.getLogger(__name__)


class StackNotFound(EntityNotFound):
    pass


class StackManager:
    def __init__(self, db: Database, engine: Engine, rpc: EngineAPI, trusts: Trusts) -> None:
        self.db = db
        self.engine = engine
        self.rpc = rpc
        self.trusts = trusts

    # -- finding ----------------------------------------------------------------------------
    def get(self, project_id: str | None, ident: str, deleted: bool = False) -> Stack:
        with self.db.reader() as session:
            row = stack_db.get(session, project_id, ident, deleted)
        if row is None:
            raise EntityNotFound(entity="Stack", name=ident, heat_type="EntityNotFound")
        return row

    def listing(self, f: stack_db.StackFilters, query: PageQuery | None = None) -> list[Stack]:
        with self.db.reader() as session:
            return stack_db.listing(session, f, query).items

    # -- reading a request ------------------------------------------------------------------
    def load(self, ident: Identity, req: StackRequest, strict: bool = True) -> LoadedStack:
        assert req.template is not None
        stack = LoadedStack(ident, req.template, req.files, req.environment, req.params,
                            strict=strict)
        stack.validate()
        return stack

    # -- create -----------------------------------------------------------------------------
    def create(self, ctx: RequestContext, name: str, req: StackRequest,
               adopt: dict[str, Any] | None = None) -> Stack:
        requests.check_name(name)
        project = ctx.project_id or ""
        stack_id = str(uuid.uuid4())
        self.load(Identity(stack_id, name, project), req)
        with self.db.reader() as session:
            if stack_db.name_taken(session, project, name):
                raise Conflict(f"The Stack ({name}) already exists.", heat_type="StackExists")
        trust_id = self.trusts.create(ctx)
        row = self._store(ctx, stack_id, name, req, trust_id, adopt)
        self.rpc.create_stack(ctx.to_dict() if hasattr(ctx, "to_dict") else {}, row.id,
                              "ADOPT" if adopt is not None else "CREATE")
        return row

    @retry_on_lock()
    def _store(self, ctx: RequestContext, stack_id: str, name: str, req: StackRequest,
               trust_id: str | None, adopt: dict[str, Any] | None = None) -> Stack:
        row = Stack(id=stack_id, name=name, project_id=ctx.project_id or "",
                    user_id=ctx.user_id or "", username=ctx.user_name or "", owner_id=None,
                    owner_resource=None, action="ADOPT" if adopt is not None else "CREATE",
                    status="IN_PROGRESS",
                    status_reason="Stack ADOPT started" if adopt is not None else
                    "Stack CREATE started", template=req.template or {},
                    files=req.files, environment=req.environment.as_dict(),
                    params=req.params, tags=req.tags or [], timeout_mins=req.timeout_mins,
                    disable_rollback=True if req.disable_rollback is None else
                    req.disable_rollback, trust_id=trust_id, outputs={},
                    pending={"adopt": adopt} if adopt is not None else None,
                    created_at=utcnow())
        with self.db.writer() as session:
            if stack_db.name_taken(session, row.project_id, name):
                raise Conflict(f"The Stack ({name}) already exists.", heat_type="StackExists")
            session.add(row)
        return row

    def preview(self, ctx: RequestContext, name: str, req: StackRequest) -> LoadedStack:
        requests.check_name(name)
        return self.load(Identity(str(uuid.uuid4()), name, ctx.project_id or ""), req)

    # -- update -----------------------------------------------------------------------------
    def target(self, row: Stack, req: StackRequest, patch: bool) -> dict[str, Any]:
        """What an update asks the stack to become; PATCH keeps what it does not name."""
        if patch:
            env = environment.merge(environment.read(row.environment), req.environment)
            params = {k: v for k, v in {**row.params, **req.params}.items()
                      if k not in req.clear_parameters}
            env.parameters = {k: v for k, v in env.parameters.items()
                              if k not in req.clear_parameters}
            files = {**row.files, **req.files}
            template = req.template if req.template is not None else row.template
        else:
            if req.template is None:
                raise BadRequest("No template specified", heat_type="HTTPBadRequest")
            env, params, files, template = req.environment, req.params, req.files, req.template
        return {"template": template, "files": files, "environment": env.as_dict(),
                "params": params}

    def update(self, ctx: RequestContext, row: Stack, req: StackRequest, patch: bool) -> None:
        self._not_busy(row, "UPDATE")
        target = self.target(row, req, patch)
        check = StackRequest(template=target["template"], files=target["files"],
                             environment=environment.read(target["environment"]),
                             params=target["params"])
        self.load(Identity(row.id, row.name, row.project_id), check)
        if req.disable_rollback is not None:
            target["disable_rollback"] = req.disable_rollback
        if not patch and req.tags is None:
            # A PUT replaces the stack's settings: no tags given is none kept.
            req.tags = []
        self._settings(row, req)
        self.rpc.update_stack({}, row.id, target)

    @retry_on_lock()
    def _settings(self, row: Stack, req: StackRequest) -> None:
        with self.db.writer() as session:
            found = session.get(Stack, row.id)
            if found is None:
                return
            if req.tags is not None:
                found.tags = req.tags
            if req.timeout_mins is not None:
                found.timeout_mins = req.timeout_mins
            if req.disable_rollback is not None:
                found.disable_rollback = req.disable_rollback
            found.action, found.status = "UPDATE", "IN_PROGRESS"
            found.status_reason = "Stack UPDATE started"
            found.updated_at = utcnow()

    def _not_busy(self, row: Stack, action: str) -> None:
        if row.status == "IN_PROGRESS":
            raise Conflict(f"Stack {row.name} already has an action ({row.action}) in progress.",
                           heat_type="ActionInProgress")

    # -- delete and other actions -----------------------------------------------------------
    def delete(self, ctx: RequestContext, row: Stack) -> None:
        if row.action == "DELETE" and row.status == "IN_PROGRESS":
            raise Conflict(f"Stack {row.name} already has an action (DELETE) in progress.",
                           heat_type="ActionInProgress")
        self.rpc.delete_stack({}, row.id)
        self._mark(row.id, "DELETE", "IN_PROGRESS", "Stack DELETE started")

    @retry_on_lock()
    def _mark(self, stack_id: str, action: str, status: str, reason: str) -> None:
        with self.db.writer() as session:
            found = session.get(Stack, stack_id)
            if found is not None:
                found.action, found.status, found.status_reason = action, status, reason

    def action(self, ctx: RequestContext, row: Stack, action: str) -> None:
        if action in ("cancel_update", "cancel_without_rollback"):
            if not (row.action == "UPDATE" and row.status == "IN_PROGRESS"):
                raise BadRequest(f"Cancelling update when stack is {row.action}_{row.status}",
                                 heat_type="NotSupported")
            self.rpc.cancel_update({}, row.id, rollback=action == "cancel_update")
            return
        self._not_busy(row, action.upper())
        self._mark(row.id, action.upper(), "IN_PROGRESS", f"Stack {action.upper()} started")
        self.rpc.stack_action({}, row.id, action.upper())

    # -- what is shown ----------------------------------------------------------------------
    def loaded(self, row: Stack) -> LoadedStack:
        runner = StackRunner(self.engine, row)
        stack = runner.load(strict=False)
        runner.attach(stack)
        return stack

    def parameters(self, row: Stack, stack: LoadedStack | None) -> dict[str, Any]:
        from nimbus.orchestration.manager.views import as_text

        shown = {"OS::stack_id": row.id, "OS::stack_name": row.name,
                 "OS::project_id": row.project_id}
        if stack is not None:
            for name, schema in stack.schemas.items():
                value = stack.params.get(name)
                shown[name] = "******" if getattr(schema, "hidden", False) else as_text(value)
        return shown

    def outputs(self, row: Stack, stack: LoadedStack | None) -> list[dict[str, Any]]:
        if stack is None:
            return []
        if row.action == "DELETE" and row.status == "COMPLETE":
            return []
        try:
            return stack.outputs()
        except NimbusError as exc:
            LOG.debug("stack %s outputs: %s", row.id, exc.message)
            return []
