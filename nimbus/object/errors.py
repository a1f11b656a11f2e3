"""Errors only object storage raises: Swift speaks a few status codes no other service uses."""

from __future__ import annotations

from nimbus.core import errors
from nimbus.core.errors import NimbusError


class LengthRequired(NimbusError):
    code = 411
    title = "Length Required"
    message_format = "Missing Content-Length or Transfer-Encoding header."


class PreconditionFailed(NimbusError):
    code = 412
    title = "Precondition Failed"
    message_format = "{reason}"


class UnprocessableEntity(NimbusError):
    code = 422
    title = "Unprocessable Entity"
    message_format = "Unable to process the contained instructions: {reason}"


class ClientDisconnect(NimbusError):
    code = 499
    title = "Client Disconnect"
    message_format = "The client sent fewer bytes than it announced."


for _cls in (LengthRequired, PreconditionFailed, UnprocessableEntity, ClientDisconnect):
    errors.register(_cls)
