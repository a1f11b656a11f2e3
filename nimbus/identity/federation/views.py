"""Response shapes of OS-FEDERATION resources."""

from __future__ import annotations

from typing import Any

from nimbus.identity.db.models import FederationMapping, FederationProtocol, ServiceProvider
from nimbus.identity.managers.federation import Idp

ROOT = "/v3/OS-FEDERATION"


def collection(base: str, path: str, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: items, "links": {"self": f"{base}{ROOT}/{path}", "previous": None,
                                  "next": None}}


def idp(base: str, i: Idp) -> dict[str, Any]:
    url = f"{base}{ROOT}/identity_providers/{i.row.id}"
    return {"id": i.row.id, "domain_id": i.row.domain_id, "enabled": i.row.enabled,
            "description": i.row.description, "remote_ids": i.remote_ids,
            "authorization_ttl": i.row.authorization_ttl,
            "links": {"self": url, "protocols": f"{url}/protocols"}}


def protocol(base: str, p: FederationProtocol) -> dict[str, Any]:
    idp_url = f"{base}{ROOT}/identity_providers/{p.idp_id}"
    return {"id": p.id, "mapping_id": p.mapping_id, "remote_id_attribute": p.remote_id_attribute,
            "links": {"self": f"{idp_url}/protocols/{p.id}", "identity_provider": idp_url}}


def mapping(base: str, m: FederationMapping) -> dict[str, Any]:
    return {"id": m.id, "rules": m.rules, "schema_version": m.schema_version,
            "links": {"self": f"{base}{ROOT}/mappings/{m.id}"}}


def service_provider(base: str, sp: ServiceProvider) -> dict[str, Any]:
    return {"id": sp.id, "auth_url": sp.auth_url, "sp_url": sp.sp_url,
            "description": sp.description, "enabled": sp.enabled,
            "relay_state_prefix": sp.relay_state_prefix,
            "links": {"self": f"{base}{ROOT}/service_providers/{sp.id}"}}
