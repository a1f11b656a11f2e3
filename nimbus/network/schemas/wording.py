"""How a request that breaks its schema is worded: as Neutron's API layer words it.

Neutron names the resource attribute at fault ("Invalid input for fixed_ips. Reason: ..."), even
when the fault lies deeper (an item of the list, a key of the object), and has sentences of its
own for unknown, read-only, missing and misspelt attributes. The failure's path gives the
attribute: ``[resource, attribute, ...]``, or ``[collection, index, attribute, ...]`` in a bulk
create; a query parameter is the first element. Where the schema's own reason has a Neutron
counterpart, the counterpart is given.
"""

from __future__ import annotations

import re
from typing import Any

from nimbus.core.api.validation import Failure
from nimbus.core.errors import BadRequest, NimbusError
from nimbus.network.errors import HTTPBadRequest
from nimbus.network.schemas.attributes import (
    BOOL_BOUNDS,
    BOOL_TEXT,
    ID_OR_EMPTY_TEXT,
    INT_TEXT,
    MAC_TEXT,
    UUID_TEXT,
)
from nimbus.network.schemas.ports import FIXED_IPS_FILTER

_UNEXPECTED = re.compile(r"\((.*) (?:was|were) unexpected\)")
_TYPE = re.compile(r"is not of type '(\w+)'(?:, '\w+')*$")
_BELOW = re.compile(r"is less than the minimum of (-?\d+)$")
_ABOVE = re.compile(r"is greater than the maximum of (-?\d+)$")
# Patterns the schemas use, and what Neutron says of a value that misses them.
_PATTERNS = {
    BOOL_TEXT: "'{value}' cannot be converted to boolean",
    INT_TEXT: "'{value}' is not an integer",
    MAC_TEXT: "'{value}' is not a valid MAC address",
    UUID_TEXT: "'{value}' is not a valid UUID",
    ID_OR_EMPTY_TEXT: "'{value}' is not a valid UUID",
    FIXED_IPS_FILTER["items"]["pattern"]: "'{value}' is not a valid filter",
}
_TYPES = {"string": "'{value}' is not a valid string", "array": "'{value}' is not a list",
          "object": "'{value}' is not a dictionary", "integer": "'{value}' is not an integer",
          "boolean": "'{value}' cannot be converted to boolean"}


def _reason(failure: Failure) -> str:
    """Neutron's reason where it has one for this failure; the schema's otherwise."""
    message, value = failure.message, failure.value
    for pattern, reason in _PATTERNS.items():
        if message.endswith(f"does not match {pattern!r}"):
            return reason.format(value=value)
    if any(bound in message for bound in BOOL_BOUNDS):
        return _PATTERNS[BOOL_TEXT].format(value=value)
    if found := _TYPE.search(message):
        return _TYPES.get(found.group(1), message).format(value=value)
    if found := _BELOW.search(message):
        return f"'{value}' is too small - must be at least '{found.group(1)}'"
    if found := _ABOVE.search(message):
        return f"'{value}' is too large - must be no larger than '{found.group(1)}'"
    if message.endswith("has non-unique elements") and isinstance(value, list):
        return f"Duplicate items in the list: '{', '.join(map(str, value))}'"
    if (names := _unknown(message)) is not None:
        return f"Unrecognized keys {names} in '{value}'"
    # A nullable choice lists null among the choices; Neutron's message does not.
    return message.replace(" is not one of ", " is not in ").replace(", None]", "]")


def _unknown(message: str) -> list[str] | None:
    found = _UNEXPECTED.search(message)
    return None if found is None else sorted(re.findall(r"'([^']*)'", found.group(1)))


def _tags(failure: Failure) -> NimbusError:
    """The body of ``PUT .../tags``: ``{"tags": [...]}``."""
    if len(failure.path) > 1:
        return HTTPBadRequest(attr="tags", reason=f"'{failure.value}' is not a valid tag")
    return HTTPBadRequest(attr="tags", reason="a list of tags is required")


def _query(failure: Failure) -> NimbusError:
    name = failure.path[0] if failure.path else failure.field
    value: Any = failure.value
    if name == "limit":
        if isinstance(value, int):
            return BadRequest("Query parameter 'limit' must be >= 0.")
        return BadRequest(f"Invalid value '{value}' for query parameter 'limit'.")
    if name == "page_reverse":
        return BadRequest(f"Invalid boolean value '{value}' for query parameter "
                          "'page_reverse'.")
    return HTTPBadRequest(attr=name, reason=_reason(failure))


def word(failure: Failure) -> NimbusError:
    path = failure.path
    if failure.where == "query":
        return _query(failure)
    if (path[:1] or [failure.field]) == ["tags"]:
        return _tags(failure)
    depth = 2 if len(path) > 1 and path[1].isdigit() else 1
    if len(path) > depth:
        attr = path[depth]
        if "{'title': 'read-only'}" in failure.message:
            return HTTPBadRequest(f"Cannot update read-only attribute {attr}")
        if "{'title': 'not allowed in POST'}" in failure.message:
            return HTTPBadRequest(f"Attribute '{attr}' not allowed in POST")
        return HTTPBadRequest(attr=attr, reason=_reason(failure))
    if (names := _unknown(failure.message)) is not None:
        return HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(names)}'")
    if failure.message.endswith("is a required property"):
        if path:
            return HTTPBadRequest(f"Failed to parse request. Required attribute "
                                  f"'{failure.field}' not specified")
        return HTTPBadRequest(f"Unable to find '{failure.field}' in request body")
    if not path:
        return BadRequest("The request body must be a JSON object.")
    if depth == 2 or "should be non-empty" in failure.message \
            or "is not of type 'array'" in failure.message:
        # The list of a bulk create, or one of its items.
        return HTTPBadRequest(f"Resources required in '{path[0]}' must be objects")
    if "is not of type 'object'" in failure.message:
        return HTTPBadRequest(f"Unable to find '{path[0]}' in request body")
    return HTTPBadRequest(attr=path[-1], reason=_reason(failure))

