"""Policy enforcement with oslo.policy: OpenStack rule names, oslo.policy syntax, policy.yaml.

Each service registers its default rules in code under OpenStack's own names (for example
``identity:create_user`` or ``os_compute_api:servers:create``). An operator's
``<state_dir>/policy/<service>.yaml`` overrides any of them. The request wrapper checks that every
handler called ``enforce`` (the "was enforce called" guard), so a new endpoint cannot forget.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from nimbus.core.errors import PolicyNotAuthorized

LOG = logging.getLogger(__name__)

@functools.lru_cache(maxsize=512)
def _argspec_of(func: Callable[..., Any]) -> inspect.FullArgSpec:
    return inspect.getfullargspec(func)


def _fast_argspec(method: Callable[..., Any]) -> inspect.FullArgSpec:
    # getfullargspec keeps a bound method's ``self``, so its function's spec is the same.
    return _argspec_of(getattr(method, "__func__", method))


def _speed_up_oslo_policy() -> None:
    """oslo.policy asks ``inspect.getfullargspec`` about a check's ``__call__`` at every node
    of every rule it evaluates, which made up nine tenths of a check's cost (some 300 µs for a
    plain ``admin_or_reader``). A check class's signature never changes, so the answer is kept
    per function; what oslo.policy decides with it is untouched."""
    from oslo_policy import _checks

    if isinstance(getattr(_checks, "inspect", None), SimpleNamespace):
        return
    _checks.inspect = SimpleNamespace(getfullargspec=_fast_argspec)  # type: ignore[assignment]


# Rules every service shares; a service's own defaults may refer to them.
BASE_RULES: dict[str, str] = {
    "admin_required": "role:admin",
    "service_role": "role:service",
    "context_is_admin": "role:admin",
    "admin_or_owner": "role:admin or project_id:%(project_id)s",
    "project_member": "role:member and project_id:%(project_id)s",
    "project_reader": "role:reader and project_id:%(project_id)s",
    "admin_or_member": "rule:admin_required or rule:project_member",
    "admin_or_reader": "rule:admin_required or rule:project_reader",
    "owner": "user_id:%(user_id)s",
    "default": "rule:admin_required",
}


class Enforcer:
    """One service's rules; thread-safe.

    oslo.policy (and the oslo libraries it brings) costs a good part of a second to import, so
    the library's enforcer is built on first use, or by ``warm`` in the background once the cloud
    answers, rather than on the way to ``/health``.
    """

    def __init__(self, service: str, rules: dict[str, str], policy_dir: Path | None = None) -> None:
        self.service = service
        self.policy_dir = policy_dir
        self.defaults = {**BASE_RULES, **rules}
        self.rule_names = frozenset(self.defaults)
        self._lock = threading.Lock()
        self._enforcer: Any = None
        self._invalid_scope: type[Exception] = Exception

    def _built(self) -> Any:
        enforcer = self._enforcer
        if enforcer is not None:
            return enforcer
        with self._lock:
            if self._enforcer is None:
                self._enforcer = self._build()
            return self._enforcer

    def _build(self) -> Any:
        from oslo_config import cfg
        from oslo_policy import policy

        _speed_up_oslo_policy()
        conf = cfg.ConfigOpts()
        conf([], project="nimbus", validate_default_values=False, default_config_files=[],
             default_config_dirs=[])
        policy_file = None
        if self.policy_dir is not None:
            candidate = self.policy_dir / f"{self.service}.yaml"
            policy_file = str(candidate) if candidate.exists() else None
        enforcer = policy.Enforcer(conf, policy_file=policy_file or "nonexistent.yaml",
                                   use_conf=True, fallback_to_json_file=False)
        enforcer.register_defaults(
            [policy.RuleDefault(name, check) for name, check in self.defaults.items()])
        # Overrides live in the one file per service; oslo.policy's policy.d search would
        # otherwise look for directories on disk at every check.
        conf.set_override("policy_dirs", [], group="oslo_policy")
        enforcer.load_rules()
        if policy_file is None:
            # No file to watch for changes: the registered defaults are the rules for good,
            # and oslo.policy need not look for a file again at every check.
            enforcer.use_conf = False
        self._invalid_scope = policy.InvalidScope
        return enforcer

    def warm(self) -> None:
        """Build the enforcer now (a background thread calls this once the cloud is up)."""
        self._built()

    def authorize(self, action: str, target: dict[str, Any], creds: dict[str, Any]) -> None:
        """Raise ``PolicyNotAuthorized`` unless ``creds`` may do ``action`` on ``target``."""
        if action not in self.rule_names:
            # A typo in code must not silently fall back to "default".
            raise KeyError(f"policy rule {action} is not registered for {self.service}")
        if not self.check(action, target, creds):
            raise PolicyNotAuthorized(action=action)

    def check(self, action: str, target: dict[str, Any], creds: dict[str, Any]) -> bool:
        enforcer = self._built()
        try:
            return bool(enforcer.enforce(action, target, creds, do_raise=False))
        except self._invalid_scope:
            return False

    def rules(self) -> Iterable[str]:
        return sorted(self.rule_names)
