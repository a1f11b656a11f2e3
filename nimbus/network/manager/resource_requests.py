"""A port's ``resource_request`` (Neutron's ``port-resource-request-groups``): what compute must
claim in Placement for the port's minimum-bandwidth and minimum-packet-rate rules.

The port's policy is its own, or else its network's. Minimum bandwidth is one request group
on the NIC of the port's physical network (``manager/bandwidth.py``); minimum packet rate is
another, on the host's agent; both in one subtree. Group ids are derived from the port and
the group's kind, so that they read the same every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from nimbus.network.db import models
from nimbus.network.db import networks as network_db
from nimbus.network.db import qos as qos_db
from nimbus.network.manager.bandwidth import (
    BW_EGRESS,
    BW_INGRESS,
    PACKET_RATE,
    physnet_trait,
)

_BW = {"egress": BW_EGRESS, "ingress": BW_INGRESS}
_PPS = {"any": PACKET_RATE, "egress": "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC",
        "ingress": "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC"}


def group_id(port_id: str, kind: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nimbus:port:{port_id}:{kind}"))


def resource_requests(session: Session, ports: Iterable[models.Port]) -> dict[str, Any]:
    """port id -> its resource_request, or None; a few queries for any number of ports."""
    rows = list(ports)
    found: dict[str, Any] = {row.id: None for row in rows}
    guests = [r for r in rows if not r.device_owner.startswith("network:")]
    if not guests:
        return found
    nets = network_db.by_ids(session, {r.network_id for r in guests})
    policy_of = {r.id: r.qos_policy_id or getattr(nets.get(r.network_id), "qos_policy_id", None)
                 for r in guests}
    wanted = {p for p in policy_of.values() if p}
    if not wanted:
        return found
    rules = qos_db.rules_of(session, wanted)
    for row in guests:
        policy = policy_of[row.id]
        if policy:
            found[row.id] = _request(row, nets.get(row.network_id), rules.get(policy, []))
    return found


def _request(port: models.Port, net: models.Network | None,
             rules: list[models.QosRule]) -> dict[str, Any] | None:
    vnic = f"CUSTOM_VNIC_TYPE_{(port.vnic_type or 'normal').upper()}"
    bandwidth = {_BW[r.direction or "egress"]: int(r.min_kbps or 0) for r in rules
                 if r.rule_type == "minimum_bandwidth" and r.min_kbps}
    packets = {_PPS[r.direction or "egress"]: int(r.min_kpps or 0) for r in rules
               if r.rule_type == "minimum_packet_rate" and r.min_kpps}
    groups = []
    if bandwidth:
        required = [vnic]
        if net is not None and net.physical_network:
            required.insert(0, physnet_trait(net.physical_network))
        groups.append({"id": group_id(port.id, "bandwidth"), "required": required,
                       "resources": bandwidth})
    if packets:
        groups.append({"id": group_id(port.id, "packet-rate"), "required": [vnic],
                       "resources": packets})
    if not groups:
        return None
    return {"request_groups": groups, "same_subtree": [g["id"] for g in groups]}

