"""What ports know of trunks: a parent's ``trunk_details``, subports that follow their parent
to its host, and the ports a trunk holds, which cannot be deleted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import ports as port_db
from nimbus.network.db import trunks as trunk_db
from nimbus.network.schemas import trunk_views as views

OWNER_SUBPORT = "trunk:subport"


def trunk_details(session: Session, ports: Sequence[models.Port]) -> dict[str, dict[str, Any]]:
    """``trunk_details`` of each of these ports that is a trunk's parent, by port id."""
    trunks = trunk_db.with_parents(session, [p.id for p in ports])
    if not trunks:
        return {}
    subs = trunk_db.subports(session, [t.id for t in trunks.values()])
    macs = {p.id: p.mac_address for p in port_db.many(
        session, [s.port_id for ss in subs.values() for s in ss]).values()}
    return {port_id: views.details(t, subs[t.id], macs) for port_id, t in trunks.items()}


def subports_of(session: Session, parent: models.Port) -> list[models.Port]:
    """The ports a trunk carries on this parent (none, when it is no parent)."""
    trunk = trunk_db.with_parent(session, parent.id)
    if trunk is None:
        return []
    ids = [s.port_id for s in trunk_db.subports(session, [trunk.id])[trunk.id]]
    return list(port_db.many(session, ids).values())


def check_deletable(session: Session, port_id: str) -> None:
    """Neutron's rule: a port that is a trunk's parent or subport stays until it leaves."""
    sub = trunk_db.subport(session, port_id)
    if sub is not None:
        raise nerr.PortInUseAsSubPort(port_id=port_id, trunk_id=sub.trunk_id)
    trunk = trunk_db.with_parent(session, port_id)
    if trunk is not None:
        raise nerr.PortInUseAsTrunkParent(port_id=port_id, trunk_id=trunk.id)
