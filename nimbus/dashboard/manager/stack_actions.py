"""The Orchestration panel's actions: launch a stack from a template (with its environment
and parameters), and check, suspend, resume or delete one."""

from __future__ import annotations

from typing import Any

from nimbus.clients.user_session import UserSession
from nimbus.core.errors import BadRequest
from nimbus.dashboard.manager.actions import Action, Field


def parameters(text: str) -> dict[str, str]:
    """``key=value`` lines (blank lines skipped) as the stack's parameters."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise BadRequest(f"Parameters: line {number} is not key=value.")
        found[key.strip()] = value.strip()
    return found


def launch(user: UserSession, f: dict[str, str], _: str) -> None:
    body: dict[str, Any] = {"stack_name": f["name"].strip(), "template": f["template"],
                            "parameters": parameters(f.get("parameters", "")),
                            "disable_rollback": f.get("rollback") not in ("on", "true", "1")}
    if f.get("environment", "").strip():
        body["environment"] = f["environment"]
    if f.get("timeout", "").strip():
        body["timeout_mins"] = int(f["timeout"])
    user.request("orchestration", "POST", "/stacks", body)


def _act(user: UserSession, stack: str, action: str) -> None:
    user.request("orchestration", "POST", f"/stacks/{stack}/actions", {action: None},
                 ok=(200, 302))


def delete(user: UserSession, f: dict[str, str], stack: str) -> None:
    user.request("orchestration", "DELETE", f"/stacks/{stack}")


ACTIONS = (
    Action("stacks", "launch", "Launch Stack", launch, (
        Field("name", "Stack Name", required=True),
        Field("template", "Template", "textarea", True),
        Field("environment", "Environment", "textarea"),
        Field("parameters", "Parameters (key=value, one a line)", "textarea"),
        Field("timeout", "Creation Timeout (minutes)", "number"),
        Field("rollback", "Rollback On Failure", "checkbox"))),
    Action("stacks", "check", "Check Stack", lambda u, f, t: _act(u, t, "check"), row=True,
           direct=True),
    Action("stacks", "suspend", "Suspend Stack", lambda u, f, t: _act(u, t, "suspend"),
           row=True, direct=True),
    Action("stacks", "resume", "Resume Stack", lambda u, f, t: _act(u, t, "resume"),
           row=True, direct=True),
    Action("stacks", "delete", "Delete Stack", delete, row=True, direct=True),
)
