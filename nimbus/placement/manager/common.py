"""Rules the Placement managers share: uuids, generations, capacity and known classes."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable

from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.placement import constants
from nimbus.placement.db import classes as class_queries
from nimbus.placement.db import traits as trait_queries
from nimbus.placement.db.filters import RequestGroup, capacity_of
from nimbus.placement.db.models import Inventory, ResourceProvider
from nimbus.placement.errors import ConcurrentUpdate, ProviderGenerationConflict


def normalise_uuid(value: str) -> str:
    """Placement accepts UUIDs with or without dashes and answers with the dashed form."""
    try:
        return str(uuidlib.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise errors.BadRequest(f"Malformed UUID: '{value}'.") from None


def check_generation(rp: ResourceProvider, given: int) -> None:
    """The client wrote against the generation it read, or its write is a 409."""
    if rp.generation != given:
        raise ProviderGenerationConflict(uuid=rp.uuid)


def check_generation_changed(rp: ResourceProvider, given: int) -> None:
    """As ``check_generation``, in the words Placement's traits and aggregates use."""
    if rp.generation != given:
        raise ConcurrentUpdate("Resource provider's generation already changed. Please update "
                               "the generation and try again.")


def capacity(inv: Inventory) -> int:
    """What a provider can hand out of one class: (total - reserved) * allocation_ratio."""
    return int(capacity_of(inv))


def resource_class_exists(session: Session, name: str) -> bool:
    if name in constants.STANDARD_CLASSES:
        return True
    if not constants.is_custom(name):
        return False
    return class_queries.custom_exists(session, name)


def require_known(session: Session, group: RequestGroup) -> None:
    """Every class and trait a request group names exists, or the request is a 400 naming it."""
    for rc in sorted(group.resources):
        if not resource_class_exists(session, rc):
            raise errors.BadRequest(f"Invalid resource class in resources parameter: No such "
                                    f"resource class {rc}.")
    names = {t for any_of in group.required_traits for t in any_of} | group.forbidden_traits
    unknown = names - constants.STANDARD_TRAITS
    missing = sorted(unknown - trait_queries.custom(session, unknown)) if unknown else []
    if missing:
        raise errors.BadRequest(f"No such trait(s): {', '.join(missing)}.")


def require_resource_classes(session: Session, names: Iterable[str]) -> None:
    """A 400 naming the first resource class Placement does not know."""
    for name in sorted(set(names)):
        if not resource_class_exists(session, name):
            raise errors.BadRequest(f"No such resource class {name}.")
