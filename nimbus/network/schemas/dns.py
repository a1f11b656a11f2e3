"""DNS integration (Neutron's ``dns-integration``): the names a port's addresses answer to.

A port's ``dns_name`` is the hostname its addresses take in the cloud's DNS domain; without
one, each address gets a name made from itself (``host-10-0-0-5``), as Neutron names them. The
DHCP server of the network hands the name to the guest and answers for it in DNS, so guests of
one network find each other by name.
"""

from __future__ import annotations

import re
from typing import Any

from nimbus.network import constants as c
from nimbus.network.schemas.convert import bad

# A label: letters, digits and hyphens, not at either end (RFC 1123).
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
# The longest name DNS carries, without its final dot.
FQDN_MAX = 255


def _labels_error(value: str) -> str | None:
    labels = value.rstrip(".").split(".")
    for label in labels:
        if not label:
            return f"Encountered an empty component in '{value}'"
        if not _LABEL.match(label):
            if len(label) > 63:
                return f"'{label}' exceeds the 63 character FQDN label limit in '{value}'"
            return (f"'{label}' not a valid PQDN or FQDN. Reason: Name '{label}' must be 1-63 "
                    "characters long, each of which can only be alphanumeric or a hyphen")
    if len(labels) > 1 and labels[-1].isdigit():
        return f"TLD '{labels[-1]}' must not be all numeric"
    return None


def dns_name(attr: str, value: Any) -> str:
    """A port's or floating IP's name: a hostname, or a FQDN inside the cloud's domain."""
    text = str(value or "").lower()
    if not text:
        return ""
    if len(text.rstrip(".")) > FQDN_MAX:
        raise bad(attr, f"'{text}' exceeds the {FQDN_MAX} character FQDN limit")
    problem = _labels_error(text)
    if problem:
        raise bad(attr, problem)
    if text.endswith(".") and attr == "dns_name":
        domain = c.DNS_DOMAIN
        if text == domain or not text.endswith("." + domain):
            raise bad(attr, f"The dns_name passed is a FQDN. Its higher level labels must be "
                            f"equal to the dns_domain option in neutron.conf, that has been "
                            f"set to '{domain}'. It must also include one or more valid DNS "
                            f"labels to the left of '{domain}'")
    return text


def dns_domain(attr: str, value: Any) -> str:
    """A network's or floating IP's domain: a FQDN, with room left for a name inside it."""
    text = str(value or "").lower()
    if not text:
        return ""
    if not text.endswith("."):
        raise bad(attr, f"'{text}' is not a FQDN")
    if len(text) > FQDN_MAX - 3:
        raise bad(attr, f"'{text}' contains {len(text)} characters. Adding a sub-domain will "
                        f"cause it to exceed the maximum length of a FQDN of '{FQDN_MAX}'")
    problem = _labels_error(text)
    if problem:
        raise bad(attr, problem)
    return text


def hostname(name: str, address: str) -> str:
    """The name one address of a port answers to."""
    if name:
        return name.rstrip(".").removesuffix("." + c.DNS_DOMAIN.rstrip("."))
    return "host-" + address.replace(".", "-").replace(":", "-")


def assignment(name: str, ips: list[dict[str, Any]]) -> list[dict[str, str]]:
    """``dns_assignment``: each fixed address with its hostname and FQDN."""
    out = []
    for ip in ips:
        host = hostname(name, str(ip["ip_address"]))
        out.append({"hostname": host, "ip_address": str(ip["ip_address"]),
                    "fqdn": f"{host}.{c.DNS_DOMAIN}"})
    return out
