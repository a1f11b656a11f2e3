"""Host aggregates: the rules (unique names, one availability zone per host, servers never
change zone under an operator's edit) and their mirror in Placement's provider aggregates."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from nimbus.clients.placement import PlacementClient
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import aggregates as db
from nimbus.compute.db import services as services_db
from nimbus.compute.db.aggregates import AZ_KEY, AggregateView
from nimbus.compute.manager.hosts import HostManager
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, Conflict, NimbusError, NotFound

__all__ = ["AggregateManager", "AggregateView"]

LOG = logging.getLogger(__name__)
# Placement answers a changed generation with a 409; reading it again and retrying wins unless
# the provider is being changed without pause.
_PLACEMENT_ATTEMPTS = 4


def _refused(action: str, aggregate_id: int, reason: str, conflict: bool) -> NimbusError:
    """Nova's InvalidAggregateAction* message; a 400 or (adding and removing hosts) a 409."""
    text = {"add": f"Cannot add host to aggregate {aggregate_id}",
            "remove": f"Cannot remove host from aggregate {aggregate_id}",
            "update": f"Cannot update aggregate {aggregate_id}",
            "meta": f"Cannot update metadata of aggregate {aggregate_id}"}[action]
    message = f"{text}. Reason: {reason}."
    return Conflict(message) if conflict else BadRequest(message)


class AggregateManager:
    def __init__(self, db: Database, placement: PlacementClient, hosts: HostManager) -> None:
        self.db = db
        self.placement = placement
        self.hosts = hosts

    def all(self) -> list[AggregateView]:
        return db.list_aggregates(self.db)

    def get(self, aggregate_id: int) -> AggregateView:
        found = db.find_aggregate(self.db, aggregate_id)
        if found is None:
            raise db.not_found(aggregate_id)
        return found

    def create(self, name: str, zone: str | None) -> AggregateView:
        return db.create_aggregate(self.db, name, {AZ_KEY: zone} if zone else {})

    def update(self, aggregate_id: int, *, name: str | None = None,
               zone: str | None = None, set_zone: bool = False) -> AggregateView:
        """Rename the aggregate and/or change its zone (``set_zone``: ``zone`` was given)."""
        aggregate = self.get(aggregate_id)
        if name is not None:
            db.rename(self.db, aggregate_id, name)
        if set_zone:
            self._check_zone(aggregate, {AZ_KEY: zone}, "update", aggregate.hosts)
            db.update_metadata(self.db, aggregate_id, {AZ_KEY: zone})
        return self.get(aggregate_id)

    def set_metadata(self, aggregate_id: int, metadata: dict[str, str | None]) -> AggregateView:
        """Set or (a None value) remove metadata keys."""
        aggregate = self.get(aggregate_id)
        self._check_zone(aggregate, metadata, "meta", aggregate.hosts)
        db.update_metadata(self.db, aggregate_id, metadata)
        return self.get(aggregate_id)

    def delete(self, aggregate_id: int) -> None:
        aggregate = self.get(aggregate_id)
        if aggregate.hosts:
            # Nova refuses with a 400 (InvalidAggregateActionDelete), not a 409.
            raise _refused("remove", aggregate_id, "Host aggregate is not empty", False)
        db.delete_aggregate(self.db, aggregate_id)

    # -- hosts -----------------------------------------------------------------------------
    def add_host(self, aggregate_id: int, host: str) -> AggregateView:
        if self.hosts.find(AGENT_BINARY, host) is None:
            raise NotFound(f"Compute host {host} could not be found.", resource="host", id=host)
        aggregate = self.get(aggregate_id)
        if host in aggregate.hosts:
            raise Conflict(f"Aggregate {aggregate_id} already has host {host}.")
        self._check_zone(aggregate, aggregate.metadata, "add", [host])
        new_zone = aggregate.availability_zone
        if new_zone:
            old_zone = self._zone_without(host, None)
            self._check_servers_stay(aggregate_id, host, old_zone, new_zone, "add")
        db.add_host(self.db, aggregate_id, host)
        try:
            self._mirror(host, aggregate.uuid, add=True)
        except NimbusError as exc:
            # Nova leaves Placement to a later sync rather than failing the operator's call.
            LOG.warning("could not add %s to placement aggregate %s: %s", host, aggregate.uuid,
                        exc)
        return self.get(aggregate_id)

    def remove_host(self, aggregate_id: int, host: str) -> AggregateView:
        missing = NotFound(f"Cannot remove host {host} in aggregate {aggregate_id}",
                           resource="host", id=host)
        if self.hosts.find(AGENT_BINARY, host) is None:
            raise missing
        aggregate = db.find_aggregate(self.db, aggregate_id)
        if aggregate is None or host not in aggregate.hosts:
            raise missing
        current = aggregate.availability_zone
        if current:
            after = self._zone_without(host, aggregate_id)
            self._check_servers_stay(aggregate_id, host, current, after, "remove")
        # Placement first, as Nova does: if that fails the operator can simply try again.
        try:
            self._mirror(host, aggregate.uuid, add=False)
        except NotFound as exc:
            LOG.warning("could not remove %s from placement aggregate %s: %s", host,
                        aggregate.uuid, exc)
        db.remove_host(self.db, aggregate_id, host)
        return self.get(aggregate_id)

    def forget_host(self, host: str) -> None:
        """Take a deleted compute service's host out of every aggregate."""
        db.forget_host(self.db, host)

    # -- the rules behind zones ---------------------------------------------------------------
    def _check_zone(self, aggregate: AggregateView, metadata: Mapping[str, str | None],
                    action: str, hosts: list[str]) -> None:
        """A zone is never renamed to nothing, a host never sits in two zones, and the zone of
        hosts that hold servers never changes (Nova's ``is_safe_to_update_az``)."""
        if AZ_KEY not in metadata:
            return
        zone = metadata[AZ_KEY]
        conflict = action == "add"
        if not zone:
            raise _refused(action, aggregate.id, f"Aggregate {aggregate.name} does not support "
                           "empty named availability zone", conflict)
        others = sorted({a.availability_zone for a in db.aggregates_of_hosts(self.db, hosts)
                         if a.id != aggregate.id and a.availability_zone
                         and a.availability_zone != zone})
        if others:
            raise _refused(action, aggregate.id, "One or more hosts already in availability "
                           f"zone(s) {others!r}", conflict)
        if action != "add" and aggregate.availability_zone != zone \
                and any(services_db.instance_counts(self.db, hosts).values()):
            raise _refused(action, aggregate.id,
                           "One or more hosts contain instances in this zone", conflict)

    def _zone_without(self, host: str, aggregate_id: int | None) -> str | None:
        """The host's zone from its aggregates other than ``aggregate_id``."""
        for aggregate in db.aggregates_of_host(self.db, host):
            if aggregate.id != aggregate_id and aggregate.availability_zone:
                return aggregate.availability_zone
        return None

    def _check_servers_stay(self, aggregate_id: int, host: str, before: str | None,
                            after: str | None, action: str) -> None:
        if before == after:
            return
        count = services_db.instance_counts(self.db, [host]).get(host, 0)
        if count:
            raise _refused(
                action, aggregate_id,
                f"The host cannot be {'added to' if action == 'add' else 'removed from'} the "
                f"aggregate as the availability zone of the host would change from '{before}' "
                f"to '{after}' but the host already has {count} instance(s). Changing the AZ "
                "of an existing instance is not supported by this action. Move the instances "
                "away from this host then try again. If you need to move the instances "
                "between AZs then you can use shelve_offload and unshelve to achieve this",
                True)

    # -- Placement -------------------------------------------------------------------------
    def _mirror(self, host: str, aggregate_uuid: str, *, add: bool) -> None:
        """Add the aggregate to (or take it from) the host's provider's aggregates."""
        provider = self.placement.find_provider(host)
        if provider is None:
            raise NotFound(f"No resource provider named {host}.")
        for attempt in range(_PLACEMENT_ATTEMPTS):
            current, generation = self.placement.get_aggregates(provider["uuid"])
            wanted = ([*current, aggregate_uuid] if aggregate_uuid not in current else current) \
                if add else [a for a in current if a != aggregate_uuid]
            if wanted == current:
                return
            try:
                self.placement.set_aggregates(provider["uuid"], wanted, generation)
                return
            except Conflict:
                if attempt == _PLACEMENT_ATTEMPTS - 1:
                    raise
