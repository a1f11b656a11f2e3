"""Operators' changes to compute services: enable, disable, force down, delete."""

from __future__ import annotations

import logging

from nimbus.clients.placement import PlacementClient
from nimbus.compute.constants import AGENT_BINARY
from nimbus.compute.db import services as db
from nimbus.compute.manager.aggregates import AggregateManager
from nimbus.compute.manager.hosts import HostManager, Service
from nimbus.core.db.engine import Database
from nimbus.core.errors import BadRequest, Conflict, NimbusError, NotFound

LOG = logging.getLogger(__name__)


def only_compute(binary: str) -> None:
    """Only the compute agent's service takes updates (the others' flags would mean nothing)."""
    if binary != AGENT_BINARY:
        raise BadRequest(f"Updating a {binary} service is not supported. Only nova-compute "
                         "services can be updated.")


class ServiceManager:
    def __init__(self, db: Database, hosts: HostManager, aggregates: AggregateManager,
                 placement: PlacementClient) -> None:
        self.db = db
        self.hosts = hosts
        self.aggregates = aggregates
        self.placement = placement

    def by_host(self, host: str, binary: str) -> Service:
        """The service named the pre-2.53 way, by host and binary (404 when unknown)."""
        only_compute(binary)
        found = self.hosts.find(binary, host)
        if found is None:
            raise NotFound(f"Could not find binary {binary} on host {host}.", resource="service",
                           id=host)
        return found

    def set_status(self, service: Service, disabled: bool, reason: str | None) -> Service:
        only_compute(service.binary)
        # The registry's own row: it outlives restarts, and the scheduler reads it.
        self.hosts.registry.set_disabled(service.binary, service.host, disabled,
                                         reason if disabled else None)
        return self._again(service)

    def set_forced_down(self, service: Service, forced: bool) -> Service:
        only_compute(service.binary)
        db.set_forced_down(self.db, service.binary, service.host, forced)
        return self._again(service)

    def _again(self, service: Service) -> Service:
        found = self.hosts.by_id(service.id)
        if found is None:
            raise NotFound(f"Service {service.id} could not be found.")
        return found

    def delete(self, service: Service) -> None:
        """Forget a service. A compute service goes only with no server on its host; its host
        leaves every aggregate and its Placement provider is deleted."""
        if service.binary == AGENT_BINARY:
            if db.instance_counts(self.db, [service.host]).get(service.host):
                raise Conflict("Unable to delete compute service that is hosting instances. "
                               "Migrate or delete the instances first.")
            self.aggregates.forget_host(service.host)
            self._delete_provider(service.host)
        db.delete_service(self.db, service.id)

    def _delete_provider(self, host: str) -> None:
        try:
            provider = self.placement.find_provider(host)
            if provider is not None:
                self.placement.delete_provider(provider["uuid"])
        except NimbusError as exc:
            # As Nova: a Placement failure is logged, the service is deleted all the same.
            LOG.error("could not delete the resource provider of %s: %s", host, exc)
