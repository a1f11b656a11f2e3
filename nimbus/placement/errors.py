"""Placement's own errors: each carries the ``code`` its ``errors`` fault body reports."""

from __future__ import annotations

from typing import Any, ClassVar

from nimbus.core import errors

UNDEFINED = "placement.undefined_code"
CONCURRENT_UPDATE = "placement.concurrent_update"
INVENTORY_INUSE = "placement.inventory.inuse"
DUPLICATE_NAME = "placement.duplicate_name"
PROVIDER_INUSE = "placement.resource_provider.inuse"
PROVIDER_CANNOT_DELETE_PARENT = "placement.resource_provider.cannot_delete_parent"
PROVIDER_NOT_FOUND = "placement.resource_provider.not_found"
QUERY_BAD_VALUE = "placement.query.bad_value"
QUERY_MISSING_VALUE = "placement.query.missing_value"
QUERY_DUPLICATE_KEY = "placement.query.duplicate_key"


class RetryWrite(Exception):  # noqa: N818 - an internal signal, not an error users see
    """Raised inside a writer when a compare-and-swap lost a race; the unit of work is redone."""


class _Coded:
    """Mixin: put the class's placement code into kwargs, where the fault renderer reads it."""

    error_code: ClassVar[str] = UNDEFINED

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("error_code", self.error_code)
        super().__init__(message, **kwargs)  # type: ignore[call-arg]


class ConcurrentUpdate(_Coded, errors.Conflict):
    error_code = CONCURRENT_UPDATE
    message_format = "{what} generation conflict - expected {expected} but got {actual}."


class ProviderGenerationConflict(ConcurrentUpdate):
    message_format = ("resource provider generation conflict: the provider {uuid} changed "
                      "since it was read; fetch it again and retry.")


class InventoryInUse(_Coded, errors.Conflict):
    error_code = INVENTORY_INUSE
    message_format = ("Inventory for '{resource_classes}' on resource provider '{uuid}' in use.")


class DuplicateName(_Coded, errors.Conflict):
    error_code = DUPLICATE_NAME
    message_format = "Conflicting resource provider name: {name} already exists."


class ProviderInUse(_Coded, errors.Conflict):
    error_code = PROVIDER_INUSE
    message_format = "Unable to delete resource provider {uuid}: Resource provider has allocations."


class CannotDeleteParent(_Coded, errors.Conflict):
    error_code = PROVIDER_CANNOT_DELETE_PARENT
    message_format = ("Unable to delete parent resource provider {uuid}: It has child resource "
                      "providers.")


class CapacityExceeded(_Coded, errors.Conflict):
    """A claim that would not fit: 409, naming the provider and the resource class."""

    message_format = ("Unable to allocate inventory: Unable to create allocation for "
                      "'{resource_class}' on resource provider '{uuid}'. The requested amount "
                      "would exceed the capacity.")


class ConstraintViolated(_Coded, errors.Conflict):
    message_format = ("Unable to allocate inventory: Unable to create allocation for "
                      "'{resource_class}' on resource provider '{uuid}'. {reason}")


class QueryBadValue(_Coded, errors.BadRequest):
    error_code = QUERY_BAD_VALUE
    message_format = "{reason}"


for _cls in (ConcurrentUpdate, ProviderGenerationConflict, InventoryInUse, DuplicateName,
             ProviderInUse, CannotDeleteParent, CapacityExceeded, ConstraintViolated,
             QueryBadValue):
    errors.register(_cls)
