"""Request schemas of /v2.0/ports."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network import constants as c
from nimbus.network.db import ports as port_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas import dns
from nimbus.network.schemas.listing import TEXTS, list_query
from nimbus.network.schemas.networks import BOOLEAN, DESCRIPTION, NAME, PROJECT

FIXED_IP = a.obj({"subnet_id": a.uuid(), "ip_address": a.string(64)})
CONVERT_FIXED_IP = cv.dict_of({"ip_address": cv.ip_address})
PAIR = a.obj({"ip_address": a.string(64), "mac_address": a.mac()}, required=("ip_address",))
DHCP_OPTION = a.obj({"opt_name": a.string(255), "opt_value": a.string(255, nullable=True),
                     "ip_version": a.integer(4, 6)}, required=("opt_name",))

ATTRIBUTES: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "network_id": a.Attr(a.uuid(), put=False, required=True),
    "admin_state_up": BOOLEAN,
    "mac_address": a.Attr(a.mac(), cv.mac),
    "fixed_ips": a.Attr(a.array(FIXED_IP), cv.list_of(CONVERT_FIXED_IP)),
    "device_id": a.Attr(a.string(255)),
    "device_owner": a.Attr(a.string(255)),
    "security_groups": a.Attr(a.array(a.uuid(), nullable=True)),
    "port_security_enabled": BOOLEAN,
    "qos_policy_id": a.Attr(a.uuid(nullable=True)),
    "allowed_address_pairs": a.Attr(a.array(PAIR, nullable=True),
                                    cv.nullable(cv.list_of(cv.dict_of({"mac_address": cv.mac})))),
    "extra_dhcp_opts": a.Attr(a.array(DHCP_OPTION, nullable=True),
                              cv.nullable(cv.list_of(cv.dict_of({"ip_version": cv.integer(4, 6)})))),
    "binding:host_id": a.Attr(a.string(255, nullable=True)),
    "binding:vnic_type": a.Attr(a.one_of(*c.VNIC_TYPES)),
    "binding:profile": a.Attr({"type": ["object", "null"]}),
    "dns_name": a.Attr(a.string(255, nullable=True), dns.dns_name),
    # dns-domain-ports: kept and shown, for an external DNS service (none is attached).
    "dns_domain": a.Attr(a.string(255, nullable=True), dns.dns_domain),
    "mac_learning_enabled": BOOLEAN,
}

CREATE: Schema = a.create_body("port", "ports", ATTRIBUTES)
UPDATE: Schema = a.update_body("port", ATTRIBUTES)
# ``fixed_ips=ip_address=10.0.0.5`` (or ``subnet_id=``, ``ip_address_substr=``).
FIXED_IPS_FILTER: Schema = {**TEXTS, "items": {
    "type": "string", "pattern": f"^({'|'.join(port_db.FIXED_IP_KEYS)})(=|$)"}}
LIST_QUERY: Schema = list_query(port_db.LISTING.attributes, fixed_ips=FIXED_IPS_FILTER)
