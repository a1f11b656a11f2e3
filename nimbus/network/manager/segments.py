"""Network segments (Neutron's ``segment``), an admin's tool.

Every network has a first segment, made with it from its provider attributes (``add_first``);
an admin adds more to a network (a routed network's), each one of the type drivers' kinds:
``flat`` and ``vlan`` on a physical network, ``vxlan`` and ``geneve`` without. No two segments
carry the same type, physical network and id. A subnet may name one of its network's segments
(``segment_id``), and then every subnet of the network must; a segment with subnets stays. The
data plane carries every network the same way whatever its segments say (a bridge per network,
joined between hosts by VXLAN).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.base import iso
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import segments as segment_db
from nimbus.network.manager.listing import Filters, Hidden, with_items

# Type -> (needs a physical network, the ids it takes).
TYPES: dict[str, tuple[bool, range | None]] = {
    "flat": (True, None), "vlan": (True, range(1, 4095)),
    "vxlan": (False, range(1, 1 << 24)), "geneve": (False, range(1, 1 << 24)),
}
_IN_USE = {"flat": "FlatNetworkInUse", "vlan": "VlanIdInUse"}


def view(row: models.Segment) -> dict[str, Any]:
    return {"id": row.id, "network_id": row.network_id, "name": row.name,
            "description": row.description, "network_type": row.network_type,
            "physical_network": row.physical_network,
            "segmentation_id": row.segmentation_id, "revision_number": row.revision_number,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def add_first(session: Session, net: models.Network) -> None:
    """A new network's own segment, from its provider attributes."""
    session.add(models.Segment(network_id=net.id, network_type=net.network_type or "vxlan",
                               physical_network=net.physical_network,
                               segmentation_id=net.segmentation_id, segment_index=0,
                               description="", revision_number=1))


def check_subnet(session: Session, net: models.Network, segment_id: str | None) -> None:
    """A subnet's segment is one of its network's, and a network's subnets all name one or
    none does (Neutron's routed networks)."""
    if segment_id is not None:
        segment = segment_db.get(session, segment_id)
        if segment is None:
            raise nerr.SegmentNotFound(segment_id=segment_id)
        if segment.network_id != net.id:
            raise nerr.BadRequest(resource="subnet", msg=f"Network {net.id} does not match "
                                  f"the network of segment {segment_id}")
    others = network_db.subnets(session, net.id)
    if others and any((o.segment_id is None) != (segment_id is None) for o in others):
        raise nerr.BadRequest(resource="subnet", msg="All subnets of a network must be "
                              "associated with a segment, or none of them",
                              neutron_type="SubnetsNotAllAssociatedWithSegments")


class SegmentManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list_segments(self, query: PageQuery | None = None, filters: Filters | None = None,
                      hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            page = segment_db.list_page(session, query or PageQuery(), filters or {}, hidden)
            return with_items(page, [view(r) for r in page.items])

    def get_segment(self, segment_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return view(self._row(session, segment_id))

    @staticmethod
    def _row(session: Session, segment_id: str) -> models.Segment:
        row = segment_db.get(session, segment_id)
        if row is None:
            raise nerr.SegmentNotFound(segment_id=segment_id)
        return row

    @retry_on_lock()
    def create_segment(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["network_type"]
        physnet, number = attrs.get("physical_network"), attrs.get("segmentation_id")
        if kind not in TYPES:
            raise nerr.InvalidInput(error_message=f"network_type value '{kind}' not supported")
        needs_physnet, ids = TYPES[kind]
        if needs_physnet and not physnet:
            raise nerr.InvalidInput(error_message=f"physical_network required for {kind} "
                                    "provider network")
        if not needs_physnet and physnet:
            raise nerr.InvalidInput(error_message=f"physical_network '{physnet}' not allowed "
                                    f"for {kind} provider network")
        if ids is None and number is not None:
            raise nerr.InvalidInput(error_message=f"segmentation_id not allowed for {kind} "
                                    "provider network")
        if ids is not None and number is not None and int(number) not in ids:
            raise nerr.InvalidInput(error_message=f"segmentation_id out of range "
                                    f"({ids.start} through {ids.stop - 1})")
        with self.db.writer() as session:
            net = network_db.get(session, attrs["network_id"])
            if net is None:
                raise nerr.NetworkNotFound(id=attrs["network_id"])
            if ids is not None and number is None:
                taken = segment_db.taken_ids(session, kind, physnet)
                number = next((n for n in ids if n not in taken), None)
                if number is None:
                    raise nerr.Conflict(reason=f"No {kind} id is free on {physnet or kind}",
                                        neutron_type="NoNetworkAvailable")
            held = segment_db.holding(session, kind, physnet, number)
            if held is not None:
                raise nerr.Conflict(reason=f"Unable to create the segment. The {kind} "
                                    f"{number or physnet} is in use.",
                                    neutron_type=_IN_USE.get(kind, "TunnelIdInUse"))
            row = models.Segment(network_id=net.id, name=attrs.get("name"),
                                 description=attrs.get("description") or "",
                                 network_type=kind, physical_network=physnet,
                                 segmentation_id=number,
                                 segment_index=segment_db.next_index(session, net.id),
                                 revision_number=1)
            session.add(row)
            session.flush()
            return view(row)

    @retry_on_lock()
    def update_segment(self, segment_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._row(session, segment_id)
            for key in ("name", "description"):
                if key in attrs:
                    setattr(row, key, attrs[key] if key == "name" else attrs[key] or "")
            row.touch()
            session.flush()
            return view(row)

    @retry_on_lock()
    def delete_segment(self, segment_id: str) -> None:
        with self.db.writer() as session:
            row = self._row(session, segment_id)
            if segment_db.subnets_on(session, row.id):
                raise nerr.SegmentInUse(segment_id=row.id,
                                        reason="There are one or more subnets on it")
            if row.segment_index == 0:
                raise nerr.SegmentInUse(segment_id=row.id,
                                        reason=f"it is network {row.network_id}'s own "
                                               "segment, which goes with the network")
            session.delete(row)
