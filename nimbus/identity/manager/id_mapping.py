"""Public ids for users and groups whose own ids belong to an external backend (LDAP).

A public id is the SHA-256 of (domain, local id, entity type): stable across restarts and hosts,
64 hex characters, so it never collides with a 32-character SQL id. Rows are written the first
time an entity is seen; they let a public id in a token or an assignment be traced back.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.identity.db.id_mappings import delete_mappings_of
from nimbus.identity.db.models import IdMapping

PUBLIC_ID_LENGTH = 64


@dataclass(frozen=True)
class LocalEntity:
    domain_id: str
    local_id: str
    entity_type: str


def public_id_for(domain_id: str, local_id: str, entity_type: str) -> str:
    # The separator keeps ("ab", "c") and ("a", "bc") apart.
    material = "\x00".join((domain_id, local_id, entity_type)).encode("utf-8")
    return hashlib.sha256(material).hexdigest()


def could_be_mapped(public_id: str) -> bool:
    """Whether ``public_id`` has the shape of a mapped id (saves a query for SQL ids)."""
    return len(public_id) == PUBLIC_ID_LENGTH and all(c in "0123456789abcdef" for c in public_id)


class IdMappingManager:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Mappings never change once written, so both directions can be remembered.
        self._known: dict[str, LocalEntity] = {}
        self._lock = threading.Lock()

    def public_id(self, domain_id: str, local_id: str, entity_type: str) -> str:
        """The public id of a backend entity, recording the mapping on first sight."""
        public = public_id_for(domain_id, local_id, entity_type)
        if public not in self._known:
            self._record(public, LocalEntity(domain_id, local_id, entity_type))
        return public

    @retry_on_lock()
    def _record(self, public: str, entity: LocalEntity) -> None:
        try:
            with self.db.writer() as s:
                if s.get(IdMapping, public) is None:
                    s.add(IdMapping(public_id=public, domain_id=entity.domain_id,
                                    local_id=entity.local_id, entity_type=entity.entity_type))
        except IntegrityError:
            pass  # another process recorded the same (deterministic) row first
        with self._lock:
            self._known[public] = entity

    def lookup(self, public_id: str) -> LocalEntity | None:
        """The backend entity behind a public id, or None when it is not a mapped id."""
        if not could_be_mapped(public_id):
            return None
        found = self._known.get(public_id)
        if found is not None:
            return found
        with self.db.reader() as s:
            row = s.get(IdMapping, public_id)
        if row is None:
            return None
        entity = LocalEntity(row.domain_id, row.local_id, row.entity_type)
        with self._lock:
            self._known[public_id] = entity
        return entity

    @retry_on_lock()
    def purge_domain(self, domain_id: str) -> None:
        """Forget every mapping of a domain (when its backend goes away)."""
        with self.db.writer() as s:
            delete_mappings_of(s, domain_id)
        with self._lock:
            self._known = {k: v for k, v in self._known.items() if v.domain_id != domain_id}
