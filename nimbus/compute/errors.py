"""Compute's own errors and the 404s it words as Nova does."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.errors import NotFound, ValidationError


@errors.register
class ImageUnacceptable(errors.NimbusError):
    code = 400
    title = "Bad Request"
    message_format = "Image {image_id} is unacceptable: {reason}"


@errors.register
class Interrupted(errors.NimbusError):
    """Work a restart cut short and that could not be taken up again."""

    code = 500
    title = "Interrupted"
    message_format = "{what} of instance {uuid} was interrupted by a restart and {outcome}"


@errors.register
class VirtualInterfaceCreateFailed(errors.NimbusError):
    """A port of the server did not come up on its host (Nova's VirtualInterfaceCreateException)."""

    code = 500
    title = "Virtual Interface creation failed"
    message_format = "Virtual Interface creation failed"


def instance_not_found(uuid: str) -> NotFound:
    return NotFound(f"Instance {uuid} could not be found.", resource="instance", id=uuid)


def flavor_not_found(flavorid: str) -> NotFound:
    return NotFound(f"Flavor {flavorid} could not be found.", resource="flavor", id=flavorid)


def keypair_not_found(user_id: str, name: str) -> NotFound:
    return NotFound(f"Keypair {name} not found for user {user_id}", resource="keypair", id=name)


def invalid_field(field: str, value: Any, reason: str) -> ValidationError:
    """A 400 worded as Nova's request validation words one, for checks a schema cannot make
    (they depend on other fields' values)."""
    shown = value if isinstance(value, str) else repr(value)
    return ValidationError(f"Invalid input for field/attribute {field}. Value: {shown}. {reason}",
                           field=field, reason=reason)
