"""OS-FEDERATION resources: identity providers, their protocols, mappings, service providers."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Conflict, NotFound
from nimbus.identity.db import federation as q
from nimbus.identity.db.federation import Idp
from nimbus.identity.db.models import (
    FederationMapping,
    FederationProtocol,
    IdentityProvider,
    IdpRemoteId,
    ServiceProvider,
)
from nimbus.identity.manager.resource import ResourceManager

__all__ = ["FederationManager", "Idp"]


class FederationManager:
    def __init__(self, db: Database, resource: ResourceManager) -> None:
        self.db = db
        self.resource = resource

    # -- identity providers -----------------------------------------------------------------
    def create_idp(self, idp_id: str, data: dict[str, Any]) -> Idp:
        domain_id = data.get("domain_id")
        if domain_id:
            self.resource.get_domain(domain_id)
        else:
            # As Keystone: an identity provider without a domain gets one of its own.
            domain_id = self.resource.create_domain(
                idp_id, f"Auto generated federated domain for Identity Provider: {idp_id}").id
        return self._insert_idp(idp_id, domain_id, data)

    @retry_on_lock()
    def _insert_idp(self, idp_id: str, domain_id: str, data: dict[str, Any]) -> Idp:
        with self.db.writer() as s:
            if s.get(IdentityProvider, idp_id) is not None:
                raise Conflict(resource="identity_provider",
                               reason=f"Duplicate entry found with ID {idp_id}")
            row = IdentityProvider(id=idp_id, domain_id=domain_id,
                                   enabled=bool(data.get("enabled", False)),
                                   description=data.get("description"),
                                   authorization_ttl=data.get("authorization_ttl"))
            s.add(row)
            s.flush()
            q.set_remote_ids(s, idp_id, data.get("remote_ids") or [])
            return Idp(row, q.remote_ids(s, idp_id))

    def get_idp(self, idp_id: str) -> Idp:
        with self.db.reader() as s:
            row = s.get(IdentityProvider, idp_id)
            if row is None:
                raise NotFound(resource="identity_provider", id=idp_id)
            return Idp(row, q.remote_ids(s, idp_id))

    def list_idps(self, filters: dict[str, Any] | None = None) -> list[Idp]:
        filters = filters or {}
        with self.db.reader() as s:
            return q.list_idps(s, filters)

    def idp_for_remote_id(self, remote_id: str) -> Idp:
        with self.db.reader() as s:
            owner = s.get(IdpRemoteId, remote_id)
            if owner is None:
                raise NotFound(resource="identity_provider", id=remote_id)
            idp_id = owner.idp_id
        return self.get_idp(idp_id)

    @retry_on_lock()
    def update_idp(self, idp_id: str, changes: dict[str, Any]) -> Idp:
        with self.db.writer() as s:
            row = s.get(IdentityProvider, idp_id)
            if row is None:
                raise NotFound(resource="identity_provider", id=idp_id)
            for key in ("enabled", "description", "authorization_ttl"):
                if key in changes:
                    setattr(row, key, changes[key])
            if "remote_ids" in changes:
                q.set_remote_ids(s, idp_id, changes["remote_ids"] or [])
            return Idp(row, q.remote_ids(s, idp_id))

    @retry_on_lock()
    def delete_idp(self, idp_id: str) -> list[str]:
        """Delete the provider, its protocols and remote ids; returns its shadow users' ids."""
        with self.db.writer() as s:
            row = s.get(IdentityProvider, idp_id)
            if row is None:
                raise NotFound(resource="identity_provider", id=idp_id)
            return q.delete_idp(s, row)

    # -- protocols --------------------------------------------------------------------------
    @retry_on_lock()
    def create_protocol(self, idp_id: str, protocol_id: str,
                        data: dict[str, Any]) -> FederationProtocol:
        self.get_idp(idp_id)
        self.get_mapping(data["mapping_id"])
        with self.db.writer() as s:
            if s.get(FederationProtocol, (protocol_id, idp_id)) is not None:
                raise Conflict(resource="protocol",
                               reason=f"Duplicate entry found with ID {protocol_id}")
            row = FederationProtocol(id=protocol_id, idp_id=idp_id,
                                     mapping_id=data["mapping_id"],
                                     remote_id_attribute=data.get("remote_id_attribute"))
            s.add(row)
        return row

    def get_protocol(self, idp_id: str, protocol_id: str) -> FederationProtocol:
        self.get_idp(idp_id)
        with self.db.reader() as s:
            row = s.get(FederationProtocol, (protocol_id, idp_id))
        if row is None:
            raise NotFound(resource="protocol", id=protocol_id)
        return row

    def list_protocols(self, idp_id: str) -> list[FederationProtocol]:
        self.get_idp(idp_id)
        with self.db.reader() as s:
            return q.list_protocols(s, idp_id)

    @retry_on_lock()
    def update_protocol(self, idp_id: str, protocol_id: str,
                        changes: dict[str, Any]) -> FederationProtocol:
        if changes.get("mapping_id"):
            self.get_mapping(changes["mapping_id"])
        self.get_idp(idp_id)
        with self.db.writer() as s:
            row = s.get(FederationProtocol, (protocol_id, idp_id))
            if row is None:
                raise NotFound(resource="protocol", id=protocol_id)
            for key in ("mapping_id", "remote_id_attribute"):
                if key in changes:
                    setattr(row, key, changes[key])
        return row

    @retry_on_lock()
    def delete_protocol(self, idp_id: str, protocol_id: str) -> None:
        self.get_idp(idp_id)
        with self.db.writer() as s:
            row = s.get(FederationProtocol, (protocol_id, idp_id))
            if row is None:
                raise NotFound(resource="protocol", id=protocol_id)
            s.delete(row)

    # -- mappings ---------------------------------------------------------------------------
    @retry_on_lock()
    def create_mapping(self, mapping_id: str, rules: list[Any],
                       schema_version: str = "1.0") -> FederationMapping:
        with self.db.writer() as s:
            if s.get(FederationMapping, mapping_id) is not None:
                raise Conflict(resource="mapping",
                               reason=f"Duplicate entry found with ID {mapping_id}")
            row = FederationMapping(id=mapping_id, rules=rules, schema_version=schema_version)
            s.add(row)
        return row

    def get_mapping(self, mapping_id: str) -> FederationMapping:
        with self.db.reader() as s:
            row = s.get(FederationMapping, mapping_id)
        if row is None:
            raise NotFound(resource="mapping", id=mapping_id)
        return row

    def list_mappings(self) -> list[FederationMapping]:
        with self.db.reader() as s:
            return q.list_mappings(s)

    @retry_on_lock()
    def update_mapping(self, mapping_id: str, rules: list[Any],
                       schema_version: str | None) -> FederationMapping:
        with self.db.writer() as s:
            row = s.get(FederationMapping, mapping_id)
            if row is None:
                raise NotFound(resource="mapping", id=mapping_id)
            row.rules = rules
            if schema_version:
                row.schema_version = schema_version
        return row

    @retry_on_lock()
    def delete_mapping(self, mapping_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(FederationMapping, mapping_id)
            if row is None:
                raise NotFound(resource="mapping", id=mapping_id)
            s.delete(row)

    # -- service providers ------------------------------------------------------------------
    @retry_on_lock()
    def create_sp(self, sp_id: str, data: dict[str, Any]) -> ServiceProvider:
        with self.db.writer() as s:
            if s.get(ServiceProvider, sp_id) is not None:
                raise Conflict(resource="service_provider",
                               reason=f"Duplicate entry found with ID {sp_id}")
            row = ServiceProvider(id=sp_id, auth_url=data["auth_url"], sp_url=data["sp_url"],
                                  description=data.get("description"),
                                  enabled=bool(data.get("enabled", False)),
                                  relay_state_prefix=data.get("relay_state_prefix") or "ss:mem:")
            s.add(row)
        return row

    def get_sp(self, sp_id: str) -> ServiceProvider:
        with self.db.reader() as s:
            row = s.get(ServiceProvider, sp_id)
        if row is None:
            raise NotFound(resource="service_provider", id=sp_id)
        return row

    def list_sps(self, filters: dict[str, Any] | None = None) -> list[ServiceProvider]:
        filters = filters or {}
        with self.db.reader() as s:
            return q.list_sps(s, filters)

    @retry_on_lock()
    def update_sp(self, sp_id: str, changes: dict[str, Any]) -> ServiceProvider:
        with self.db.writer() as s:
            row = s.get(ServiceProvider, sp_id)
            if row is None:
                raise NotFound(resource="service_provider", id=sp_id)
            for key in ("auth_url", "sp_url", "description", "enabled", "relay_state_prefix"):
                if key in changes:
                    setattr(row, key, changes[key] if key != "relay_state_prefix"
                            else changes[key] or "ss:mem:")
        return row

    @retry_on_lock()
    def delete_sp(self, sp_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(ServiceProvider, sp_id)
            if row is None:
                raise NotFound(resource="service_provider", id=sp_id)
            s.delete(row)

    # -- federated users --------------------------------------------------------------------
    def federated_info(self, user_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """``user_id -> [{"idp_id", "protocols": [{"protocol_id", "unique_id"}]}]``."""
        if not user_ids:
            return {}
        with self.db.reader() as s:
            rows = q.links_of(s, user_ids)
        out: dict[str, dict[str, list[dict[str, str]]]] = {}
        for r in rows:
            out.setdefault(r.user_id, {}).setdefault(r.idp_id, []).append(
                {"protocol_id": r.protocol_id, "unique_id": r.unique_id})
        return {uid: [{"idp_id": idp, "protocols": protos} for idp, protos in idps.items()]
                for uid, idps in out.items()}
