"""What a client may register as an image location, and the checksums it may claim for it.

A location is a URL some store reads. http(s) URLs belong to the read-only ``web`` store and
are accepted only for hosts on the web-download allow-list. Paths inside the cloud's own stores
(``file://``, ``nimbus-object://``) are accepted from admins only: a user who could name them
would point their image at another project's bytes. Any other scheme is a 400.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from nimbus.core.errors import BadRequest, Conflict, Forbidden
from nimbus.image.drivers import fetch
from nimbus.image.manager.stores import Store, Stores

MAX_URL = 2048
LEGACY_KEYS = ("checksum", "os_hash_algo", "os_hash_value")


@dataclass
class NewLocation:
    url: str
    metadata: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, str] = field(default_factory=dict)


def store_for(url: Any, stores: Stores, allowed: list[str], is_admin: bool) -> Store:
    """The store that will read ``url``; 400/403 when no store may (see the module doc)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise BadRequest("A location needs a 'url' string of at most "
                         f"{MAX_URL} characters.")
    store = stores.owner(url)
    if store is None:
        raise BadRequest(f"Invalid location {url}: no image store of this cloud reads that "
                         "scheme.")
    if store.driver.read_only:
        fetch.check_uri(url, allowed)
    elif not is_admin:
        raise Forbidden("Only an administrator may register a location inside the cloud's own "
                        "image stores.")
    return store


def parse_legacy(value: Any) -> NewLocation:
    """One item of ``/locations`` in a JSON patch: ``url``, ``metadata``, ``validation_data``."""
    if not isinstance(value, dict):
        raise BadRequest("A location must be an object with 'url' and 'metadata'.")
    unknown = set(value) - {"url", "metadata", "validation_data"}
    if unknown:
        raise BadRequest(f"Unknown location attributes: {', '.join(sorted(unknown))}.")
    if not isinstance(value.get("metadata"), dict):
        raise BadRequest("A location needs a 'metadata' object.")
    validation = value.get("validation_data") or {}
    if not isinstance(validation, dict) or set(validation) - set(LEGACY_KEYS) or \
            not all(isinstance(v, str) for v in validation.values()):
        raise BadRequest("'validation_data' may hold only the strings checksum, os_hash_algo "
                         "and os_hash_value.")
    if validation and not {"os_hash_algo", "os_hash_value"} <= set(validation):
        raise BadRequest("'validation_data' needs both os_hash_algo and os_hash_value.")
    if not isinstance(value.get("url"), str):
        raise BadRequest("A location needs a 'url' string.")
    return NewLocation(value["url"], dict(value["metadata"]), dict(validation))


def legacy_values(current: dict[str, Any], status: str, claims: list[dict[str, str]],
                  hash_algo: str) -> dict[str, str]:
    """The checksums a JSON-patch location sets on the image (409 on any disagreement).

    A claim equal to what the image already has is fine; a different one is a conflict, and a
    new value may only land on a ``queued`` image. The hash algorithm must be the cloud's.
    """
    merged: dict[str, str] = {}
    for claim in claims:
        for key, value in claim.items():
            if merged.get(key, value) != value:
                raise Conflict(f"Conflicting values for {key}.")
            merged[key] = value
    new: dict[str, str] = {}
    for key, value in merged.items():
        if current.get(key) == value:
            continue
        if current.get(key):
            raise Conflict(f"{key} already set with a different value.")
        new[key] = value
    if not new:
        return {}
    if status != "queued":
        raise Conflict(f"New value(s) for {', '.join(sorted(new))} may only be provided when "
                       "the image status is 'queued'.")
    if "checksum" in new and _hex_length(new["checksum"]) != 16:
        raise Conflict(f"checksum ({new['checksum']}) is not a valid md5 hexadecimal value.")
    if "os_hash_algo" in new:
        if new["os_hash_algo"] != hash_algo:
            raise Conflict(f"os_hash_algo must be {hash_algo}, not {new['os_hash_algo']}.")
        if _hex_length(new.get("os_hash_value", "")) != hashlib.new(hash_algo).digest_size:
            raise Conflict(f"os_hash_value is not a valid {hash_algo} hexadecimal value.")
    return new


def check_hash_claim(validation: dict[str, str] | None) -> dict[str, str]:
    """``validation_data`` of ``POST /locations`` (its shape checked by the route's schema):
    a known algorithm and a digest that fits it."""
    if not validation:
        return {}
    algo, value = validation["os_hash_algo"], validation["os_hash_value"]
    if algo not in hash_algorithms():
        raise BadRequest(f"Hashing algorithm {algo} is not supported; use one of "
                         f"{', '.join(hash_algorithms())}.")
    if _hex_length(value) != hashlib.new(algo).digest_size:
        raise BadRequest(f"os_hash_value: {value} is not a valid {algo} hexadecimal digest.")
    return {"os_hash_algo": algo, "os_hash_value": value.lower()}


def hash_algorithms() -> list[str]:
    # The shake digests have no fixed length, so a claimed value could never be checked.
    return sorted(a for a in hashlib.algorithms_guaranteed if not a.startswith("shake"))


def _hex_length(value: str) -> int:
    try:
        return len(bytes.fromhex(value))
    except ValueError:
        return -1
