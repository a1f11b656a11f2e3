"""What the API shows of address scopes and subnet pools."""

from __future__ import annotations

from typing import Any

from nimbus.network.db import models
from nimbus.network.schemas.views import _standard


def address_scope(row: models.AddressScope) -> dict[str, Any]:
    return {**_standard(row), "name": row.name, "ip_version": row.ip_version,
            "shared": row.shared}


def subnet_pool(row: models.SubnetPool) -> dict[str, Any]:
    return {
        **_standard(row),
        "name": row.name,
        "ip_version": row.ip_version,
        "prefixes": list(row.prefixes or []),
        "default_prefixlen": row.default_prefixlen,
        "min_prefixlen": row.min_prefixlen,
        "max_prefixlen": row.max_prefixlen,
        "default_quota": row.default_quota,
        "address_scope_id": row.address_scope_id,
        "shared": row.shared,
        "is_default": row.is_default,
    }
