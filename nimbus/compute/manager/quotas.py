"""Compute quotas (``os-quota-sets``, ``os-quota-class-sets``): the defaults (the ``default``
quota class's, where it sets them), each project's and each user's own limits, and the checks
a server create makes against them, as Nova's database quota driver makes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nimbus.compute.db import quotas as db
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, Forbidden

# Nova's defaults ([quota] in nova.conf).
DEFAULT_QUOTAS = {"instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100,
                  "metadata_items": 128, "server_groups": 10, "server_group_members": 10}
# Quotas the API stopped showing: network ones at 2.36, injected files at 2.57.
LEGACY_QUOTAS = {"fixed_ips": -1, "floating_ips": 10, "security_groups": 10,
                 "security_group_rules": 20}
FILE_QUOTAS = {"injected_files": 5, "injected_file_content_bytes": 10240,
               "injected_file_path_bytes": 255}
ALL_DEFAULTS = {**DEFAULT_QUOTAS, **LEGACY_QUOTAS, **FILE_QUOTAS}
# The resources whose use is counted (what a limit may not go below without force); the
# others are absolute limits checked on each request, and show nothing in use.
COUNTED = ("instances", "cores", "ram", "server_groups")
DEFAULT_CLASS = "default"


def _unlimited(value: int) -> float:
    return float("inf") if value < 0 else float(value)


def _known(values: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in values.items() if k in ALL_DEFAULTS}


def _over(message: str) -> Forbidden:
    """Nova's OverQuota family, which its API answers with a 403 saying what was over."""
    return Forbidden(message)


class QuotaManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- limits ----------------------------------------------------------------------------
    def class_limits(self, class_name: str) -> dict[str, int]:
        """A quota class's limits: its own where it set them, the configured ones otherwise."""
        own = db.class_overrides(self.db, class_name)
        return {**ALL_DEFAULTS, **{k: v for k, v in own.items() if k in ALL_DEFAULTS}}

    def defaults(self) -> dict[str, int]:
        """What a project gets where it set nothing: the ``default`` class's limits."""
        return self.class_limits(DEFAULT_CLASS)

    def update_class(self, class_name: str, values: Mapping[str, int]) -> dict[str, int]:
        db.set_class_limits(self.db, class_name,
                            {k: int(v) for k, v in values.items() if k in ALL_DEFAULTS})
        return self.class_limits(class_name)

    def limits(self, project_id: str, user_id: str | None = None) -> dict[str, int]:
        """Every limit of the project (or of one of its users, whose limits are the
        project's where the user has none of its own)."""
        return self._limits(project_id, (user_id,))[0]

    def usage(self, project_id: str, user_id: str | None = None) -> dict[str, int]:
        """What the project (or one of its users) uses of the counted resources."""
        return self._usage(project_id, (user_id,))[0]

    def _limits(self, project_id: str, scopes: tuple[str | None, ...]) -> list[dict[str, int]]:
        """The limits of each scope (None: the project), from one read."""
        classes, own, users = db.limit_sets(self.db, DEFAULT_CLASS, project_id)
        project = {**ALL_DEFAULTS, **_known(classes), **_known(own)}
        return [project if scope is None else {**project, **_known(users.get(scope, {}))}
                for scope in scopes]

    def _usage(self, project_id: str, scopes: tuple[str | None, ...]) -> list[dict[str, int]]:
        """What each scope (None: the project) uses, from one read."""
        per_user, groups = db.server_counts(self.db, project_id)
        found = []
        for scope in scopes:
            rows = list(per_user.values()) if scope is None else [per_user.get(scope, (0, 0, 0))]
            found.append({"instances": sum(r[0] for r in rows), "cores": sum(r[1] for r in rows),
                          "ram": sum(r[2] for r in rows), "server_groups": groups})
        return found

    def _scoped(self, project_id: str, user_id: str
                ) -> list[tuple[dict[str, int], dict[str, int]]]:
        """(limits, use) of the project and of the user: what a create is checked against."""
        scopes = (None, user_id)
        return list(zip(self._limits(project_id, scopes), self._usage(project_id, scopes),
                        strict=True))

    def update(self, project_id: str, values: dict[str, int], force: bool,
               user_id: str | None = None) -> dict[str, int]:
        """Set the project's own limits, or a user's (-1: unlimited). Unless ``force``, a limit
        below what is in use (or, for a project, below what its users were given) is
        refused, and a user's limit may not exceed what the project has left to give."""
        unknown = sorted(set(values) - set(ALL_DEFAULTS))
        if unknown:
            raise BadRequest(f"Bad key(s) {', '.join(unknown)} in quota_set")
        if not force:
            bounds = self._settable(project_id, user_id)
            for key, limit in values.items():
                minimum, maximum = bounds[key]
                if _unlimited(limit) < _unlimited(minimum):
                    raise BadRequest(f"Quota limit {limit} for {key} must be greater than or "
                                     f"equal to already used and reserved {minimum}.")
                if _unlimited(limit) > _unlimited(maximum):
                    raise BadRequest(f"Quota limit {limit} for {key} must be less than or "
                                     f"equal to {maximum}.")
        db.set_limits(self.db, project_id, values, user_id)
        return self.limits(project_id, user_id)

    def _settable(self, project_id: str, user_id: str | None) -> dict[str, tuple[int, int]]:
        """Each resource's (minimum, maximum) limit, -1 meaning no bound above."""
        project = self.limits(project_id)
        users = db.user_overrides(self.db, project_id)
        given = {key: sum(limits.get(key, 0) for limits in users.values()) for key in project}
        if user_id is None:
            used = self.usage(project_id)
            return {key: (max(given[key] if limit >= 0 else 0, used.get(key, 0)), -1)
                    for key, limit in project.items()}
        used = self.usage(project_id, user_id)
        own = users.get(user_id, {})
        bounds = {}
        for key, limit in project.items():
            # What the project has not given to its users, plus what this one already has.
            maximum = -1 if limit < 0 else limit - given[key] + own.get(key, 0)
            bounds[key] = (used.get(key, 0) if key in COUNTED else 0, maximum)
        return bounds

    def reset(self, project_id: str, user_id: str | None = None) -> None:
        """Forget the project's own limits (or one user's): the defaults apply again."""
        db.reset(self.db, project_id, user_id)

    # -- checks on create ------------------------------------------------------------------
    def check_metadata(self, project_id: str, count: int) -> None:
        """A server may have at most ``metadata_items`` metadata items."""
        allowed = self.limits(project_id)["metadata_items"]
        if 0 <= allowed < count:
            raise _over(f"Maximum number of metadata items exceeds {allowed}")

    def check_injected_files(self, project_id: str, files: list[tuple[str, str]]) -> None:
        """Personality files: how many, and how long their paths and contents may be."""
        if not files:
            return
        limits = self.limits(project_id)
        if 0 <= limits["injected_files"] < len(files):
            raise _over("Personality file limit exceeded")
        path_limit = limits["injected_file_path_bytes"]
        if 0 <= path_limit < max(len(path) for path, _ in files):
            raise _over(f"Personality file path exceeds maximum {path_limit}")
        content_limit = limits["injected_file_content_bytes"]
        if 0 <= content_limit < max(len(content) for _, content in files):
            raise _over(f"Personality file content exceeds maximum {content_limit}")

    def servers_allowed(self, project_id: str, user_id: str, flavor: Mapping[str, Any],
                        min_count: int, max_count: int) -> int:
        """How many of ``max_count`` servers of ``flavor`` the project and user may still
        have (at least ``min_count``, or Nova's TooManyInstances 403)."""
        vcpus, ram = int(flavor.get("vcpus", 0)), int(flavor.get("ram", 0))
        wanted = {"instances": max_count, "cores": max_count * vcpus, "ram": max_count * ram}
        headroom: dict[str, float] = {}
        limit_of: dict[str, int] = {}
        for limits, used in self._scoped(project_id, user_id):
            for key in wanted:
                room = _unlimited(limits[key]) - used[key]
                if key not in headroom or room < headroom[key]:
                    headroom[key], limit_of[key] = room, limits[key]
        overs = sorted(key for key, amount in wanted.items() if amount > headroom[key])
        if not overs:
            return max_count
        allowed = headroom["instances"]
        if vcpus:
            allowed = min(allowed, headroom["cores"] // vcpus)
        if ram:
            allowed = min(allowed, headroom["ram"] // ram)
        if min_count <= allowed <= max_count:
            return int(allowed)
        shown = {"instances": str(min_count) if min_count == max_count
                 else f"{min_count}-{max_count}",
                 "cores": str(wanted["cores"]), "ram": str(wanted["ram"])}
        names = ", ".join(overs)
        raise _over(f"Quota exceeded for {names}: Requested "
                    f"{', '.join(shown[k] for k in overs)}, but already used "
                    f"{', '.join(str(int(limit_of[k] - headroom[k])) for k in overs)} of "
                    f"{', '.join(str(limit_of[k]) for k in overs)} {names}")

    def recheck_servers(self, project_id: str, user_id: str) -> None:
        """After new servers are recorded: a 403 if the project or user is now over its
        instances, cores or RAM. Requests checked at once may each have seen the room the
        other took; this is Nova's ``recheck_quota``, and the caller removes what it made."""
        for limits, used in self._scoped(project_id, user_id):
            overs = sorted(k for k in ("instances", "cores", "ram")
                           if used[k] > _unlimited(limits[k]))
            if overs:
                names = ", ".join(overs)
                raise _over(f"Quota exceeded for {names}: the project uses "
                            f"{', '.join(str(used[k]) for k in overs)} of "
                            f"{', '.join(str(limits[k]) for k in overs)} {names}")

    def check_group_members(self, project_id: str, members: int, adding: int) -> None:
        """A server group holds at most ``server_group_members`` servers."""
        allowed = self.limits(project_id)["server_group_members"]
        if 0 <= allowed < members + adding:
            raise _over("Quota exceeded, too many servers in group")
