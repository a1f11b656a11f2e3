"""Compute quotas (``os-quota-sets``): every project's limits, its own where it set them.

The limits are stored and shown (and ``/limits`` shows them); server create does not enforce
them, as it did not enforce the fixed defaults before.
"""

from __future__ import annotations

from nimbus.compute.db import instances as instances_db
from nimbus.compute.db import quotas as db
from nimbus.compute.db import server_groups as groups_db
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest

# Nova's defaults ([quota] in nova.conf).
DEFAULT_QUOTAS = {"instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100,
                  "metadata_items": 128, "server_groups": 10, "server_group_members": 10}
# Quotas the API stopped showing: network ones at 2.36, injected files at 2.57.
LEGACY_QUOTAS = {"fixed_ips": -1, "floating_ips": 10, "security_groups": 10,
                 "security_group_rules": 20}
FILE_QUOTAS = {"injected_files": 5, "injected_file_content_bytes": 10240,
               "injected_file_path_bytes": 255}
ALL_DEFAULTS = {**DEFAULT_QUOTAS, **LEGACY_QUOTAS, **FILE_QUOTAS}
# The resources whose use the servers count (what a limit may not go below without force).
COUNTED = ("instances", "cores", "ram")


class QuotaManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def limits(self, project_id: str) -> dict[str, int]:
        """Every limit of the project: its own where it set one, the default otherwise."""
        return {**ALL_DEFAULTS, **{k: v for k, v in db.overrides(self.db, project_id).items()
                                   if k in ALL_DEFAULTS}}

    def usage(self, project_id: str) -> dict[str, int]:
        """What the project uses of the counted resources, and how many server groups it has
        (reported only: like the others here, that limit is not enforced)."""
        flavors = instances_db.flavors_in_use(self.db, project_id)
        return {"instances": len(flavors),
                "cores": sum(int(f.get("vcpus", 0)) for f in flavors),
                "ram": sum(int(f.get("ram", 0)) for f in flavors),
                "server_groups": groups_db.count_groups(self.db, project_id)}

    def update(self, project_id: str, values: dict[str, int], force: bool) -> dict[str, int]:
        """Set the project's own limits (-1: unlimited); unless ``force``, a limit below what
        the project already uses is refused, as Nova refuses it."""
        unknown = sorted(set(values) - set(ALL_DEFAULTS))
        if unknown:
            raise BadRequest(f"Bad key(s) {', '.join(unknown)} in quota_set")
        if not force:
            used = self.usage(project_id)
            for key in COUNTED:
                limit = values.get(key)
                if limit is not None and limit != -1 and limit < used[key]:
                    raise BadRequest(f"Quota limit {limit} for {key} must be greater than or "
                                     f"equal to already used and reserved {used[key]}.")
        db.set_limits(self.db, project_id, values)
        return self.limits(project_id)

    def reset(self, project_id: str) -> None:
        """Forget the project's own limits: the defaults apply again."""
        db.reset(self.db, project_id)
